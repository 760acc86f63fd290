/**
 * SSO configurations in the configuration store (kind `sso_config`, keyed by the organisation
 * id). The client secret is sealed at rest with the context `sso-oidc:clientSecret`, and an
 * unchanged secret keeps its sealed form across updates rather than being sealed again.
 */
import type { Seal } from '../../keys/seal.js';
import type { Storage } from '../../storage/types.js';
import type { SsoConfig } from './types.js';

const KIND = 'sso_config';
const SECRET_CONTEXT = 'sso-oidc:clientSecret';

export class SsoConfigStore {
  readonly #storage: Storage;
  readonly #seal: Seal;

  constructor(storage: Storage, seal: Seal) {
    this.#storage = storage;
    this.#seal = seal;
  }

  async get(orgId: string): Promise<SsoConfig | undefined> {
    const stored = await this.#storage.get<SsoConfig>(KIND, orgId);
    return stored === undefined ? undefined : this.#open(stored);
  }

  /** Rejects with the storage's AlreadyExistsError when the organisation already has one. */
  async create(config: SsoConfig): Promise<void> {
    await this.#storage.create(KIND, config.orgId, this.#sealed(config));
  }

  /**
   * An atomic read-modify-write; `change` runs against the stored state and may throw to abort.
   * Rejects with the storage's NotFoundError when there is no configuration.
   */
  async update(orgId: string, change: (current: SsoConfig) => SsoConfig): Promise<SsoConfig> {
    let result: SsoConfig | undefined;
    await this.#storage.update<SsoConfig>(KIND, orgId, (stored) => {
      const previous = this.#open(stored);
      const next = change(previous);
      result = next;
      return next.clientSecret === previous.clientSecret ? { ...next, clientSecret: stored.clientSecret } : this.#sealed(next);
    });
    return result!;
  }

  #sealed(config: SsoConfig): SsoConfig {
    return { ...config, clientSecret: this.#seal.seal(config.clientSecret, SECRET_CONTEXT) };
  }

  #open(stored: SsoConfig): SsoConfig {
    return { ...stored, clientSecret: this.#seal.open(stored.clientSecret, SECRET_CONTEXT) };
  }
}
