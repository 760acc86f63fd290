/**
 * `POST /v1/auth/userpass/login/:username {password}` (no token needed): Vault's userpass login.
 * Success answers Vault's `auth` block with a token bound to the user's entity, which the first
 * login creates with an alias (userpass mount accessor, username).
 *
 * What a failure reveals is kept to nothing (see credentials.ts): an unknown user and a wrong
 * password cost the same and answer the same 400; failures are limited per username and per
 * client network (429 with Retry-After).
 */
import { definePath, lowerCased, type VaultPath } from '../http/vault_path.js';
import { identityPoliciesOf } from '../identity/membership.js';
import type { Services } from '../services.js';
import { authBlock } from '../tokens/routes.js';
import type { UserpassCredentials } from './credentials.js';

export function loginPaths(services: Services, credentials: UserpassCredentials): VaultPath[] {
  const login = definePath({
    pattern: '/auth/userpass/login/:username',
    canonicalParams: { username: lowerCased },
    fields: { password: { type: 'string', max: 8192 } },
    unauthenticated: ['update', 'create'],
    mountType: 'userpass',
    operations: {
      update: async (req) => {
        const { user, entity } = await credentials.signIn(req.params.username as string, req.data.password ?? '', req.clientIp);
        const explicitMax = [user.token_explicit_max_ttl, user.token_max_ttl].filter((t) => t > 0);
        const issued = await services.tokens.create({
          policies: user.token_no_default_policy ? user.token_policies : [...user.token_policies, 'default'],
          entityId: entity.id,
          displayName: `userpass-${user.username}`,
          meta: { username: user.username },
          path: `auth/userpass/login/${user.username}`,
          ...(user.token_ttl > 0 ? { ttl: user.token_ttl } : {}),
          ...(explicitMax.length > 0 ? { explicitMaxTtl: Math.min(...explicitMax) } : {}),
          numUses: user.token_num_uses,
          boundCidrs: user.token_bound_cidrs,
        });
        const identityPolicies = await identityPoliciesOf(services.storage, entity);
        return { auth: authBlock(issued.token, issued.record, services.tokens.ttlOf(issued.record), identityPolicies) };
      },
    },
  });
  return [login] as VaultPath[];
}
