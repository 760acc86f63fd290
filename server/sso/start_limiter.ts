/**
 * How often one client network may start an upstream sign-in from the CLI endpoint
 * (`POST /api/v1/sso/oidc/cli/start`). The endpoint needs no credentials and every call stores a
 * pending sign-in and may make the server fetch the upstream IdP's discovery document, so it is
 * limited like the password logins, with the same limiter (server/auth/failure_limiter.ts) and
 * the same notion of a client network (an IPv4 address or an IPv6 /64): every start counts as a
 * strike, since a start is not something that succeeds or fails here. A person runs
 * `lanyard login` a few times a day, and a whole office behind one NAT address stays far below
 * sixty starts without a quiet minute in between; a script hammering the endpoint is locked out
 * for a minute, then for twice as long on every further start, up to fifteen minutes.
 */
import { LanyardError } from '../errors.js';
import { FailureLimiter, networkOf, type FailurePolicy } from '../auth/failure_limiter.js';

const MINUTE = 60_000;
export const CLI_START_POLICY: FailurePolicy = { limit: 60, windowMs: MINUTE, baseLockMs: MINUTE, maxLockMs: 15 * MINUTE };

export class SignInStartLimiter {
  readonly #limiter: FailureLimiter;

  constructor(now: () => number, policy: FailurePolicy = CLI_START_POLICY) {
    this.#limiter = new FailureLimiter(policy, now);
  }

  /** Count a start from `clientIp`; a 429 LanyardError (with Retry-After) when the network is locked out. */
  take(clientIp: string): void {
    const network = networkOf(clientIp);
    const wait = this.#limiter.begin(network);
    if (wait > 0) {
      throw new LanyardError('rate_limited', 'too many sign-ins started from this network; try again later', {
        headers: { 'Retry-After': String(Math.ceil(wait / 1000)) },
      });
    }
    this.#limiter.finish(network, true);
  }
}
