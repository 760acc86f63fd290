/**
 * Records of one kind whose secret fields are sealed at rest, each under a context that names its
 * record and field (`<prefix>:<id>:<field>`), so a sealed value copied onto another record, or
 * into another field, does not open. An unchanged secret keeps its sealed form across updates
 * rather than being sealed again under a new IV. The empty string is kept as is: it hides nothing.
 *
 * Opened values are cached by context and sealed value (opening is an AES-GCM decryption, and
 * machine logins read their configuration on every request); the cache is bounded because such
 * records are few.
 */
import type { Seal } from '../keys/seal.js';
import type { Storage } from './types.js';

export interface SealedRecordStoreOptions<T> {
  readonly kind: string;
  /** The first part of every seal context. */
  readonly contextPrefix: string;
  readonly idOf: (record: T) => string;
  /** The string fields that hold secrets. */
  readonly secretFields: ReadonlyArray<SecretField<T>>;
}

/** The keys of T whose values are strings. */
export type SecretField<T> = { [K in keyof T]: T[K] extends string ? K : never }[keyof T] & string;

const MAX_OPENED = 1000;

export class SealedRecordStore<T extends object> {
  readonly #storage: Storage;
  readonly #seal: Seal;
  readonly #options: SealedRecordStoreOptions<T>;
  readonly #opened = new Map<string, string>();

  constructor(storage: Storage, seal: Seal, options: SealedRecordStoreOptions<T>) {
    this.#storage = storage;
    this.#seal = seal;
    this.#options = options;
  }

  async get(id: string): Promise<T | undefined> {
    const stored = await this.#storage.get<T>(this.#options.kind, id);
    return stored === undefined ? undefined : this.#open(stored);
  }

  /** Rejects with the storage's AlreadyExistsError when the record exists. */
  async create(record: T): Promise<void> {
    await this.#storage.create(this.#options.kind, this.#options.idOf(record), this.#sealed(record));
  }

  /**
   * An atomic read-modify-write; `change` runs against the opened stored record and may throw to
   * abort. Rejects with the storage's NotFoundError when there is no record.
   */
  async update(id: string, change: (current: T) => T): Promise<T> {
    let result: T | undefined;
    await this.#storage.update<T>(this.#options.kind, id, (stored) => {
      const previous = this.#open(stored);
      const next = change(previous);
      result = next;
      return this.#sealed(next, { previous, stored });
    });
    return result as T;
  }

  /** Removes the record; resolves to what was removed, or undefined when there was none. */
  async delete(id: string): Promise<T | undefined> {
    const current = await this.get(id);
    if (current === undefined) return undefined;
    return (await this.#storage.delete(this.#options.kind, id)) ? current : undefined;
  }

  /**
   * Re-seals, under this store's per-record contexts, the secrets that an earlier version sealed
   * under `legacyContext(field)`. Idempotent; returns how many records were re-sealed.
   */
  async resealLegacy(legacyContext: (field: SecretField<T>) => string): Promise<number> {
    let count = 0;
    for (const { id, value } of await this.#storage.list<T>(this.#options.kind)) {
      const legacy = this.#options.secretFields.filter((field) => this.#opensUnder(value[field] as string, legacyContext(field)));
      if (legacy.length === 0) continue;
      await this.#storage.update<T>(this.#options.kind, id, (stored) => {
        const next = { ...stored } as Record<string, unknown>;
        for (const field of legacy) {
          const sealed = stored[field] as string;
          if (!this.#opensUnder(sealed, legacyContext(field))) continue;
          next[field] = this.#seal.seal(this.#seal.open(sealed, legacyContext(field)), this.#context(id, field));
        }
        return next as T;
      });
      count++;
    }
    return count;
  }

  #context(id: string, field: string): string {
    return `${this.#options.contextPrefix}:${id}:${field}`;
  }

  #opensUnder(sealed: string, context: string): boolean {
    if (sealed === '') return false;
    try {
      this.#seal.open(sealed, context);
      return true;
    } catch {
      return false;
    }
  }

  #sealed(record: T, unchanged?: { readonly previous: T; readonly stored: T }): T {
    const id = this.#options.idOf(record);
    const out = { ...record } as Record<string, unknown>;
    for (const field of this.#options.secretFields) {
      const value = record[field] as string;
      if (value === '') continue;
      out[field] = unchanged !== undefined && unchanged.previous[field] === value ? unchanged.stored[field] : this.#seal.seal(value, this.#context(id, field));
    }
    return out as T;
  }

  #open(stored: T): T {
    const id = this.#options.idOf(stored);
    const out = { ...stored } as Record<string, unknown>;
    for (const field of this.#options.secretFields) {
      const sealed = stored[field] as string;
      if (sealed === '') continue;
      const context = this.#context(id, field);
      const cacheKey = `${context}\u0000${sealed}`;
      let value = this.#opened.get(cacheKey);
      if (value === undefined) {
        value = this.#seal.open(sealed, context);
        if (this.#opened.size >= MAX_OPENED) this.#opened.clear();
        this.#opened.set(cacheKey, value);
      }
      out[field] = value;
    }
    return out as T;
  }
}
