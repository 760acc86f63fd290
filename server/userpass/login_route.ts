/**
 * `POST /v1/auth/userpass/login/:username {password}` (no token needed): Vault's userpass login.
 * Success answers Vault's `auth` block with a token bound to the user's entity, which the first
 * login creates with an alias (userpass mount accessor, username).
 *
 * What a failure reveals is kept to nothing: an unknown user costs one scrypt against a dummy hash,
 * exactly like a wrong password, and both answer the same 400. Failures are limited per username
 * and per client network (429 with Retry-After); a success clears the username's count.
 */
import { LanyardError, invalidRequest, permissionDenied } from '../errors.js';
import { definePath, type VaultPath } from '../http/vault_path.js';
import type { IdentityStore } from '../identity/identity_store.js';
import { membershipOf } from '../identity/membership.js';
import type { EntityRecord } from '../identity/types.js';
import type { Services } from '../services.js';
import { authBlock } from '../tokens/routes.js';
import { anyCidrContains, parseCidr, parseIp, type Cidr } from '../util/cidr.js';
import { FailureLimiter, type FailurePolicy } from './failure_limiter.js';
import { hashPassword, needsRehash, unmatchableHash, verifyPassword } from './password_hash.js';
import { checkPassword, usernameOf } from './username.js';
import type { UserpassUser, UserStore } from './user_store.js';

const MINUTE = 60_000;
/** Five failures per username, then a lock that starts at a minute and doubles up to fifteen. */
export const USER_FAILURES: FailurePolicy = { limit: 5, windowMs: 5 * MINUTE, baseLockMs: MINUTE, maxLockMs: 15 * MINUTE };
/** Twenty failures per client network, then five minutes, doubling up to an hour. */
export const NETWORK_FAILURES: FailurePolicy = { limit: 20, windowMs: 5 * MINUTE, baseLockMs: 5 * MINUTE, maxLockMs: 60 * MINUTE };

const INVALID_CREDENTIALS = 'invalid username or password';

export function loginPaths(services: Services, identity: IdentityStore, users: UserStore): VaultPath[] {
  const byUser = new FailureLimiter(USER_FAILURES, services.now);
  const byNetwork = new FailureLimiter(NETWORK_FAILURES, services.now);
  // Unknown users are checked against this, so they cost the same scrypt as a wrong password.
  const dummyHash = unmatchableHash();

  /** The user, when the password is right; counts failures and refuses locked-out callers. */
  const checkCredentials = async (username: string, password: string, network: string): Promise<UserpassUser> => {
    const networkWait = byNetwork.begin(network);
    if (networkWait > 0) throw tooManyAttempts(networkWait);
    const userWait = byUser.begin(username);
    if (userWait > 0) {
      byNetwork.finish(network, false);
      throw tooManyAttempts(userWait);
    }
    let failed = false;
    try {
      const user = await users.get(username);
      const matches = await verifyPassword(password, user?.password_hash ?? dummyHash);
      if (user && matches) {
        byUser.reset(username);
        return user;
      }
      failed = true;
    } finally {
      byNetwork.finish(network, failed);
      byUser.finish(username, failed);
    }
    throw invalidRequest(INVALID_CREDENTIALS, { detail: `userpass login failed for ${JSON.stringify(username)}` });
  };

  const login = definePath({
    pattern: '/auth/userpass/login/:username',
    fields: { password: { type: 'string', max: 8192 } },
    unauthenticated: ['update', 'create'],
    mountType: 'userpass',
    operations: {
      update: async (req) => {
        const username = usernameOf(req.params.username);
        const password = checkPassword(req.data.password ?? '');
        const user = await checkCredentials(username, password, networkOf(req.clientIp));
        if (needsRehash(user.password_hash)) await upgradeHash(users, user, password);
        if (user.token_bound_cidrs.length > 0 && !anyCidrContains(cidrsOf(user), req.clientIp)) {
          throw permissionDenied(`userpass login for ${JSON.stringify(username)} from outside token_bound_cidrs`);
        }

        const mount = await identity.mounts.byType('userpass');
        if (!mount) throw new LanyardError('internal', 'internal error', { detail: 'the userpass mount is missing from the instance record' });
        const entity = await identity.aliases.entityForLogin(mount, username);
        if (entity.disabled) throw permissionDenied(`entity ${entity.id} is disabled`);

        const explicitMax = [user.token_explicit_max_ttl, user.token_max_ttl].filter((t) => t > 0);
        const issued = await services.tokens.create({
          policies: user.token_no_default_policy ? user.token_policies : [...user.token_policies, 'default'],
          entityId: entity.id,
          displayName: `userpass-${username}`,
          meta: { username },
          path: `auth/userpass/login/${username}`,
          ...(user.token_ttl > 0 ? { ttl: user.token_ttl } : {}),
          ...(explicitMax.length > 0 ? { explicitMaxTtl: Math.min(...explicitMax) } : {}),
          numUses: user.token_num_uses,
          boundCidrs: user.token_bound_cidrs,
        });
        const identityPolicies = await identityPoliciesOf(services, entity);
        return { auth: authBlock(issued.token, issued.record, services.tokens.ttlOf(issued.record), identityPolicies) };
      },
    },
  });
  return [login] as VaultPath[];
}

/**
 * The key failures from one client count under: its IPv4 address, or its IPv6 /64 (one host
 * usually holds a whole /64, so single IPv6 addresses would be free to rotate).
 */
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

function cidrsOf(user: UserpassUser): Cidr[] {
  return user.token_bound_cidrs.map((c) => parseCidr(c)).filter((c): c is Cidr => c !== undefined);
}

/** Re-hash with the current parameters, unless the password changed meanwhile. */
async function upgradeHash(users: UserStore, user: UserpassUser, password: string): Promise<void> {
  const upgraded = await hashPassword(password);
  await users.update(user.username, (current) => (current.password_hash === user.password_hash ? { ...current, password_hash: upgraded } : current));
}

/** Policies the entity and its groups (direct and inherited) add, as the authenticator computes them. */
async function identityPoliciesOf(services: Services, entity: EntityRecord): Promise<string[]> {
  const membership = await membershipOf(services.storage, entity.id);
  return [...new Set([...entity.policies, ...membership.all.flatMap((g) => g.policies)])].sort();
}
