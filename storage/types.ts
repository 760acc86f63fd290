/**
 * The storage contract every backend implements (memory, lowdb, SQLite; PostgreSQL later).
 *
 * Records are JSON values grouped by kind. A kind may declare secondary indexes: functions of the
 * record that yield one or more lookup values. Backends maintain them on every write, atomically
 * with the record, and enforce uniqueness where declared. Callers never maintain index records by
 * hand, so a half-written index cannot exist.
 *
 * Every backend runs the same conformance suite (test/storage/conformance.ts).
 *
 * Decisions the signatures leave open, the same in every backend:
 * - Values are stored as JSON: what JSON.stringify drops or converts is dropped or converted
 *   (undefined properties vanish, Dates become strings). Reads return copies, never shared objects.
 * - Malformed arguments are programming errors and reject with TypeError, like UnknownKindError
 *   for kinds: an empty id or one with a lone UTF-16 surrogate (SQLite could not store it
 *   faithfully), a value JSON cannot hold (undefined, a function, a BigInt, a cycle, a promise), a
 *   non-finite `expiresAt` or `gc(now)`, a negative or fractional `limit`, an index name the kind
 *   does not declare.
 * - Ids sort in code-point order (SQLite's order over UTF-8), not JavaScript's UTF-16 order.
 */

/** A plain JSON value: what a record may contain. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Values an index function may yield for a record: none, one, or several. */
export type IndexValue = string | readonly string[] | undefined;

/**
 * `of` must be pure and yield strings without lone surrogates (TypeError otherwise); `null` counts
 * as no value, like `undefined`. An index is known by its name: SQLite stores index values and
 * rebuilds a kind's at open when its index names or uniqueness changed, so changing what an
 * existing index yields needs a new index name.
 */
export interface IndexDefinition<T = unknown> {
  /**
   * A second record yielding a value another record already holds fails with AlreadyExistsError.
   * Expired records hold nothing.
   */
  readonly unique?: boolean;
  readonly of: (record: T) => IndexValue;
}

export interface KindDefinition<T = unknown> {
  readonly indexes?: Readonly<Record<string, IndexDefinition<T>>>;
}

/** Kind name → definition. A backend refuses kinds it was not given. */
export type Schema = Readonly<Record<string, KindDefinition<never>>>;

export interface WriteOptions {
  /**
   * Absolute expiry in milliseconds since the epoch; expired means `expiresAt <= now`. An expired
   * record is invisible to every read at once and removed by `gc`; its id and unique index values
   * are free again. Omitted: the record never expires (so `put` without it clears an old expiry;
   * an update keeps the old expiry unless it gives a new one).
   */
  readonly expiresAt?: number;
}

export interface Entry<T> {
  readonly id: string;
  readonly value: T;
  readonly expiresAt?: number;
}

export interface ListOptions {
  /** Only ids starting with this prefix. */
  readonly prefix?: string;
  /** At most this many entries (after sorting by id). */
  readonly limit?: number;
}

/**
 * The update callback of an atomic read-modify-write. It must be synchronous and pure apart from
 * its return value: backends may call it inside a database transaction, and a returned promise is
 * refused with TypeError. It receives a copy, which it may modify and return. Throwing aborts the
 * update and nothing is written. Returning `undefined` deletes the record.
 */
export type Updater<T> = (current: T) => T | undefined;

export interface Storage {
  /** The record, or undefined when absent or expired. */
  get<T>(kind: string, id: string): Promise<T | undefined>;

  /** Insert a new record; AlreadyExistsError when the id (or a unique index value) is taken. */
  create<T>(kind: string, id: string, value: T, options?: WriteOptions): Promise<void>;

  /** Insert or replace; AlreadyExistsError only when a unique index value belongs to another id. */
  put<T>(kind: string, id: string, value: T, options?: WriteOptions): Promise<void>;

  /**
   * Atomic read-modify-write of one record. NotFoundError when absent or expired. Concurrent
   * updates of the same record are serialised: none is lost.
   * Resolves to the new value, or undefined when the updater deleted the record.
   */
  update<T>(kind: string, id: string, updater: Updater<T>, options?: WriteOptions): Promise<T | undefined>;

  /** Remove a record; resolves to whether it existed (an expired record did not, but is removed). */
  delete(kind: string, id: string): Promise<boolean>;

  /** Entries of a kind, sorted by id (code-point order). */
  list<T>(kind: string, options?: ListOptions): Promise<Array<Entry<T>>>;

  /** Entries whose index yields `value`, sorted by id. TypeError for an index the kind does not declare. */
  findBy<T>(kind: string, index: string, value: string): Promise<Array<Entry<T>>>;

  /** Remove every record expired at the given instant; resolves to how many were removed. */
  gc(now?: number): Promise<number>;

  /**
   * Rejects when storage is unusable. A round trip through the backend where that is cheap (SQLite
   * writes and reads a row); a permission check where a write would rewrite everything (lowdb).
   * Health checks call this, so it must stay cheap.
   */
  ping(): Promise<void>;

  /**
   * Finish in-flight writes and release files. Further calls reject with StorageClosedError, except
   * close itself, which resolves again so shutdown paths need not track who closed first.
   */
  close(): Promise<void>;
}
