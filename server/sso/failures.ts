/**
 * Every way an upstream sign-in can fail, each with a stable reason code (for logs, the CLI and
 * tests), the status it answers with, and words for the person in front of the browser. The
 * operator's explanation travels separately as the error's `detail` and goes only to the log;
 * neither ever carries a code, token or secret.
 */
import { InfisicalError } from '../http/infisical_errors.js';

export const SSO_FAILURES = {
  sso_not_configured: { status: 404, title: 'Single sign-on is not set up', message: 'This Lanyard has no single sign-on configured.' },
  sso_inactive: { status: 403, title: 'Single sign-on is turned off', message: 'Single sign-on is currently turned off. Sign in another way or ask your administrator.' },
  upstream_unreachable: {
    status: 502,
    title: 'The sign-in service cannot be reached',
    message: 'Lanyard could not reach your organisation’s sign-in service. Try again in a few minutes; if it keeps happening, tell your administrator.',
  },
  upstream_misconfigured: {
    status: 502,
    title: 'Single sign-on is misconfigured',
    message: 'Your organisation’s sign-in service answered in a way Lanyard cannot use. Your administrator needs to check the single sign-on settings.',
  },
  client_rejected: {
    status: 502,
    title: 'Single sign-on is misconfigured',
    message: 'Your organisation’s sign-in service refused Lanyard’s credentials. Your administrator needs to check the client ID and secret.',
  },
  access_denied: { status: 403, title: 'Sign-in was cancelled', message: 'The sign-in service did not let you in, or you declined. Nothing was signed in.' },
  upstream_error: { status: 400, title: 'Sign-in did not finish', message: 'Your organisation’s sign-in service reported a problem, so sign-in stopped.' },
  code_rejected: { status: 400, title: 'This sign-in has expired', message: 'The answer from the sign-in service was already used or has expired. Start again.' },
  invalid_id_token: {
    status: 401,
    title: 'Sign-in could not be verified',
    message: 'The identity the sign-in service sent could not be verified, so Lanyard did not accept it. Tell your administrator.',
  },
  missing_email: { status: 400, title: 'No email address', message: 'The sign-in service did not say which email address you have. Lanyard needs one to sign you in.' },
  email_not_verified: { status: 403, title: 'Email address not verified', message: 'The sign-in service says your email address is not verified. Verify it there and try again.' },
  domain_not_allowed: { status: 403, title: 'Email address not allowed', message: 'Accounts with your email address are not allowed to sign in here.' },
  entity_disabled: { status: 403, title: 'Account disabled', message: 'Your Lanyard account is disabled. Contact your administrator.' },
  alias_conflict: { status: 409, title: 'Account conflict', message: 'Your sign-in matches a Lanyard account that belongs to someone else. Contact your administrator.' },
  unknown_state: {
    status: 400,
    title: 'This sign-in link is no longer valid',
    message: 'It has expired, was already used, or was not started here. Start signing in again.',
  },
  config_changed: { status: 409, title: 'Please sign in again', message: 'The single sign-on settings changed while you were signing in. Start again.' },
  interaction_mismatch: {
    status: 400,
    title: 'This sign-in was started elsewhere',
    message: 'The sign-in service sent you back to a sign-in that belongs to another browser window or has ended. Start again.',
  },
} as const satisfies Record<string, { status: number; title: string; message: string }>;

export type SsoFailureReason = keyof typeof SSO_FAILURES;

/** A refused or failed upstream sign-in; `detail` is for the operator's log only. */
export class SsoLoginError extends InfisicalError {
  readonly failure: SsoFailureReason;

  constructor(failure: SsoFailureReason, detail: string, options: { cause?: unknown } = {}) {
    const { status, message } = SSO_FAILURES[failure];
    super(status, errorName(status), message, { reason: failure, detail, ...(options.cause === undefined ? {} : { cause: options.cause }) });
    this.failure = failure;
  }

  /** The messages above are written for people and hold nothing internal, whatever the status. */
  override get expose(): boolean {
    return true;
  }
}

function errorName(status: number): string {
  if (status === 401) return 'UnauthorizedError';
  if (status === 403) return 'ForbiddenError';
  if (status === 404) return 'NotFound';
  if (status === 409) return 'Conflict';
  if (status >= 500) return 'BadGateway';
  return 'BadRequest';
}
