/**
 * How each family of Lanyard's routes words its errors, so one client can read them all:
 *
 *   Vault (`/v1/…`)                      `{errors: ["line", …]}`
 *   Infisical (`/api/…`)                 `{statusCode, message, error, reqId}`; a 422's `message`
 *                                        is the list of validation issues `{path, message}`
 *   OAuth (a provider's token, device    `{error, error_description}` (RFC 6749 §5.2)
 *     and CLI endpoints)
 *
 * The route decides the format, not the body: a Vault body on an Infisical route is not an error
 * text Lanyard wrote for that route.
 */

export interface WireFormat {
  /** The error lines a failed call's body carries in this format; none when it has no such lines. */
  errorLines(body: unknown): string[];
}

export const VAULT: WireFormat = {
  errorLines(body) {
    const errors = fieldOf(body, 'errors');
    return Array.isArray(errors) ? errors.map((line) => String(line)) : [];
  },
};

export const INFISICAL: WireFormat = {
  errorLines(body) {
    const message = fieldOf(body, 'message');
    if (typeof message === 'string') return message === '' ? [] : [message];
    if (Array.isArray(message)) return message.map(validationIssueLine);
    return [];
  },
};

export const OAUTH: WireFormat = {
  errorLines(body) {
    const description = fieldOf(body, 'error_description');
    if (typeof description === 'string' && description !== '') return [description];
    const code = fieldOf(body, 'error');
    return typeof code === 'string' && code !== '' ? [code] : [];
  },
};

/** `boundIssuer: Required`: the field named, as the person has to find it among their arguments. */
function validationIssueLine(issue: unknown): string {
  const path = fieldOf(issue, 'path');
  const message = fieldOf(issue, 'message');
  const where = Array.isArray(path) && path.length > 0 ? `${path.join('.')}: ` : '';
  return `${where}${message === undefined ? JSON.stringify(issue) : String(message)}`;
}

function fieldOf(value: unknown, name: string): unknown {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[name] : undefined;
}
