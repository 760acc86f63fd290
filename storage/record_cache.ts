/**
 * Parsed records of a few hot kinds (tokens, entities: read by nearly every authenticated
 * request), kept by the SQLite store between reads. Correct only because that store is the one
 * writer of its file and runs its writes synchronously: every statement that changes or removes a
 * row forgets that row here first, and no read can run between a write and its commit.
 *
 * Entries carry the row's expiry, so an expired record is never served; reads get a copy, so a
 * caller changing its record changes nothing here. Bounded: the oldest entry goes first.
 */
import { copyJson, isLive } from './contract.js';
import type { Json } from './types.js';

interface Cached {
  readonly value: Json;
  readonly expiresAt: number | null;
}

export class RecordCache {
  readonly #kinds: ReadonlySet<string>;
  readonly #limit: number;
  readonly #entries = new Map<string, Cached>();

  constructor(kinds: readonly string[], limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new TypeError('the record cache needs a positive entry limit');
    this.#kinds = new Set(kinds);
    this.#limit = limit;
  }

  caches(kind: string): boolean {
    return this.#kinds.has(kind);
  }

  /** A copy of the cached record, or undefined when it is not cached (or has expired since). */
  get(kind: string, id: string, now: number): Json | undefined {
    const cacheKey = key(kind, id);
    const entry = this.#entries.get(cacheKey);
    if (entry === undefined) return undefined;
    if (isLive(entry.expiresAt, now)) return copyJson(entry.value);
    this.#entries.delete(cacheKey);
    return undefined;
  }

  set(kind: string, id: string, value: Json, expiresAt: number | null): void {
    if (!this.#kinds.has(kind)) return;
    if (this.#entries.size >= this.#limit) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key(kind, id), { value, expiresAt });
  }

  forget(kind: string, id: string): void {
    if (this.#kinds.has(kind)) this.#entries.delete(key(kind, id));
  }

  clear(): void {
    this.#entries.clear();
  }
}

function key(kind: string, id: string): string {
  return `${kind}\u0000${id}`;
}
