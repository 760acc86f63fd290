/** Authentication context classes in ID tokens (`acr`): how many factors the sign-in used. */
export const ACR_SINGLE_FACTOR = 'urn:lanyard:loa:1fa';
export const ACR_MULTI_FACTOR = 'urn:lanyard:loa:2fa';
/** What discovery advertises as `acr_values_supported`. */
export const ACR_VALUES = [ACR_SINGLE_FACTOR, ACR_MULTI_FACTOR] as const;

/** `acr_values` that ask for a second factor. */
const MFA_ACR_VALUES: ReadonlySet<string> = new Set([ACR_MULTI_FACTOR, 'mfa']);

/** Whether an `acr_values` parameter asks for a second factor. */
export function asksForSecondFactor(acrValues: unknown): boolean {
  return typeof acrValues === 'string' && acrValues.split(' ').some((value) => MFA_ACR_VALUES.has(value));
}
