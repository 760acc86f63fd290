/**
 * Vault's token endpoints under `/v1/auth/token/`: create, lookup(-self, -accessor),
 * renew(-self), revoke(-self, -accessor).
 */
import { invalidRequest, permissionDenied } from '../../errors.js';
import type { AuthContext } from '../../auth/context.js';
import { definePath, type VaultPath } from '../../http/vault_path.js';
import type { Services } from '../../services.js';
import { authBlock } from '../auth_block.js';
import type { TokenRecord } from '../token_service.js';

const createFields = {
  policies: { type: 'commaStringSlice' },
  ttl: { type: 'duration' },
  /** Vault's deprecated spelling of `ttl` (hvac's legacy create_token sends it). */
  lease: { type: 'duration' },
  explicit_max_ttl: { type: 'duration' },
  num_uses: { type: 'int' },
  meta: { type: 'kvPairs' },
  display_name: { type: 'string', max: 256 },
  renewable: { type: 'bool' },
  no_parent: { type: 'bool' },
  entity_id: { type: 'string', max: 64 },
  bound_cidrs: { type: 'commaStringSlice' },
} as const;

export function tokenPaths(services: Services): VaultPath[] {
  const { tokens } = services;
  const mountType = 'token';

  const lookupData = (id: string | undefined, record: TokenRecord, identityPolicies: readonly string[]) => ({
    accessor: record.accessor,
    creation_time: record.creation_time,
    creation_ttl: record.creation_ttl,
    display_name: record.display_name,
    entity_id: record.entity_id,
    expire_time: record.expire_at === 0 ? null : new Date(record.expire_at).toISOString(),
    explicit_max_ttl: record.explicit_max_ttl,
    id: id ?? '',
    identity_policies: identityPolicies,
    issue_time: new Date(record.creation_time * 1000).toISOString(),
    last_renewal_time: record.last_renewal_at === 0 ? undefined : Math.floor(record.last_renewal_at / 1000),
    meta: record.meta,
    num_uses: record.num_uses,
    orphan: record.orphan,
    path: record.path,
    policies: record.policies,
    renewable: record.renewable,
    ttl: tokens.ttlOf(record),
    type: 'service',
    bound_cidrs: record.bound_cidrs,
  });

  const callerToken = (auth: AuthContext | undefined): AuthContext => {
    if (!auth) throw permissionDenied();
    return auth;
  };

  const create = definePath({
    pattern: '/auth/token/create',
    fields: createFields,
    mountType,
    operations: {
      update: async (req) => {
        const auth = callerToken(req.auth);
        const privileged = auth.acl.isRoot || auth.acl.allows('auth/token/create', 'sudo');
        const callerPolicies = auth.token.policies;
        const requested = req.data.policies ?? [...callerPolicies];
        // Vault: without sudo a token can only pass on (a subset of) its own policies.
        if (!privileged && !requested.every((p) => callerPolicies.includes(p))) {
          throw invalidRequest('child policies must be subset of parent');
        }
        if (req.data.entity_id !== undefined && !privileged) throw permissionDenied('binding a token to an entity needs root or sudo');
        if (req.data.entity_id !== undefined && !(await services.storage.get('entity', req.data.entity_id))) {
          throw invalidRequest(`entity ${JSON.stringify(req.data.entity_id)} does not exist`);
        }
        if (req.data.no_parent && !privileged) throw invalidRequest('root or sudo privileges required to create orphan token');
        const policies = requested.length === 0 ? ['default'] : requested.includes('root') || requested.includes('default') ? requested : [...requested, 'default'];
        const issued = await tokens.create({
          policies,
          path: 'auth/token/create',
          displayName: req.data.display_name ? `token-${req.data.display_name}` : 'token',
          meta: req.data.meta ?? null,
          ...((req.data.ttl ?? req.data.lease) !== undefined ? { ttl: req.data.ttl ?? req.data.lease } : {}),
          ...(req.data.explicit_max_ttl !== undefined ? { explicitMaxTtl: req.data.explicit_max_ttl } : {}),
          ...(req.data.num_uses !== undefined ? { numUses: req.data.num_uses } : {}),
          ...(req.data.renewable !== undefined ? { renewable: req.data.renewable } : {}),
          ...(req.data.entity_id !== undefined ? { entityId: req.data.entity_id } : {}),
          ...(req.data.bound_cidrs !== undefined ? { boundCidrs: req.data.bound_cidrs } : {}),
          ...(req.data.no_parent ? {} : { parentAccessor: auth.token.accessor }),
        });
        return { auth: authBlock(issued.token, issued.record, tokens.ttlOf(issued.record)) };
      },
    },
  });

  const lookupSelf = definePath({
    pattern: '/auth/token/lookup-self',
    mountType,
    operations: {
      read: async (req) => {
        const auth = callerToken(req.auth);
        // The caller's own token may have just spent its last use; report it as it was.
        const token = req.http.headers['x-vault-token'] ?? /^Bearer\s+(\S+)/i.exec(req.http.headers.authorization ?? '')?.[1];
        return { data: lookupData(typeof token === 'string' ? token : undefined, auth.token, auth.identityPolicies) };
      },
    },
  });

  const lookup = definePath({
    pattern: '/auth/token/lookup',
    fields: { token: { type: 'string', max: 256 } },
    mountType,
    operations: {
      update: async (req) => {
        const found = req.data.token ? await tokens.lookup(req.data.token) : undefined;
        if (!found) throw invalidRequest('bad token');
        return { data: lookupData(req.data.token, found.record, []) };
      },
    },
  });

  const lookupAccessor = definePath({
    pattern: '/auth/token/lookup-accessor',
    fields: { accessor: { type: 'string', max: 256 } },
    mountType,
    operations: {
      update: async (req) => {
        const found = req.data.accessor ? await tokens.lookupByAccessor(req.data.accessor) : undefined;
        if (!found) throw invalidRequest('invalid accessor');
        return { data: lookupData(undefined, found.record, []) };
      },
    },
  });

  const renewSelf = definePath({
    pattern: '/auth/token/renew-self',
    fields: { increment: { type: 'duration' } },
    mountType,
    operations: {
      update: async (req) => {
        const auth = callerToken(req.auth);
        const token = req.http.headers['x-vault-token'] ?? /^Bearer\s+(\S+)/i.exec(req.http.headers.authorization ?? '')?.[1];
        const record = await tokens.renew(auth.tokenId, req.data.increment);
        return { auth: authBlock(typeof token === 'string' ? token : '', record, tokens.ttlOf(record), auth.identityPolicies) };
      },
    },
  });

  const renew = definePath({
    pattern: '/auth/token/renew',
    fields: { token: { type: 'string', max: 256 }, increment: { type: 'duration' } },
    mountType,
    operations: {
      update: async (req) => {
        const found = req.data.token ? await tokens.lookup(req.data.token) : undefined;
        if (!found) throw invalidRequest('invalid token');
        const record = await tokens.renew(found.id, req.data.increment);
        return { auth: authBlock(req.data.token as string, record, tokens.ttlOf(record)) };
      },
    },
  });

  const revokeSelf = definePath({
    pattern: '/auth/token/revoke-self',
    mountType,
    operations: {
      update: async (req) => {
        await tokens.revoke(callerToken(req.auth).tokenId);
      },
    },
  });

  const revoke = definePath({
    pattern: '/auth/token/revoke',
    fields: { token: { type: 'string', max: 256 } },
    mountType,
    operations: {
      update: async (req) => {
        if (!req.data.token) throw invalidRequest('missing token');
        const found = await tokens.lookup(req.data.token);
        if (found) await tokens.revoke(found.id);
      },
    },
  });

  const revokeAccessor = definePath({
    pattern: '/auth/token/revoke-accessor',
    fields: { accessor: { type: 'string', max: 256 } },
    mountType,
    operations: {
      update: async (req) => {
        if (!req.data.accessor) throw invalidRequest('missing accessor');
        const found = await tokens.lookupByAccessor(req.data.accessor);
        if (found) await tokens.revoke(found.id);
      },
    },
  });

  return [create, lookupSelf, lookup, lookupAccessor, renewSelf, renew, revokeSelf, revoke, revokeAccessor];
}
