/**
 * The keys behind identity tokens: those referenced by roles. Keys used only by provider clients
 * are not published here (and the other way round), as in Vault (PR #12780).
 */
import type { JWK } from 'jose';
import type { Services } from '../../services.js';
import { publishedJwks, readStoredKey } from '../key_store.js';
import type { RoleRecord, StoredKey } from '../types.js';
import { OIDC_KINDS, listRecords } from './records.js';

export async function identityTokenKeys(services: Pick<Services, 'storage'>): Promise<StoredKey[]> {
  const roles = await listRecords<RoleRecord>(services.storage, OIDC_KINDS.role);
  const keys: StoredKey[] = [];
  for (const name of [...new Set(roles.map((role) => role.key))].sort()) {
    const key = await readStoredKey(services, name);
    if (key !== undefined) keys.push(key);
  }
  return keys;
}

export async function identityTokenJwks(services: Pick<Services, 'storage' | 'now'>): Promise<{ keys: JWK[] }> {
  return publishedJwks(await identityTokenKeys(services), services.now());
}
