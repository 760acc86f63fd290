/**
 * Machine-login configurations in the configuration store (kind `oidc_auth`, keyed by identity
 * id). The CA certificate is sealed at rest with the context `oidc-auth:<identityId>:caCert`, so a
 * sealed value copied onto another identity does not open. Only the admin API writes here: a
 * login reads, and reads come from lowdb's memory.
 */
import type { Seal } from '../../keys/seal.js';
import { SealedRecordStore } from '../../storage/sealed_record_store.js';
import type { Storage } from '../../storage/types.js';
import type { OidcAuthConfig } from './types.js';

export type OidcAuthConfigStore = SealedRecordStore<OidcAuthConfig>;

export function oidcAuthConfigStore(storage: Storage, seal: Seal): OidcAuthConfigStore {
  return new SealedRecordStore<OidcAuthConfig>(storage, seal, {
    kind: 'oidc_auth',
    contextPrefix: 'oidc-auth',
    idOf: (config) => config.identityId,
    secretFields: ['caCert'],
  });
}
