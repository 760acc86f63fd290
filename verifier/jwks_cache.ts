import type { SecureContext } from 'node:tls';
import { createTrustContext } from './ca_bundle.js';
import { VerificationError, type VerificationReason } from './errors.js';
import { FetchError, fetchJson, type FetchJsonOptions } from './fetch_json.js';
import { parseKeySet, type VerificationKey } from './key_set.js';

/** Where an identity provider's keys come from: its discovery document and the TLS trust to use. */
export interface KeySource {
  /** The full `…/.well-known/openid-configuration` URL (see discoveryDocumentUrl). */
  readonly discoveryUrl: URL;
  /** Private CA certificates trusted in addition to Node's roots. */
  readonly caCertificates: readonly string[];
}

/** An immutable snapshot of a provider's discovery metadata and signing keys. */
export interface ProviderKeys {
  /** The `issuer` of the discovery document, when it has one. */
  readonly issuer: string | undefined;
  readonly jwksUri: string;
  readonly keys: readonly VerificationKey[];
  /** JWKS entries that are not usable signing keys. */
  readonly ignoredKeys: number;
  readonly fetchedAt: number;
}

export interface ProviderKeyCacheOptions {
  readonly ttlMs: number;
  /** Least time between two forced refreshes of one provider. */
  readonly cooldownMs: number;
  readonly maxProviders: number;
  readonly now: () => number;
  readonly fetch: Omit<FetchJsonOptions, 'secureContext'>;
  /** Told of every cache hit, miss and failed fetch (metrics); must not throw. */
  readonly observe?: CacheObserver;
}

export interface CacheEvent {
  /** The provider's discovery URL: what an operator configured, so a bounded set. */
  readonly provider: string;
  readonly cache: 'discovery' | 'jwks';
  readonly result: 'hit' | 'miss' | 'fetch_error';
}
export type CacheObserver = (event: CacheEvent) => void;

/** Counters for benchmarks and operators: each fetch attempt counts, failed ones included. */
export interface KeyCacheStats {
  readonly discoveryFetches: number;
  readonly jwksFetches: number;
  /** Forced refreshes started because no cached key verified a token. */
  readonly refreshes: number;
  /** Forced refreshes refused because the provider was refreshed less than a cooldown ago. */
  readonly refreshesSkipped: number;
  readonly providers: number;
}

export type RefreshOutcome = 'refreshed' | 'cooldown';

interface Discovery {
  readonly issuer: string | undefined;
  readonly jwksUri: URL;
  readonly fetchedAt: number;
}

interface Entry {
  readonly source: KeySource;
  readonly secureContext: SecureContext | undefined;
  discovery?: Discovery;
  keys?: ProviderKeys;
  /** The fetch in flight, cleared when it settles. */
  loading?: Promise<ProviderKeys> | undefined;
  lastRefreshAt: number;
}

/**
 * Discovery documents and JWKS per provider, kept for a TTL. Everything that waits for the same
 * provider shares one in-flight fetch, so a burst of logins after a restart or expiry costs one
 * discovery and one JWKS request. When no cached key verifies a token (a rotated key, or a forged
 * `kid`), the verifier asks for a forced refresh; at most one is started per cooldown per provider,
 * so a stream of tokens with random `kid`s cannot turn into a stream of requests to the IdP.
 */
export class ProviderKeyCache {
  readonly #options: ProviderKeyCacheOptions;
  readonly #entries = new Map<string, Entry>();
  #discoveryFetches = 0;
  #jwksFetches = 0;
  #refreshes = 0;
  #refreshesSkipped = 0;

  constructor(options: ProviderKeyCacheOptions) {
    this.#options = options;
  }

  /** The provider's keys, fetched when missing or older than the TTL. */
  keys(source: KeySource): Promise<ProviderKeys> {
    const entry = this.#entry(source);
    const fresh = entry.keys !== undefined && this.#isFresh(entry.keys.fetchedAt);
    this.#options.observe?.({ provider: source.discoveryUrl.href, cache: 'jwks', result: fresh ? 'hit' : 'miss' });
    if (fresh) return Promise.resolve(entry.keys as ProviderKeys);
    return this.#load(entry);
  }

  /**
   * Fresh keys after `seen` failed to verify a token. Joins a fetch already under way, returns a
   * newer snapshot if another request already refreshed, and otherwise refetches the JWKS (and the
   * discovery document if it is stale) unless the cooldown forbids it.
   */
  async refresh(source: KeySource, seen: ProviderKeys): Promise<{ keys: ProviderKeys; outcome: RefreshOutcome }> {
    const entry = this.#entry(source);
    if (entry.loading !== undefined) return { keys: await entry.loading, outcome: 'refreshed' };
    if (entry.keys !== undefined && entry.keys !== seen && this.#isFresh(entry.keys.fetchedAt)) {
      return { keys: entry.keys, outcome: 'refreshed' };
    }
    if (this.#options.now() - entry.lastRefreshAt < this.#options.cooldownMs) {
      this.#refreshesSkipped += 1;
      return { keys: seen, outcome: 'cooldown' };
    }
    this.#refreshes += 1;
    entry.lastRefreshAt = this.#options.now();
    return { keys: await this.#load(entry), outcome: 'refreshed' };
  }

  stats(): KeyCacheStats {
    return {
      discoveryFetches: this.#discoveryFetches,
      jwksFetches: this.#jwksFetches,
      refreshes: this.#refreshes,
      refreshesSkipped: this.#refreshesSkipped,
      providers: this.#entries.size,
    };
  }

  /** Forgets every provider, e.g. after an identity provider's configuration changed. */
  clear(): void {
    this.#entries.clear();
  }

  #isFresh(fetchedAt: number): boolean {
    return this.#options.now() - fetchedAt < this.#options.ttlMs;
  }

