import type { VerificationError, VerificationReason } from './errors.js';

/** The checks of a verification, in the order they run. */
export type CheckName =
  | 'policy'
  | 'token_format'
  | 'algorithm'
  | 'provider_keys'
  | 'signing_key'
  | 'signature'
  | 'exp'
  | 'nbf'
  | 'iat'
  | 'issuer'
  | 'subject'
  | 'audience'
  | 'claim';

/** One check as explain reports it. */
export interface CheckStep {
  readonly check: CheckName;
  /** The bound claim path, for `claim` checks. */
  readonly claim?: string;
  readonly ok: boolean;
  readonly expected: unknown;
  /** What the token (or the provider) had; undefined when absent. */
  readonly received: unknown;
  readonly reason?: VerificationReason;
}

/** A check's result: its step and, when it failed, the error verify would throw. */
export interface CheckOutcome {
  readonly step: CheckStep;
  readonly error?: VerificationError;
}

// Built without spreads: every verification builds a dozen of these.
export function passed(check: CheckName, expected: unknown, received: unknown, claim?: string): CheckOutcome {
  return { step: claim === undefined ? { check, ok: true, expected, received } : { check, claim, ok: true, expected, received } };
}

export function failed(error: VerificationError, check: CheckName, expected: unknown, received: unknown, claim?: string): CheckOutcome {
  return {
    step:
      claim === undefined
        ? { check, ok: false, expected, received, reason: error.reason }
        : { check, claim, ok: false, expected, received, reason: error.reason },
    error,
  };
}

/** A short JSON rendering of a token value for error details; claims can be long. */
export function preview(value: unknown): string {
  if (value === undefined) return 'absent';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
