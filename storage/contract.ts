/**
 * The rules of the storage contract that every backend applies identically: which kinds exist, what
 * a record's indexes yield, and what a valid id, value, expiry and list option are. Backends share
 * them so the conformance suite tests one set of rules, not one copy per backend.
 */
import { UnknownKindError } from './errors.js';
import type { IndexDefinition, Json, KindDefinition, ListOptions, Schema, WriteOptions } from './types.js';

/** Milliseconds since the epoch, now. Backends take one so expiry follows the server's clock. */
export type Clock = () => number;

/** One value a record yields for one of its kind's indexes. */
export interface IndexEntry {
  readonly index: string;
  readonly value: string;
  readonly unique: boolean;
}

/** A lone UTF-16 surrogate: JSON and SQLite would silently turn it into U+FFFD. */
const LONE_SURROGATE = /\p{Cs}/u;

/** The definition of a kind, or UnknownKindError. */
export function kindOf(schema: Schema, kind: string): KindDefinition<unknown> {
  const definition = Object.hasOwn(schema, kind) ? schema[kind] : undefined;
  if (definition === undefined) throw new UnknownKindError(String(kind));
  return definition as KindDefinition<unknown>;
}

/** The definition of one index of a kind; TypeError for an index the kind does not declare. */
export function indexOf(kind: string, definition: KindDefinition<unknown>, index: string): IndexDefinition<unknown> {
  const indexes = definition.indexes ?? {};
  const found = Object.hasOwn(indexes, index) ? indexes[index] : undefined;
  if (found === undefined) throw new TypeError(`storage kind ${JSON.stringify(kind)} has no index ${JSON.stringify(index)}`);
  return found;
}

/** The distinct values one index yields for a record. `null` counts as no value, like `undefined`. */
export function indexValues(index: string, definition: IndexDefinition<unknown>, record: Json): string[] {
  const yielded: unknown = definition.of(record);
  if (yielded === undefined || yielded === null) return [];
  const values: unknown[] = Array.isArray(yielded) ? yielded : [yielded];
  for (const value of values) {
    if (typeof value !== 'string' || LONE_SURROGATE.test(value)) {
      throw new TypeError(`index ${JSON.stringify(index)} must yield well-formed strings`);
    }
  }
  return [...new Set(values as string[])];
}

/** Every value a record yields for every index of its kind. */
export function indexEntries(definition: KindDefinition<unknown>, record: Json): IndexEntry[] {
  return Object.entries(definition.indexes ?? {}).flatMap(([index, indexDefinition]) =>
    indexValues(index, indexDefinition, record).map((value) => ({ index, value, unique: indexDefinition.unique === true })),
  );
}

/**
 * A value as stored: its JSON text. What JSON cannot hold is refused, including a promise, which
 * is what an asynchronous updater returns.
 */
export function toJsonText(value: unknown): string {
  if (typeof (value as { then?: unknown } | null | undefined)?.then === 'function') {
    throw new TypeError('a storage value cannot be a promise: updaters must be synchronous');
  }
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError('a storage value must be representable as JSON');
  return text;
}

/**
 * A deep copy of a stored value (JSON as JSON.parse yields it), for reads that must not share
 * objects with the store. About nine times faster than structuredClone on configuration records,
 * which every request reads several of.
 */
export function copyJson<T extends Json>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item: Json) => copyJson(item)) as T;
  const copy: Record<string, Json> = {};
  for (const key of Object.keys(value)) {
    const item = copyJson((value as Record<string, Json>)[key] as Json);
    // An own "__proto__" (JSON.parse makes one) must stay a property, not become the prototype.
    if (key === '__proto__') Object.defineProperty(copy, key, { value: item, enumerable: true, writable: true, configurable: true });
    else copy[key] = item;
  }
  return copy as T;
}

export function checkId(id: string): void {
  if (typeof id !== 'string' || id === '' || LONE_SURROGATE.test(id)) {
    throw new TypeError('a storage id must be a non-empty, well-formed string');
  }
}

export function checkIndexValue(value: string): void {
  if (typeof value !== 'string' || LONE_SURROGATE.test(value)) throw new TypeError('an index value must be a well-formed string');
}

/** The expiry a write asks for, if any. */
export function expiryOf(options: WriteOptions | undefined): number | undefined {
  const expiresAt = options?.expiresAt;
  if (expiresAt !== undefined) checkInstant(expiresAt);
  return expiresAt;
}

export function checkInstant(instant: number): void {
  if (!Number.isFinite(instant)) throw new TypeError('an instant must be a finite number of milliseconds');
}

/** Whether a record with this expiry is still visible at `now`. Expired means `expiresAt <= now`. */
export function isLive(expiresAt: number | null | undefined, now: number): boolean {
  return expiresAt === undefined || expiresAt === null || expiresAt > now;
}

export function listOptionsOf(options: ListOptions | undefined): { prefix: string; limit: number } {
  const { prefix = '', limit = Infinity } = options ?? {};
  if (typeof prefix !== 'string') throw new TypeError('a list prefix must be a string');
  if (limit !== Infinity && !(Number.isSafeInteger(limit) && limit >= 0)) {
    throw new TypeError('a list limit must be a non-negative integer');
  }
  return { prefix, limit };
}

/**
 * Code-point order, the order of SQLite's BINARY collation over UTF-8. JavaScript's `<` compares
 * UTF-16 code units instead, which puts astral characters before U+E000..U+FFFF.
 */
export function compareIds(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** Moves surrogates (which start code points above U+FFFF) after the rest of the BMP. */
function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}
