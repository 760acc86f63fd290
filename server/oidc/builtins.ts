/**
 * The resources every server has from the start (Vault's storeOIDCDefaultResources): the
 * `default` key (configuration only; its key pairs appear on first use), the `default` provider
 * that allows every client, and the `allow_all` assignment. Existing records are left alone, so
 * an administrator's changes to the default key or provider survive restarts.
 */
import { createDefaultKeyState } from '../../keys/named_key.js';
import { DEFAULT_KEY_NAME } from '../../keys/named_key_params.js';
import { AlreadyExistsError } from '../../storage/errors.js';
import type { Services } from '../services.js';
import { KEY_KIND } from './key_store.js';
import type { AssignmentRecord, ProviderRecord, StoredKey } from './types.js';

export const DEFAULT_PROVIDER_NAME = 'default';
export const ALLOW_ALL_ASSIGNMENT = 'allow_all';

export async function ensureOidcBuiltins(services: Pick<Services, 'storage' | 'now'>): Promise<void> {
  const defaultKey: StoredKey = { ...createDefaultKeyState(services.now()), name: DEFAULT_KEY_NAME, current: null, next: null };
  const defaultProvider: ProviderRecord = { name: DEFAULT_PROVIDER_NAME, issuer: '', allowed_client_ids: ['*'], scopes_supported: [] };
  const allowAll: AssignmentRecord = { name: ALLOW_ALL_ASSIGNMENT, entity_ids: ['*'], group_ids: ['*'] };
  await createIfMissing(services, KEY_KIND, DEFAULT_KEY_NAME, defaultKey);
  await createIfMissing(services, 'oidc_provider', DEFAULT_PROVIDER_NAME, defaultProvider);
  await createIfMissing(services, 'oidc_assignment', ALLOW_ALL_ASSIGNMENT, allowAll);
}

async function createIfMissing<T>(services: Pick<Services, 'storage'>, kind: string, id: string, value: T): Promise<void> {
  try {
    await services.storage.create(kind, id, value);
  } catch (err) {
    if (!(err instanceof AlreadyExistsError)) throw err;
  }
}
