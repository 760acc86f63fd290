/**
 * The token a successful userpass login gets, with Vault's `auth` block: shared by the login API
 * and by `sys/mfa/validate`, which finishes a login that waited for its second factor.
 */
import type { AuthBlock } from '../http/vault_path.js';
import { identityPoliciesOf } from '../identity/membership.js';
import type { EntityRecord } from '../identity/types.js';
import type { Services } from '../services.js';
import { authBlock } from '../tokens/auth_block.js';
import type { UserpassUser } from './user_store.js';

/** `secondFactor`: the login was finished through `sys/mfa/validate` with this method type. */
export async function issueUserpassToken(services: Services, user: UserpassUser, entity: EntityRecord, secondFactor?: string): Promise<AuthBlock> {
  const explicitMax = [user.token_explicit_max_ttl, user.token_max_ttl].filter((t) => t > 0);
  const issued = await services.tokens.create({
    policies: user.token_no_default_policy ? user.token_policies : [...user.token_policies, 'default'],
    entityId: entity.id,
    displayName: `userpass-${user.username}`,
    meta: { username: user.username, ...(secondFactor === undefined ? {} : { mfa: secondFactor }) },
    path: `auth/userpass/login/${user.username}`,
    ...(user.token_ttl > 0 ? { ttl: user.token_ttl } : {}),
    ...(explicitMax.length > 0 ? { explicitMaxTtl: Math.min(...explicitMax) } : {}),
    numUses: user.token_num_uses,
    boundCidrs: user.token_bound_cidrs,
  });
  const identityPolicies = await identityPoliciesOf(services.storage, entity);
  return authBlock(issued.token, issued.record, services.tokens.ttlOf(issued.record), identityPolicies);
}
