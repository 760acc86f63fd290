/**
 * Machine-login configurations in the configuration store (kind `oidc_auth`, keyed by identity
 * id). The CA certificate is sealed at rest with the context `oidc-auth:<identityId>:caCert`, so a
 * sealed value copied onto another identity does not open. Only the admin API writes here: a
 * login reads, and reads come from lowdb's memory.
 */
import type { Seal } from '../../keys/seal.js';
import type { Storage } from '../../storage/types.js';
import type { OidcAuthConfig, StoredOidcAuth } from './types.js';

const KIND = 'oidc_auth';
/** Opened CA bundles by sealed value; bounded because configurations are few. */
const MAX_OPENED = 1000;

export class OidcAuthConfigStore {
  readonly #storage: Storage;
  readonly #seal: Seal;
  readonly #opened = new Map<string, string>();

  constructor(storage: Storage, seal: Seal) {
    this.#storage = storage;
    this.#seal = seal;
  }

  async get(identityId: string): Promise<OidcAuthConfig | undefined> {
    const stored = await this.#storage.get<StoredOidcAuth>(KIND, identityId);
    return stored === undefined ? undefined : this.#open(stored);
  }

  /** Rejects with the storage's AlreadyExistsError when the identity already has one. */
  async create(config: OidcAuthConfig): Promise<void> {
    await this.#storage.create(KIND, config.identityId, this.#sealed(config));
  }

  /**
   * An atomic read-modify-write; `change` runs against the stored state and may throw to abort.
   * Rejects with the storage's NotFoundError when there is no configuration.
   */
  async update(identityId: string, change: (current: OidcAuthConfig) => OidcAuthConfig): Promise<OidcAuthConfig> {
    let result: OidcAuthConfig | undefined;
    await this.#storage.update<StoredOidcAuth>(KIND, identityId, (stored) => {
      const previous = this.#open(stored);
      const next = change(previous);
      result = next;
      // An unchanged CA keeps its sealed form rather than being re-sealed under a new IV.
      return next.caCert === previous.caCert ? { ...next, caCert: stored.caCert } : this.#sealed(next);
    });
    return result!;
  }

  /** Removes the configuration; resolves to what was removed, or undefined when there was none. */
  async delete(identityId: string): Promise<OidcAuthConfig | undefined> {
    const current = await this.get(identityId);
    if (current === undefined) return undefined;
    return (await this.#storage.delete(KIND, identityId)) ? current : undefined;
  }

  #sealed(config: OidcAuthConfig): StoredOidcAuth {
    return { ...config, caCert: config.caCert === '' ? '' : this.#seal.seal(config.caCert, caContext(config.identityId)) };
  }

  #open(stored: StoredOidcAuth): OidcAuthConfig {
    if (stored.caCert === '') return stored;
    let pem = this.#opened.get(stored.caCert);
    if (pem === undefined) {
      pem = this.#seal.open(stored.caCert, caContext(stored.identityId));
      if (this.#opened.size >= MAX_OPENED) this.#opened.clear();
      this.#opened.set(stored.caCert, pem);
    }
    return { ...stored, caCert: pem };
  }
}

function caContext(identityId: string): string {
  return `oidc-auth:${identityId}:caCert`;
}
