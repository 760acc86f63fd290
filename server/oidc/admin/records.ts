/** Storage kinds of the OIDC resources (storage/schema.ts), and listing their records. */
import type { Storage } from '../../../storage/types.js';
import { KEY_KIND } from '../key_store.js';

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
