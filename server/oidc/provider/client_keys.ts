/**
 * The named keys clients sign with, read fresh for each request that needs one (a rotation or a
 * change of allowed_client_ids applies at once, with no Provider rebuild). Opening a key pair
 * (unsealing and importing it) happens once per kid: key pairs never change under a kid.
 */
import type { NamedKeyParams } from '../../../keys/named_key_params.js';
import type { Logger } from '../../log.js';
import type { Services } from '../../services.js';
import { openStoredKey, readStoredKey } from '../key_store.js';
import { openSigningKey, type SigningKey } from './signing.js';

/** What a client needs of its key: its parameters (algorithm, allowed clients) and the key pair that signs now. */
export interface ClientKey {
  readonly name: string;
  readonly params: NamedKeyParams;
  /** Undefined while the key has no key pair (the built-in default key before first use). */
  readonly signing: SigningKey | undefined;
}

// Retired kids never sign again, so the cache only needs a bound, not an expiry.
const MAX_OPENED = 256;

export class ClientKeys {
  readonly #services: Pick<Services, 'storage' | 'seal'>;
  readonly #log: Logger;
  readonly #opened = new Map<string, SigningKey>();

  constructor(services: Pick<Services, 'storage' | 'seal'>, log: Logger) {
    this.#services = services;
    this.#log = log;
  }

  async read(name: string): Promise<ClientKey | undefined> {
    const stored = await readStoredKey(this.#services, name);
    if (stored === undefined) return undefined;
    let signing: SigningKey | undefined;
    if (stored.current !== null) {
      const cacheKey = `${name}:${stored.current.kid}`;
      signing = this.#opened.get(cacheKey);
      if (signing === undefined) {
        try {
          const { current } = openStoredKey(this.#services, stored);
          if (current !== null) signing = openSigningKey(current.kid, stored.algorithm, current.privateJwk);
        } catch (err) {
          this.#log.error('oidc key cannot be opened; clients using it cannot receive ID tokens', { key: name, error: err instanceof Error ? err.message : String(err) });
        }
        if (signing !== undefined) this.#remember(cacheKey, signing);
      }
    }
    const { algorithm, rotation_period, verification_ttl, allowed_client_ids } = stored;
    return { name, params: { algorithm, rotation_period, verification_ttl, allowed_client_ids }, signing };
  }

  #remember(cacheKey: string, key: SigningKey): void {
    if (this.#opened.size >= MAX_OPENED) {
      const oldest = this.#opened.keys().next().value;
      if (oldest !== undefined) this.#opened.delete(oldest);
    }
    this.#opened.set(cacheKey, key);
  }
}
