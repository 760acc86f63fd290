/**
 * The operator's log line for a failed upstream sign-in: the reason code and the detail (what the
 * IdP or the checks said), at warn level, since a failing SSO is something to act on. Codes,
 * tokens, secrets and the state value never appear: details are built without them.
 */
import { toLanyardError } from '../errors.js';
import type { Logger } from '../log.js';
import { SsoLoginError } from './failures.js';

export function logSignInFailure(log: Logger, error: unknown, purpose: string): void {
  if (error instanceof SsoLoginError) {
    log.warn('sso sign-in failed', { reason: error.failure, detail: error.detail, purpose });
    return;
  }
  const failure = toLanyardError(error);
  log.error('sso sign-in failed unexpectedly', { code: failure.code, detail: failure.detail, purpose });
}
