/**
 * Checking a userpass username and password, shared by the login API and the OIDC sign-in page so
 * both count failures in the same limiter and follow the same rules: scrypt verification (an
 * unknown user costs one verification against a dummy hash and reads the same as a wrong password),
 * brute-force limits per username and per client network, stored-hash upgrades, bound CIDRs, and
 * the entity created with an alias on the first login.
 */
import { LanyardError, invalidRequest, permissionDenied } from '../errors.js';
import { identityStore, type IdentityStore } from '../identity/identity_store.js';
import type { EntityRecord } from '../identity/types.js';
import type { Services } from '../services.js';
import { anyCidrContains, parseCidr, type Cidr } from '../util/cidr.js';
import { networkOf, type FailurePolicy } from '../auth/failure_limiter.js';
import { failureLimiter, type Limiter } from '../cluster/shared_failures.js';
import { hashPassword, needsRehash, unmatchableHash, verifyPassword } from './password_hash.js';
import { checkPassword, usernameOf } from './username.js';
import { UserStore, type UserpassUser } from './user_store.js';

const MINUTE = 60_000;
/** Five failures per username, then a lock that starts at a minute and doubles up to fifteen. */
export const USER_FAILURES: FailurePolicy = { limit: 5, windowMs: 5 * MINUTE, baseLockMs: MINUTE, maxLockMs: 15 * MINUTE };
/** Twenty failures per client network, then five minutes, doubling up to an hour. */
export const NETWORK_FAILURES: FailurePolicy = { limit: 20, windowMs: 5 * MINUTE, baseLockMs: 5 * MINUTE, maxLockMs: 60 * MINUTE };

const INVALID_CREDENTIALS = 'invalid username or password';

export interface SignedIn {
  readonly user: UserpassUser;
  readonly entity: EntityRecord;
}

export class UserpassCredentials {
  readonly users: UserStore;
  readonly #identity: IdentityStore;
  readonly #byUser: Limiter;
  readonly #byNetwork: Limiter;
  // Unknown users are checked against this, so they cost the same scrypt as a wrong password.
  readonly #dummyHash = unmatchableHash();

  constructor(services: Pick<Services, 'storage' | 'tokens' | 'init' | 'now'>) {
    this.users = new UserStore(services.storage);
    this.#identity = identityStore(services);
    this.#byUser = failureLimiter(services, 'user', USER_FAILURES);
    this.#byNetwork = failureLimiter(services, 'network', NETWORK_FAILURES);
  }

  /** The user and their entity when the credentials are right; a LanyardError otherwise. */
  async signIn(rawUsername: string, rawPassword: string, clientIp: string): Promise<SignedIn> {
    const username = usernameOf(rawUsername.trim());
    const password = checkPassword(rawPassword);
    const user = await this.#check(username, password, networkOf(clientIp));
    if (needsRehash(user.password_hash)) await this.#upgradeHash(user, password);
    if (user.token_bound_cidrs.length > 0 && !anyCidrContains(cidrsOf(user), clientIp)) {
      throw permissionDenied(`userpass login for ${JSON.stringify(username)} from outside token_bound_cidrs`);
    }
    const mount = await this.#identity.mounts.byType('userpass');
    if (!mount) throw new LanyardError('internal', 'internal error', { detail: 'the userpass mount is missing from the instance record' });
    const entity = await this.#identity.aliases.entityForLogin(mount, username);
    if (entity.disabled) throw permissionDenied(`entity ${entity.id} is disabled`);
    return { user, entity };
  }

  /** The user, when the password is right; counts failures and refuses locked-out callers. */
  async #check(username: string, password: string, network: string): Promise<UserpassUser> {
    const networkWait = this.#byNetwork.begin(network);
    if (networkWait > 0) throw tooManyAttempts(networkWait);
    const userWait = this.#byUser.begin(username);
    if (userWait > 0) {
      this.#byNetwork.finish(network, false);
      throw tooManyAttempts(userWait);
    }
    let failed = false;
    try {
      const user = await this.users.get(username);
      const matches = await verifyPassword(password, user?.password_hash ?? this.#dummyHash);
      if (user && matches) {
        this.#byUser.reset(username);
        return user;
      }
      failed = true;
    } finally {
      this.#byNetwork.finish(network, failed);
      this.#byUser.finish(username, failed);
    }
    throw invalidRequest(INVALID_CREDENTIALS, { detail: `userpass login failed for ${JSON.stringify(username)}` });
  }

  /** Re-hash with the current parameters, unless the password changed meanwhile. */
  async #upgradeHash(user: UserpassUser, password: string): Promise<void> {
    const upgraded = await hashPassword(password);
    await this.users.update(user.username, (current) => (current.password_hash === user.password_hash ? { ...current, password_hash: upgraded } : current));
  }
}

const shared = new WeakMap<object, UserpassCredentials>();

/** The one credential checker of a server (one limiter for the API and the sign-in page). */
export function userpassCredentials(services: Pick<Services, 'storage' | 'tokens' | 'init' | 'now'>): UserpassCredentials {
  let credentials = shared.get(services);
  if (!credentials) {
    credentials = new UserpassCredentials(services);
    shared.set(services, credentials);
  }
  return credentials;
}

function tooManyAttempts(waitMs: number): LanyardError {
  return new LanyardError('rate_limited', 'too many failed login attempts; try again later', {
    headers: { 'Retry-After': String(Math.ceil(waitMs / 1000)) },
  });
}

function cidrsOf(user: UserpassUser): Cidr[] {
  return user.token_bound_cidrs.map((c) => parseCidr(c)).filter((c): c is Cidr => c !== undefined);
}
