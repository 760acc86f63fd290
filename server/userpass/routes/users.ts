/**
 * `/v1/auth/userpass/users/:username`: create, read, update, delete and list users, and
 * `…/:username/password` to change a password. Usernames are case-insensitive (stored lowercased)
 * as in Vault. Token parameters follow Vault's tokenutil, legacy names (`policies`, `ttl`,
 * `max_ttl`, `bound_cidrs`) included; the `token_` names win when both are given.
 */
import { invalidRequest } from '../../errors.js';
import { definePath, lowerCased, type VaultPath } from '../../http/vault_path.js';
import { checkPolicies } from '../../identity/validate.js';
import { parseCidr } from '../../util/cidr.js';
import { hashPassword } from '../password_hash.js';
import { checkPassword, usernameOf } from '../username.js';
import { userData, type UserpassUser, type UserStore } from '../user_store.js';

const userFields = {
  password: { type: 'string', max: 8192 },
  token_policies: { type: 'commaStringSlice', max: 256 },
  policies: { type: 'commaStringSlice', max: 256 },
  token_ttl: { type: 'duration' },
  ttl: { type: 'duration' },
  token_max_ttl: { type: 'duration' },
  max_ttl: { type: 'duration' },
  token_explicit_max_ttl: { type: 'duration' },
  token_num_uses: { type: 'int' },
  token_bound_cidrs: { type: 'commaStringSlice', max: 64 },
  bound_cidrs: { type: 'commaStringSlice', max: 64 },
  token_no_default_policy: { type: 'bool' },
} as const;

type TokenSettings = Partial<Omit<UserpassUser, 'username' | 'password_hash'>>;

const mountType = 'userpass';

export function userPaths(users: UserStore): VaultPath[] {
  const user = definePath({
    pattern: '/auth/userpass/users/:username',
    canonicalParams: { username: lowerCased },
    fields: userFields,
    mountType,
    existence: async (req) => (await users.get(usernameOf(req.params.username))) !== undefined,
    operations: {
      read: async (req) => {
        const found = await users.get(usernameOf(req.params.username));
        return found && { data: userData(found) };
      },
      create: async (req) => {
        const password = checkPassword(req.data.password ?? '');
        const created: UserpassUser = {
          username: usernameOf(req.params.username),
          password_hash: '',
          token_policies: [],
          token_ttl: 0,
          token_max_ttl: 0,
          token_explicit_max_ttl: 0,
          token_num_uses: 0,
          token_bound_cidrs: [],
          token_no_default_policy: false,
          ...tokenSettings(req.data),
        };
        checkTtls(created);
        await users.put({ ...created, password_hash: await hashPassword(password) });
      },
      update: async (req) => {
        const username = usernameOf(req.params.username);
        const settings = tokenSettings(req.data);
        const hash = req.data.password === undefined ? undefined : await hashPassword(checkPassword(req.data.password));
        const updated = await users.update(username, (current) => {
          const next = { ...current, ...settings, ...(hash ? { password_hash: hash } : {}) };
          checkTtls(next);
          return next;
        });
        if (!updated) throw invalidRequest('username does not exist');
      },
      delete: async (req) => {
        await users.delete(usernameOf(req.params.username));
      },
    },
  });

  const list = definePath({
    pattern: '/auth/userpass/users',
    mountType,
    operations: { list: async () => ({ data: { keys: await users.usernames() } }) },
  });

  const password = definePath({
    pattern: '/auth/userpass/users/:username/password',
    canonicalParams: { username: lowerCased },
    fields: { password: userFields.password },
    mountType,
    operations: {
      update: async (req) => {
        const username = usernameOf(req.params.username);
        const given = checkPassword(req.data.password ?? '');
        if (!(await users.get(username))) throw invalidRequest('username does not exist');
        const hash = await hashPassword(given);
        const updated = await users.update(username, (current) => ({ ...current, password_hash: hash }));
        if (!updated) throw invalidRequest('username does not exist');
      },
    },
  });

  return [user, list, password];
}

interface TokenFieldValues {
  token_policies?: string[];
  policies?: string[];
  token_ttl?: number;
  ttl?: number;
  token_max_ttl?: number;
  max_ttl?: number;
  token_explicit_max_ttl?: number;
  token_num_uses?: number;
  token_bound_cidrs?: string[];
  bound_cidrs?: string[];
  token_no_default_policy?: boolean;
}

/** The token settings a request sets, validated; absent ones are absent. */
function tokenSettings(data: TokenFieldValues): TokenSettings {
  const out: { -readonly [K in keyof TokenSettings]: TokenSettings[K] } = {};
  const policies = data.token_policies ?? data.policies;
  // An auth method never mints root tokens (Vault refuses them at login; refusing here is clearer).
  if (policies !== undefined) out.token_policies = checkPolicies(policies, { lowercase: true });
  const ttl = data.token_ttl ?? data.ttl;
  if (ttl !== undefined) out.token_ttl = ttl;
  const maxTtl = data.token_max_ttl ?? data.max_ttl;
  if (maxTtl !== undefined) out.token_max_ttl = maxTtl;
  if (data.token_explicit_max_ttl !== undefined) out.token_explicit_max_ttl = data.token_explicit_max_ttl;
  if (data.token_num_uses !== undefined) {
    if (data.token_num_uses < 0) throw invalidRequest("'token_num_uses' cannot be negative");
    out.token_num_uses = data.token_num_uses;
  }
  const cidrs = data.token_bound_cidrs ?? data.bound_cidrs;
  if (cidrs !== undefined) {
    for (const cidr of cidrs) {
      if (!parseCidr(cidr)) throw invalidRequest(`invalid CIDR ${JSON.stringify(cidr.slice(0, 64))} in token_bound_cidrs`);
    }
    out.token_bound_cidrs = cidrs;
  }
  if (data.token_no_default_policy !== undefined) out.token_no_default_policy = data.token_no_default_policy;
  return out;
}

function checkTtls(user: UserpassUser): void {
  if (user.token_max_ttl > 0 && user.token_ttl > user.token_max_ttl) throw invalidRequest("'token_ttl' cannot be greater than 'token_max_ttl'");
}
