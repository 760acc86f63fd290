/**
 * The provider instances of a server: one per named provider, built on its first request and
 * rebuilt when something the library freezes at construction changes (snapshot.ts). Requests read
 * a fresh snapshot and compare fingerprints, so an admin change takes effect on the next request
 * without any notification; requests that verify id_token_hint values compare the published keys
 * as well. Concurrent requests that find the same change share one build.
 */
import type { Logger } from '../../log.js';
import type { Services } from '../../services.js';
import { ClientKeys } from './client_keys.js';
import { loadCookieKeys } from './cookie_keys.js';
import { createProviderInstance, type ProviderInstance } from './instance.js';
import { migrateLegacyStateOnce } from './state_migration.js';
import { sharedStateProtection, type StateProtection } from './state_protection.js';
import { readPublishedKeys, readSnapshot, type ProviderSnapshot, type PublishedKeys } from './snapshot.js';

export interface ResolveOptions {
  /** Whether the request may carry an id_token_hint, which the keystore must be able to verify. */
  readonly verifiesHints: boolean;
}

export class ProviderRegistry {
  readonly #services: Services;
  readonly #log: Logger;
  readonly #keys: ClientKeys;
  readonly #instances = new Map<string, ProviderInstance>();
  readonly #building = new Map<string, { readonly fingerprint: string; readonly instance: Promise<ProviderInstance> }>();
  #cookieKeys: Promise<string[]> | undefined;
  #stateProtection: Promise<StateProtection> | undefined;

  constructor(services: Services) {
    this.#services = services;
    this.#log = services.log.child({ component: 'oidc-provider' });
    this.#keys = new ClientKeys(services, this.#log);
  }

  /** The current instance of a provider, or undefined when there is no provider of that name. */
  async resolve(name: string, options: ResolveOptions): Promise<ProviderInstance | undefined> {
    const snapshot = await readSnapshot(this.#services, name);
    if (snapshot === undefined) {
      this.#instances.delete(name);
      return undefined;
    }
    const current = this.#instances.get(name);
    const published = options.verifiesHints || current === undefined ? await readPublishedKeys(this.#services) : current.published;
    if (current?.snapshot.fingerprint === snapshot.fingerprint && current.published.fingerprint === published.fingerprint) return current;

    const fingerprint = `${snapshot.fingerprint}\n${published.fingerprint}`;
    const pending = this.#building.get(name);
    if (pending?.fingerprint === fingerprint) return pending.instance;
    const instance = this.#build(name, snapshot, published);
    this.#building.set(name, { fingerprint, instance });
    try {
      return await instance;
    } finally {
      if (this.#building.get(name)?.instance === instance) this.#building.delete(name);
    }
  }

  /** The cookie keys every instance signs with (cookie_keys.ts). */
  cookieKeys(): Promise<string[]> {
    this.#cookieKeys ??= loadCookieKeys(this.#services).catch((err: unknown) => {
      this.#cookieKeys = undefined;
      throw err;
    });
    return this.#cookieKeys;
  }

  /**
   * The key that hashes and seals the providers' state (state_protection.ts). State written
   * before ids were hashed is re-keyed once, before any instance can read it.
   */
  stateProtection(): Promise<StateProtection> {
    this.#stateProtection ??= (async () => {
      const protection = await sharedStateProtection(this.#services);
      const migrated = await migrateLegacyStateOnce(this.#services, protection);
      if (migrated > 0) this.#log.info('oidc provider state re-keyed under hashed ids', { records: migrated });
      return protection;
    })().catch((err: unknown) => {
      this.#stateProtection = undefined;
      throw err;
    });
    return this.#stateProtection;
  }

  async #build(name: string, snapshot: ProviderSnapshot, published: PublishedKeys): Promise<ProviderInstance> {
    const cookieKeys = await this.cookieKeys();
    const stateProtection = await this.stateProtection();
    const instance = createProviderInstance({ services: this.#services, keys: this.#keys, cookieKeys, stateProtection, log: this.#log }, name, snapshot, published);
    this.#instances.set(name, instance);
    this.#log.debug('oidc provider instance built', { provider: name, issuer: snapshot.issuer });
    return instance;
  }
}
