/**
 * The clients one provider serves, as node-oidc-provider sees them. The library asks its adapter's
 * `find` for a client's metadata on every lookup and caches the validated Client by a hash of that
 * metadata, so an admin change to a client takes effect on the next request without a rebuild.
 *
 * Mapping from Vault's client record:
 *   client_type confidential → client_secret_basic (client_secret_post is accepted as well),
 *                public       → token_endpoint_auth_method none (PKCE then required)
 *   key                      → id_token_signed_response_alg of the key's algorithm
 *   redirect_uris            → see redirect_uris.ts (loopback any-port rule)
 * A client the provider does not allow (allowed_client_ids lacks it and `*`) does not exist here.
 *
 * The client seen last under each ID stays available to the synchronous hooks of the same
 * request (token lifetimes, the signing key). The dropped-URI warning is logged once per change of
 * the record, since the metadata is only rebuilt then.
 */
import type { Adapter, AdapterPayload, ClientMetadata } from 'oidc-provider';
import type { Logger } from '../../log.js';
import type { Services } from '../../services.js';
import { openClientSecret } from '../admin/client_secret.js';
import { OIDC_KINDS, providerAllowsClient } from '../admin/records.js';
import { AUTHORIZATION_CODE, SUPPORTED_GRANT_TYPES, clientGrantTypes } from '../grant_types.js';
import type { ClientRecord } from '../types.js';
import type { ClientKey, ClientKeys } from './client_keys.js';
import { redirectUriPolicy } from './redirect_uris.js';
import type { ProviderSnapshot } from './snapshot.js';

export const RESPONSE_TYPES = ['code'] as const;
export const GRANT_TYPES = SUPPORTED_GRANT_TYPES;

/** A client as last read: its record, its key, and its metadata for the library. */
export interface KnownClient {
  readonly record: ClientRecord;
  readonly key: ClientKey;
  /** The record's JSON and the key's algorithm: when a fresh read matches, the metadata still holds. */
  readonly source: string;
  readonly metadata: ClientMetadata;
}

export class ClientDirectory {
  readonly #services: Pick<Services, 'storage' | 'seal'>;
  readonly #snapshot: ProviderSnapshot;
  readonly #keys: ClientKeys;
  readonly #log: Logger;
  readonly #known = new Map<string, KnownClient>();

  constructor(services: Pick<Services, 'storage' | 'seal'>, snapshot: ProviderSnapshot, keys: ClientKeys, log: Logger) {
    this.#services = services;
    this.#snapshot = snapshot;
    this.#keys = keys;
    this.#log = log;
  }

  /** The client as last read (in this request, for the hooks that run after its lookup). */
  known(clientId: string): KnownClient | undefined {
    return this.#known.get(clientId);
  }

  /** The client and its key when the provider serves it, read fresh from storage. */
  lookup(clientId: string): Promise<KnownClient | undefined> {
    return this.#read(clientId);
  }

  /** The adapter the library uses for its Client model; dynamic registration is off, so it only finds. */
  adapter(): Adapter {
    const find = async (clientId: string): Promise<AdapterPayload | undefined> => (await this.#read(clientId))?.metadata;
    const readOnly = async (): Promise<never> => {
      throw new Error('clients are managed through identity/oidc/client, not the protocol adapter');
    };
    return {
      find,
      upsert: readOnly,
      consume: readOnly,
      destroy: readOnly,
      revokeByGrantId: readOnly,
      findByUid: readOnly,
      findByUserCode: readOnly,
    };
  }

  /**
   * Reads the client's record and key on every call (admin changes apply at once) but maps them to
   * metadata only when they changed: opening the sealed secret and checking redirect URIs cost
   * more than the reads. A client ID never moves to another record, so the record is read by its
   * name directly.
   */
  async #read(clientId: string): Promise<KnownClient | undefined> {
    if (!providerAllowsClient(this.#snapshot.record, clientId)) return this.#forget(clientId);
    const known = this.#known.get(clientId);
    let record = known === undefined ? undefined : await this.#services.storage.get<ClientRecord>(OIDC_KINDS.client, known.record.name);
    if (record?.client_id !== clientId) {
      const [entry] = await this.#services.storage.findBy<ClientRecord>(OIDC_KINDS.client, 'client_id', clientId);
      record = entry?.value;
    }
    if (record === undefined) return this.#forget(clientId);
    const key = await this.#keys.read(record.key);
    if (key === undefined) {
      // Deleting a key a client uses is refused, so this is a store out of step with itself.
      this.#log.error('oidc client references a missing key', { client_id: record.client_id, key: record.key });
      return this.#forget(clientId);
    }
    const source = `${key.params.algorithm} ${JSON.stringify(record)}`;
    if (known?.source === source) {
      const current: KnownClient = { ...known, key };
      this.#known.set(clientId, current);
      return current;
    }
    const fresh: KnownClient = { record, key, source, metadata: this.#metadata(record, key) };
    this.#known.set(clientId, fresh);
    return fresh;
  }

  #metadata(record: ClientRecord, key: ClientKey): ClientMetadata {
    const uris = redirectUriPolicy(record.redirect_uris, record.post_logout_redirect_uris ?? []);
    if (uris.dropped.length > 0) {
      this.#log.warn('oidc client has redirect URIs that can never match; they are ignored', { client: record.name, client_id: record.client_id, uris: uris.dropped });
    }
    const confidential = record.client_type === 'confidential';
    const grantTypes = clientGrantTypes(record);
    // The library wants response types and grant types to agree: without the code flow a client
    // has no response type and no redirect URIs.
    const codeFlow = grantTypes.includes(AUTHORIZATION_CODE);
    return {
      client_id: record.client_id,
      ...(confidential ? { client_secret: openClientSecret(this.#services, record) } : {}),
      client_name: record.name,
      application_type: uris.applicationType,
      redirect_uris: codeFlow ? uris.redirectUris : [],
      post_logout_redirect_uris: uris.postLogoutRedirectUris,
      response_types: codeFlow ? [...RESPONSE_TYPES] : [],
      grant_types: [...grantTypes],
      token_endpoint_auth_method: confidential ? 'client_secret_basic' : 'none',
      id_token_signed_response_alg: key.params.algorithm,
      ...(record.backchannel_logout_uri
        ? { backchannel_logout_uri: record.backchannel_logout_uri, backchannel_logout_session_required: record.backchannel_logout_session_required ?? false }
        : {}),
    };
  }

  #forget(clientId: string): undefined {
    this.#known.delete(clientId);
    return undefined;
  }
}
