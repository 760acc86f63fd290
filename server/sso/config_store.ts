/**
 * SSO configurations in the configuration store (kind `sso_config`, keyed by the organisation
 * id). The client secret is sealed at rest with the context `sso-oidc:<orgId>:clientSecret`, bound
 * to its record. Versions before that sealed it under the constant `sso-oidc:clientSecret`;
 * `resealLegacySsoSecrets` re-seals such records at start.
 */
import type { Seal } from '../../keys/seal.js';
import { SealedRecordStore } from '../../storage/sealed_record_store.js';
import type { Storage } from '../../storage/types.js';
import type { SsoConfig } from './types.js';

export type SsoConfigStore = SealedRecordStore<SsoConfig>;

export function ssoConfigStore(storage: Storage, seal: Seal): SsoConfigStore {
  return new SealedRecordStore<SsoConfig>(storage, seal, {
    kind: 'sso_config',
    contextPrefix: 'sso-oidc',
    idOf: (config) => config.orgId,
    secretFields: ['clientSecret'],
  });
}

/** Re-seals client secrets sealed under the old constant context; returns how many. */
export function resealLegacySsoSecrets(storage: Storage, seal: Seal): Promise<number> {
  return ssoConfigStore(storage, seal).resealLegacy((field) => `sso-oidc:${field}`);
}
