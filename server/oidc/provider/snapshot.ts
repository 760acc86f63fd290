/**
 * What a Provider instance is built from, and how to tell that it is out of date.
 *
 * node-oidc-provider freezes a few things at construction: the issuer, the scopes and the claim
 * names they grant (ProviderSnapshot), and the keystore. Signing keys are not frozen in practice:
 * the signers look up each client's current key per request (signing.ts, client_keys.ts), so the
 * keystore only matters for verifying id_token_hint values. Every request compares the provider
 * part (cheap: one provider and its scopes); only the endpoints that verify hints (authorization,
 * logout) also compare the published key IDs, which means reading every named key.
 * Clients, assignments and entities are read per request and never need a rebuild.
 */
import type { Services } from '../../services.js';
import { providerIssuer } from '../admin/issuer.js';
import { OIDC_KINDS } from '../admin/records.js';
import { listStoredKeys, publishedJwks } from '../key_store.js';
import type { ProviderRecord, ScopeRecord } from '../types.js';
import type { JWK } from 'jose';

export interface ProviderSnapshot {
  readonly record: ProviderRecord;
  readonly issuer: string;
  /** The scopes of `scopes_supported` that exist, in the record's (sorted) order. */
  readonly scopes: readonly ScopeRecord[];
  readonly fingerprint: string;
}

/** The public keys an instance verifies id_token_hint values with. */
export interface PublishedKeys {
  readonly keys: readonly JWK[];
  readonly fingerprint: string;
}

type SnapshotServices = Pick<Services, 'storage' | 'config'>;

/** The provider's snapshot, or undefined when no provider has that name. */
export async function readSnapshot(services: SnapshotServices, name: string): Promise<ProviderSnapshot | undefined> {
  const record = await services.storage.get<ProviderRecord>(OIDC_KINDS.provider, name);
  if (record === undefined) return undefined;
  const scopes = (await Promise.all(record.scopes_supported.map((scope) => services.storage.get<ScopeRecord>(OIDC_KINDS.scope, scope)))).filter(
    (scope): scope is ScopeRecord => scope !== undefined,
  );
  const issuer = providerIssuer(services.config.apiAddr, record);
  const fingerprint = JSON.stringify([issuer, record.allowed_client_ids, scopes.map((scope) => [scope.name, scope.template])]);
  return { record, issuer, scopes, fingerprint };
}

/**
 * Every key's published public keys (current, next, retired within verification_ttl). Keys of
 * clients the provider does not serve are harmless here: a hint must still name this issuer and
 * the requesting client.
 */
export async function readPublishedKeys(services: Pick<Services, 'storage' | 'now'>): Promise<PublishedKeys> {
  const { keys } = publishedJwks(await listStoredKeys(services), services.now());
  return { keys, fingerprint: keys.map((jwk) => jwk.kid).join(' ') };
}
