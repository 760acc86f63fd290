/**
 * Turns the token a request carries into an AuthContext. The token is read from `X-Vault-Token`,
 * else from `Authorization: Bearer`. A token that is unknown, expired, bound to other addresses, or
 * whose entity is disabled or gone, authenticates nothing (the caller answers 403).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Storage } from '../../storage/types.js';
import type { EntityRecord } from '../identity/types.js';
import { identityPoliciesOf } from '../identity/membership.js';
import type { PolicyStore } from '../policy/store.js';
import type { TokenService } from '../tokens/token_service.js';
import type { AuthContext } from './context.js';

export function tokenFromHeaders(headers: IncomingHttpHeaders): string | undefined {
  const vaultToken = headers['x-vault-token'];
  if (typeof vaultToken === 'string' && vaultToken.trim() !== '') return vaultToken.trim();
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  return undefined;
}

export class Authenticator {
  readonly #storage: Storage;
  readonly #tokens: TokenService;
  readonly #policies: PolicyStore;

  constructor(storage: Storage, tokens: TokenService, policies: PolicyStore) {
    this.#storage = storage;
    this.#tokens = tokens;
    this.#policies = policies;
  }

  async authenticate(token: string | undefined, clientIp: string): Promise<AuthContext | undefined> {
    if (token === undefined) return undefined;
    const found = await this.#tokens.lookup(token);
    if (!found || !this.#tokens.addressAllowed(found.record, clientIp)) return undefined;
    const { id, record } = found;
    let entity: EntityRecord | undefined;
    let identityPolicies: string[] = [];
    if (record.entity_id !== '') {
      entity = await this.#storage.get<EntityRecord>('entity', record.entity_id);
      if (!entity || entity.disabled) return undefined;
      identityPolicies = await identityPoliciesOf(this.#storage, entity);
    }
    const acl = await this.#policies.acl([...record.policies, ...identityPolicies], {
      ...(entity ? { entityId: entity.id, entityName: entity.name } : {}),
    });
    return { tokenId: id, token: record, acl, entity, identityPolicies };
  }

  consumeUse(auth: AuthContext): Promise<boolean> {
    return this.#tokens.consumeUse(auth.tokenId, auth.token);
  }
}
