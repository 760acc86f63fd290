/**
 * Who learns what at the introspection endpoint: only the client a token belongs to, and a token
 * of an entity is active only while that entity exists, is enabled and is still assigned to the
 * client — the same rule userinfo and refresh apply at use (claims.ts). Grant revocation
 * (grant_revocation.ts) normally removes such tokens already; this covers what it cannot see
 * (a nested group losing a member, a store restored from a snapshot).
 */
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { EntityRecord } from '../../identity/types.js';
import type { Logger } from '../../log.js';
import type { Services } from '../../services.js';
import { entityIsAssigned } from './assignments.js';
import type { ClientDirectory } from './clients.js';

export function introspectionPolicy(services: Pick<Services, 'storage'>, clients: ClientDirectory, log: Logger) {
  return async (_ctx: KoaContextWithOIDC, client: { clientId: string }, token: { clientId?: string | undefined; accountId?: string | undefined }): Promise<boolean> => {
    if (token.clientId !== client.clientId) return false;
    if (typeof token.accountId !== 'string') return true;
    const entity = await services.storage.get<EntityRecord>('entity', token.accountId);
    const known = clients.known(client.clientId) ?? (await clients.lookup(client.clientId));
    return entity !== undefined && known !== undefined && (await entityIsAssigned(services.storage, log, known.record, entity));
  };
}
