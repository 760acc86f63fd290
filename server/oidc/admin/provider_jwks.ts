/**
 * The public keys a provider publishes (Vault's `identity/oidc/provider/:name/.well-known/keys`):
 * every key pair of every key used by a client the provider allows (all clients when it allows
 * `*`), whatever the key's own allowed_client_ids. For the protocol layer that serves the
 * provider's JWKS.
 */
import type { JWK } from 'jose';
import type { Services } from '../../services.js';
import { publishedJwks, readStoredKey } from '../key_store.js';
import type { ClientRecord, ProviderRecord, StoredKey } from '../types.js';
import { OIDC_KINDS, listRecords, providerAllowsClient } from './records.js';

/** The provider's JWKS, or undefined when there is no such provider. */
export async function providerJwks(services: Pick<Services, 'storage' | 'now'>, providerName: string): Promise<{ keys: JWK[] } | undefined> {
  const provider = await services.storage.get<ProviderRecord>(OIDC_KINDS.provider, providerName);
  if (provider === undefined) return undefined;
  const clients = await listRecords<ClientRecord>(services.storage, OIDC_KINDS.client);
  const keyNames = new Set(clients.filter((client) => providerAllowsClient(provider, client.client_id)).map((client) => client.key));
  const keys: StoredKey[] = [];
  for (const name of [...keyNames].sort()) {
    const key = await readStoredKey(services, name);
    if (key !== undefined) keys.push(key);
  }
  return publishedJwks(keys, services.now());
}
