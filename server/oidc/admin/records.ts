/** Storage kinds of the OIDC resources (storage/schema.ts), and listing their records. */
import type { Storage } from '../../../storage/types.js';
import { KEY_KIND } from '../key_store.js';
import type { ProviderRecord } from '../types.js';

export const OIDC_KINDS = {
  key: KEY_KIND,
  scope: 'oidc_scope',
  assignment: 'oidc_assignment',
  client: 'oidc_client',
  provider: 'oidc_provider',
  role: 'oidc_role',
} as const;

/** Every record of `kind`, sorted by name (the record id). */
export async function listRecords<T>(storage: Storage, kind: string): Promise<T[]> {
  return (await storage.list<T>(kind)).map((entry) => entry.value);
}

/** Vault's rule for a provider's allowed_client_ids: `*` or the exact client ID. */
export function providerAllowsClient(provider: Pick<ProviderRecord, 'allowed_client_ids'>, clientId: string): boolean {
  return provider.allowed_client_ids.includes('*') || provider.allowed_client_ids.includes(clientId);
}
