/**
 * Checking a username and password typed into the sign-in page, with the userpass method's own
 * parts: its user store, its scrypt verification, its brute-force policies (five failures per
 * username, twenty per client network, then doubling locks) and its entity-on-first-login rule.
 * An unknown user costs one verification against a dummy hash, like a wrong password, and both
 * read the same, so the page does not reveal which usernames exist.
 *
 * Failures are LanyardErrors as the userpass login route raises them: invalid_request for wrong
 * credentials, rate_limited (with Retry-After) when locked out, permission_denied when the user
 * may not sign in from here or their entity is disabled.
 */
import { randomBytes } from 'node:crypto';
import { LanyardError, invalidRequest, permissionDenied } from '../../../errors.js';
import { identityStore } from '../../../identity/identity_store.js';
import type { EntityRecord } from '../../../identity/types.js';
import type { Services } from '../../../services.js';
import { FailureLimiter } from '../../../userpass/failure_limiter.js';
import { NETWORK_FAILURES, USER_FAILURES } from '../../../userpass/login_route.js';
import { hashPassword, verifyPassword } from '../../../userpass/password_hash.js';
import { UserStore } from '../../../userpass/user_store.js';
import { checkPassword, usernameOf } from '../../../userpass/username.js';
import { anyCidrContains, parseCidr, parseIp, type Cidr } from '../../../util/cidr.js';

export type PasswordLogin = (username: string, password: string, clientIp: string) => Promise<EntityRecord>;

export function passwordLogin(services: Pick<Services, 'storage' | 'tokens' | 'init' | 'now'>): PasswordLogin {
  const users = new UserStore(services.storage);
  const identity = identityStore(services);
  const byUser = new FailureLimiter(USER_FAILURES, services.now);
  const byNetwork = new FailureLimiter(NETWORK_FAILURES, services.now);
  const dummyHash = hashPassword(randomBytes(32).toString('base64'));
  dummyHash.catch(() => undefined); // a failure surfaces where it is awaited

  return async (rawUsername, password, clientIp) => {
    const username = usernameOf(rawUsername.trim());
    checkPassword(password);
    const network = networkOf(clientIp);
    const networkWait = byNetwork.begin(network);
    if (networkWait > 0) throw tooManyAttempts(networkWait);
    const userWait = byUser.begin(username);
    if (userWait > 0) {
      byNetwork.finish(network, false);
      throw tooManyAttempts(userWait);
    }
    let failed = true;
    let user;
    try {
      user = await users.get(username);
      failed = !((await verifyPassword(password, user?.password_hash ?? (await dummyHash))) && user !== undefined);
    } finally {
      byNetwork.finish(network, failed);
      byUser.finish(username, failed);
    }
    if (failed || user === undefined) throw invalidRequest('invalid username or password', { detail: `sign-in page: wrong password for ${JSON.stringify(username)}` });
    byUser.reset(username);

    const bound = user.token_bound_cidrs.map((c) => parseCidr(c)).filter((c): c is Cidr => c !== undefined);
    if (bound.length > 0 && !anyCidrContains(bound, clientIp)) throw permissionDenied(`userpass sign-in for ${JSON.stringify(username)} from outside token_bound_cidrs`);
    const mount = await identity.mounts.byType('userpass');
    if (mount === undefined) throw new LanyardError('internal', 'internal error', { detail: 'the userpass mount is missing from the instance record' });
    const entity = await identity.aliases.entityForLogin(mount, username);
    if (entity.disabled) throw permissionDenied(`entity ${entity.id} is disabled`);
    return entity;
  };
}

/** Failures from one client count per IPv4 address or per IPv6 /64, as for the userpass API. */
function networkOf(clientIp: string): string {
  const ip = parseIp(clientIp);
  if (!ip) return clientIp;
  return ip.family === 4 ? `v4:${ip.value}` : `v6:${(ip.value >> 64n).toString(16)}`;
}

function tooManyAttempts(waitMs: number): LanyardError {
  return new LanyardError('rate_limited', 'too many failed login attempts; try again later', {
    headers: { 'Retry-After': String(Math.ceil(waitMs / 1000)) },
  });
}