  #entry(source: KeySource): Entry {
    // The entry keeps the source (certificates included) anyway, so its text is a fine key.
    const id = source.caCertificates.length === 0 ? source.discoveryUrl.href : `${source.discoveryUrl.href}\0${source.caCertificates.join('\n')}`;
    let entry = this.#entries.get(id);
    if (entry === undefined) {
      if (this.#entries.size >= this.#options.maxProviders) {
        const oldest = this.#entries.keys().next();
        if (oldest.done !== true) this.#entries.delete(oldest.value);
      }
      const secureContext = source.caCertificates.length === 0 ? undefined : createTrustContext(source.caCertificates);
      entry = { source, secureContext, lastRefreshAt: Number.NEGATIVE_INFINITY };
      this.#entries.set(id, entry);
    }
    return entry;
  }

  /** Refetches the JWKS (and the discovery document when stale), sharing one fetch per provider. */
  #load(entry: Entry): Promise<ProviderKeys> {
    if (entry.loading === undefined) {
      entry.loading = this.#fetchProvider(entry).finally(() => {
        entry.loading = undefined;
      });
    }
    return entry.loading;
  }

  async #fetchProvider(entry: Entry): Promise<ProviderKeys> {
    let discovery = entry.discovery;
    const discoveryFresh = discovery !== undefined && this.#isFresh(discovery.fetchedAt);
    this.#options.observe?.({ provider: entry.source.discoveryUrl.href, cache: 'discovery', result: discoveryFresh ? 'hit' : 'miss' });
    if (discovery === undefined || !discoveryFresh) {
      discovery = await this.#fetchDiscovery(entry);
      entry.discovery = discovery;
    }
    this.#jwksFetches += 1;
    const document = await this.#fetch(entry, discovery.jwksUri, 'signing_key_retrieval_failed');
    const parsed = parseKeySet(document);
    if (parsed === undefined) {
      throw new VerificationError('signing_key_retrieval_failed', `${discovery.jwksUri.href} is not a JWKS document (no "keys" array)`);
    }
    const keys: ProviderKeys = {
      issuer: discovery.issuer,
      jwksUri: discovery.jwksUri.href,
      keys: parsed.keys,
      ignoredKeys: parsed.ignored,
      fetchedAt: this.#options.now(),
    };
    entry.keys = keys;
    return keys;
  }

  async #fetchDiscovery(entry: Entry): Promise<Discovery> {
    this.#discoveryFetches += 1;
    const url = entry.source.discoveryUrl;
    const document = await this.#fetch(entry, url, 'discovery_document_fetch_failed');
    if (typeof document !== 'object' || document === null || Array.isArray(document)) {
      throw new VerificationError('discovery_document_invalid', `${url.href} is not a JSON object`);
    }
    const { issuer, jwks_uri: jwksUri } = document as Record<string, unknown>;
    if (issuer !== undefined && typeof issuer !== 'string') {
      throw new VerificationError('discovery_document_invalid', `${url.href}: "issuer" is not a string`);
    }
    if (jwksUri === undefined || jwksUri === null || jwksUri === '') {
      throw new VerificationError('missing_jwks_uri', `${url.href} has no jwks_uri`);
    }
    if (typeof jwksUri !== 'string' || !URL.canParse(jwksUri)) {
      throw new VerificationError('discovery_document_invalid', `${url.href}: "jwks_uri" is not an absolute URL`);
    }
    return { issuer, jwksUri: new URL(jwksUri), fetchedAt: this.#options.now() };
  }

  async #fetch(entry: Entry, url: URL, failure: VerificationReason): Promise<unknown> {
    try {
      return await fetchJson(url, {
        ...this.#options.fetch,
        ...(entry.secureContext === undefined ? {} : { secureContext: entry.secureContext }),
      });
    } catch (error) {
      const cache = failure === 'discovery_document_fetch_failed' ? 'discovery' : 'jwks';
      this.#options.observe?.({ provider: entry.source.discoveryUrl.href, cache, result: 'fetch_error' });
      const detail = error instanceof Error ? error.message : String(error);
      const refused = error instanceof FetchError && (error.kind === 'url_not_allowed' || error.kind === 'address_not_allowed');
      throw new VerificationError(refused ? 'url_not_allowed' : failure, detail, { cause: error });
    }
  }
}
