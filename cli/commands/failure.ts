/**
 * Client failures in words a person can act on: where the server was looked for, what the token
 * has to do with a 403, and the server's own error lines with the status code.
 */
import type { LanyardClient } from '../client.js';
import { ApiError, ClientConfigError, UnreachableError } from '../http/errors.js';
import { CliError } from './cli_error.js';

/** Longest non-Vault error body shown back (a proxy's HTML page is not worth more). */
const MAX_BODY_SHOWN = 500;

/**
 * `action` completes "Error …", e.g. `reading sys/policies/acl/x`. Errors that are not the
 * client's come back unchanged for the caller to rethrow.
 */
export function explainFailure(err: unknown, action: string, client: Pick<LanyardClient, 'hasToken'> & Partial<Pick<LanyardClient, 'tokenSource'>>): unknown {
  if (err instanceof ApiError && err.status === 403) {
    const hint = client.hasToken
      ? `the token may have expired, been revoked, or lack a policy for ${action}`
      : "no token is set: set it, or run 'lanyard login'";
    const extra = err.errors.filter((line) => line !== 'permission denied');
    const source = client.hasToken ? (client.tokenSource ?? 'LANYARD_TOKEN') : 'LANYARD_TOKEN';
    return new CliError([`Error: permission denied (check ${source}; ${hint})`, ...extra.map((line) => `  * ${line}`)].join('\n'));
  }
  return explainSignInFailure(err, action);
}

/**
 * For the sign-in calls (SSO, device, machine login), which send no token: there a 403 is the
 * server refusing the person or workload (an email domain, an address), so the server's own lines
 * are the explanation and a hint about tokens would mislead.
 */
export function explainSignInFailure(err: unknown, action: string): unknown {
  if (err instanceof UnreachableError) {
    return new CliError(`Error: cannot reach Lanyard at ${err.address}: ${err.reason} (is the server running? set LANYARD_ADDR)`);
  }
  if (err instanceof ClientConfigError) return new CliError(`Error: ${err.message}`);
  if (!(err instanceof ApiError)) return err;
  return new CliError([`Error ${action}: code ${err.status}`, ...serverLines(err).map((line) => `  * ${line}`)].join('\n'));
}

/** Run one API call, turning client failures into explained CliErrors. */
export async function attempt<T>(client: LanyardClient, action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw explainFailure(err, action, client);
  }
}

/** Vault's answer for a missing path, with the server's reason when it gave one (a mistyped path). */
export function noValueFound(path: string, err?: ApiError): CliError {
  const reason = err && err.errors.length > 0 ? ` (${err.errors.join('; ')})` : '';
  return new CliError(`No value found at ${path}${reason}`);
}

function serverLines(err: ApiError): string[] {
  if (err.errors.length > 0) return [...err.errors];
  if (err.body === undefined) return [];
  const text = typeof err.body === 'string' ? err.body : JSON.stringify(err.body);
  return [text.length > MAX_BODY_SHOWN ? `${text.slice(0, MAX_BODY_SHOWN)}…` : text];
}
