/** Who is calling: the token, the ACL its policies compile to, and the entity it is bound to. */
import type { Acl } from '../policy/index.js';
import type { TokenRecord } from '../tokens/token_service.js';
import type { EntityRecord } from '../identity/types.js';

export interface AuthContext {
  /** The token's storage id (its hash), never the token itself. */
  readonly tokenId: string;
  readonly token: TokenRecord;
  readonly acl: Acl;
  /** The entity the token is bound to, when any. */
  readonly entity: EntityRecord | undefined;
  /** Policies attached to the entity and its groups (Vault's identity_policies). */
  readonly identityPolicies: readonly string[];
}
