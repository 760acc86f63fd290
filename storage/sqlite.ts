/**
 * State storage in an embedded SQLite database (better-sqlite3): tokens, entities, OIDC sessions,
 * codes, grants. This is the hot path, so every statement is prepared once at open.
 *
 * Records live in one table keyed by (kind, id), holding their JSON text. Each value a record
 * yields for an index is a row of `unique_values` (keyed by the value, which enforces uniqueness)
 * or `shared_values` (keyed by the value and the record's id). Those rows are written and removed
 * with their record in one transaction, computed from the record itself: a write touches only the
 * rows whose values changed, and each index value lives in exactly one B-tree, since every B-tree
 * a write touches is another page in its WAL frames (the largest cost of a state write).
 *
 * better-sqlite3 is synchronous, and writes are group-committed: the writes called in one turn of
 * the event loop are applied in call order, each in a savepoint of its own (a failing one changes
 * nothing and fails alone; update's read, updater call and write stay atomic), and committed in
 * one transaction; each call resolves once that commit is done. A commit's fixed cost (the WAL
 * append) was the largest single cost of a machine login; under load every write of the turn now
 * shares it. Reads run at once and see what is committed.
 *
 * WAL mode lets readers in other connections proceed while one writes, and lets a worker thread
 * copy the WAL back into the database (a checkpoint, with its fsyncs) without blocking the writer.
 *
 * Records of the kinds named in `cachedKinds` stay parsed in memory between reads (record_cache.ts):
 * every statement that changes or removes a row forgets it there first.
 */
import { randomUUID } from 'node:crypto';
import { chmod, open } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { AlreadyExistsError, NotFoundError, StorageClosedError, StorageError } from './errors.js';
import { RecordCache } from './record_cache.js';
import {
  checkId,
  checkIndexValue,
  checkInstant,
  copyJson,
  expiryOf,
  indexEntries,
  indexOf,
  isLive,
  kindOf,
  listOptionsOf,
  toJsonText,
  type Clock,
  type IndexEntry,
} from './contract.js';
import type { Entry, Json, KindDefinition, ListOptions, Schema, Storage, Updater, WriteOptions } from './types.js';

export interface SqliteOptions {
  /**
   * NORMAL (the default): a commit survives a crash of the process; a power loss may undo the last
   * commits but never corrupts the database. FULL: a commit also survives a power loss, at the cost
   * of a disk flush per commit.
   */
  readonly synchronous?: 'NORMAL' | 'FULL';
  /** The clock that decides what has expired and what `gc()` removes; Date.now by default. */
  readonly now?: Clock;
  /**
   * Kinds whose records are kept parsed in memory between reads (record_cache.ts), up to
   * `cacheEntries` records (4096 by default). Only for a file no other process writes.
   */
  readonly cachedKinds?: readonly string[];
  readonly cacheEntries?: number;
}

/** Schema migrations in order; `user_version` counts those applied. Append, never edit. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE records (
     kind TEXT NOT NULL,
     id TEXT NOT NULL,
     value TEXT NOT NULL,
     expires_at INTEGER,
     PRIMARY KEY (kind, id)
   );
   CREATE INDEX records_expiry ON records (expires_at) WHERE expires_at IS NOT NULL;
   CREATE TABLE record_indexes (
     kind TEXT NOT NULL,
     id TEXT NOT NULL,
     index_name TEXT NOT NULL,
     value TEXT NOT NULL,
     is_unique INTEGER NOT NULL,
     PRIMARY KEY (kind, id, index_name, value),
     FOREIGN KEY (kind, id) REFERENCES records (kind, id) ON DELETE CASCADE
   ) WITHOUT ROWID;
   CREATE INDEX record_indexes_lookup ON record_indexes (kind, index_name, value);
   CREATE UNIQUE INDEX record_indexes_unique ON record_indexes (kind, index_name, value) WHERE is_unique;
   CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;`,
  // A unique index row was in two B-trees (the lookup and the unique index), and every B-tree a
  // write touches is a page in its WAL frame: the lookup index now holds the shared rows only,
  // and each find reads the one index that holds its rows (`is_unique = 0`, not `NOT is_unique`:
  // SQLite's planner only matches a partial index's condition in that spelling).
  `DROP INDEX record_indexes_lookup;
   CREATE INDEX record_indexes_shared ON record_indexes (kind, index_name, value) WHERE is_unique = 0;`,
  // Index rows keyed by their value alone. record_indexes kept each row in two B-trees, its primary
  // key (kind, id, …), which found a record's rows to delete them, and a partial index by value;
  // rows are now found from the record's own values, so the first B-tree is gone (measured alone:
  // a token write 20% cheaper), and there is no foreign key left to cascade.
  `CREATE TABLE unique_values (
     kind TEXT NOT NULL,
     index_name TEXT NOT NULL,
     value TEXT NOT NULL,
     id TEXT NOT NULL,
     PRIMARY KEY (kind, index_name, value)
   ) WITHOUT ROWID;
   CREATE TABLE shared_values (
     kind TEXT NOT NULL,
     index_name TEXT NOT NULL,
     value TEXT NOT NULL,
     id TEXT NOT NULL,
     PRIMARY KEY (kind, index_name, value, id)
   ) WITHOUT ROWID;
   INSERT INTO unique_values (kind, index_name, value, id) SELECT kind, index_name, value, id FROM record_indexes WHERE is_unique;
   INSERT INTO shared_values (kind, index_name, value, id) SELECT kind, index_name, value, id FROM record_indexes WHERE is_unique = 0;
   DROP TABLE record_indexes;`,
];

const LIVE = '(expires_at IS NULL OR expires_at > ?)';

const DEFAULT_CACHE_ENTRIES = 4096;

/** Expired records removed per statement by gc, which bounds the rows it holds in memory at once. */
const GC_CHUNK = 512;

/**
 * Writes committed before the worker is asked for a checkpoint, if it is not still busy with the
 * last one: a few hundred WAL pages, below SQLite's own default of 1000.
 */
const CHECKPOINT_AFTER_WRITES = 50;
/** The main connection's own automatic checkpoint, only reached when the worker falls behind. */
const FALLBACK_AUTOCHECKPOINT_PAGES = 10_000;
/** SQLite's default, restored when no worker can run. */
const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;

/**
 * The checkpoint worker: its own connection to the database, running a PASSIVE checkpoint (which
 * never waits for, nor blocks, the writer) each time it is asked. CommonJS evaluated from text, so
 * it needs no file of its own and loads the same better-sqlite3 as the main thread.
 */
const CHECKPOINT_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
parentPort.on('message', (message) => {
  if (message !== 'checkpoint') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    checkpoint.get();
  } catch (error) {
    // Another checkpoint is running (the main connection's fallback): this one is not needed.
    if (error.code !== 'SQLITE_BUSY') throw error;
  }
  parentPort.postMessage('done');
});
`;

interface RecordRow {
  readonly id: string;
  readonly value: string;
  readonly expiresAt: number | null;
}

/** The table that holds an index's rows. */
type IndexTable = 'unique_values' | 'shared_values';

type Statements = ReturnType<typeof prepare>;

/** A write waiting for its turn's commit. */
interface PendingWrite {
  readonly run: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/** The live records an index value leads to, in id order. */
export function findByIndex(table: IndexTable): string {
  return `SELECT id, r.value, expires_at AS expiresAt FROM ${table} i JOIN records r USING (kind, id)
          WHERE kind = ? AND index_name = ? AND i.value = ? AND ${LIVE} ORDER BY id`;
}

function prepare(db: Database.Database) {
  return {
    read: db.prepare<[string, string, number], Omit<RecordRow, 'id'>>(
      `SELECT value, expires_at AS expiresAt FROM records WHERE kind = ? AND id = ? AND ${LIVE}`,
    ),
    /** The stored row, live or not: what a write replaces. */
    stored: db.prepare<[string, string], Omit<RecordRow, 'id'>>(
      'SELECT value, expires_at AS expiresAt FROM records WHERE kind = ? AND id = ?',
    ),
    upsert: db.prepare<[string, string, string, number | null]>(
      `INSERT INTO records (kind, id, value, expires_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (kind, id) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
    ),
    delete: db.prepare<[string, string], Omit<RecordRow, 'id'>>(
      'DELETE FROM records WHERE kind = ? AND id = ? RETURNING value, expires_at AS expiresAt',
    ),
    list: db.prepare<[string, string, number], RecordRow>(
      `SELECT id, value, expires_at AS expiresAt FROM records WHERE kind = ? AND id >= ? AND ${LIVE} ORDER BY id`,
    ),
    allOfKind: db.prepare<[string], RecordRow>('SELECT id, value, expires_at AS expiresAt FROM records WHERE kind = ?'),
    gcChunk: db.prepare<[number, number], RecordRow & { readonly kind: string }>(
      `DELETE FROM records WHERE rowid IN (SELECT rowid FROM records WHERE expires_at <= ? LIMIT ?)
       RETURNING kind, id, value, expires_at AS expiresAt`,
    ),
    findByUnique: db.prepare<[string, string, string, number], RecordRow>(findByIndex('unique_values')),
    findByShared: db.prepare<[string, string, string, number], RecordRow>(findByIndex('shared_values')),
    /** Who holds a unique value; `held` is 0 for a row whose record is gone (see #claim). */
    owner: db.prepare<[string, string, string], { readonly id: string; readonly held: 0 | 1; readonly expiresAt: number | null }>(
      `SELECT u.id, r.id IS NOT NULL AS held, r.expires_at AS expiresAt FROM unique_values u
       LEFT JOIN records r ON r.kind = u.kind AND r.id = u.id
       WHERE u.kind = ? AND u.index_name = ? AND u.value = ?`,
    ),
    indexRows: { unique_values: indexRowStatements(db, 'unique_values'), shared_values: indexRowStatements(db, 'shared_values') },
    getMeta: db.prepare<[string], string>('SELECT value FROM meta WHERE key = ?').pluck(),
    putMeta: db.prepare<[string, string]>(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
  };
}

function indexRowStatements(db: Database.Database, table: IndexTable) {
  return {
    insert: db.prepare<[string, string, string, string]>(`INSERT INTO ${table} (kind, index_name, value, id) VALUES (?, ?, ?, ?)`),
    remove: db.prepare<[string, string, string, string]>(`DELETE FROM ${table} WHERE kind = ? AND index_name = ? AND value = ? AND id = ?`),
    /** A scan of the kind's rows: only for a record whose values cannot be computed. */
    removeRecord: db.prepare<[string, string]>(`DELETE FROM ${table} WHERE kind = ? AND id = ?`),
    removeKind: db.prepare<[string]>(`DELETE FROM ${table} WHERE kind = ?`),
  };
}

const tableOf = (entry: IndexEntry): IndexTable => (entry.unique ? 'unique_values' : 'shared_values');
const keyOf = (entry: IndexEntry): string => `${entry.index}\0${entry.value}`;

export class SqliteStorage implements Storage {
  readonly #db: Database.Database;
  readonly #schema: Schema;
  readonly #sql: Statements;
  readonly #now: Clock;
  readonly #checkpointer: Checkpointer;
  readonly #cache: RecordCache;
  /** Writes of this turn, in call order, waiting for the group commit. */
  #pending: PendingWrite[] = [];
  #closed = false;

  private constructor(db: Database.Database, file: string, schema: Schema, now: Clock, cache: RecordCache) {
    this.#db = db;
    this.#schema = schema;
    this.#now = now;
    this.#cache = cache;
    this.#sql = prepare(db);
    this.#checkpointer = new Checkpointer(db, file);
    // Each call of these runs in its own transaction, rolled back when they throw; inside the
    // group commit's transaction, in a savepoint.
    this.#write = db.transaction(this.#write);
    this.#update = db.transaction(this.#update);
    this.#applyAll = db.transaction(this.#applyAll);
    this.#collect = db.transaction(this.#collect);
  }

  /**
   * Opens the database, creating it when absent, migrating it to the current schema and rebuilding
   * the index rows of kinds whose declared indexes changed since the last open.
   */
  static async open(file: string, schema: Schema, options: SqliteOptions = {}): Promise<SqliteStorage> {
    const { synchronous = 'NORMAL', now = Date.now, cachedKinds = [], cacheEntries = DEFAULT_CACHE_ENTRIES } = options;
    if (synchronous !== 'NORMAL' && synchronous !== 'FULL') throw new TypeError('synchronous must be NORMAL or FULL');
    for (const kind of cachedKinds) kindOf(schema, kind);
    const cache = new RecordCache(cachedKinds, cacheEntries);
    // SQLite gives -wal and -shm the database file's mode, so an owner-only database keeps them so.
    await restrictToOwner(file);
    const db = new Database(file);
    try {
      if (db.pragma('journal_mode = WAL', { simple: true }) !== 'wal') throw new StorageError(`${file}: WAL mode unavailable`);
      db.pragma(`synchronous = ${synchronous}`);
      db.pragma('busy_timeout = 5000');
      migrate(db, file);
      const storage = new SqliteStorage(db, file, schema, now, cache);
      storage.#rebuildChangedIndexes();
      return storage;
    } catch (error) {
      db.close();
      throw error;
    }
  }

  async get<T>(kind: string, id: string): Promise<T | undefined> {
    this.#kind(kind);
    checkId(id);
    const now = this.#now();
    if (!this.#cache.caches(kind)) {
      const row = this.#sql.read.get(kind, id, now);
      return row && (JSON.parse(row.value) as T);
    }
    const cached = this.#cache.get(kind, id, now);
    if (cached !== undefined) return cached as T;
    const row = this.#sql.read.get(kind, id, now);
    if (row === undefined) return undefined;
    const value = JSON.parse(row.value) as Json;
    this.#cache.set(kind, id, value, row.expiresAt);
    return copyJson(value) as T;
  }

  async create<T>(kind: string, id: string, value: T, options?: WriteOptions): Promise<void> {
    const definition = this.#kind(kind);
    checkId(id);
    const text = toJsonText(value);
    const expiresAt = expiryOf(options);
    await this.#enqueue(() => this.#write('create', kind, definition, id, text, expiresAt));
  }

  async put<T>(kind: string, id: string, value: T, options?: WriteOptions): Promise<void> {
    const definition = this.#kind(kind);
    checkId(id);
    const text = toJsonText(value);
    const expiresAt = expiryOf(options);
    await this.#enqueue(() => this.#write('put', kind, definition, id, text, expiresAt));
  }

  async update<T>(kind: string, id: string, updater: Updater<T>, options?: WriteOptions): Promise<T | undefined> {
    const definition = this.#kind(kind);
    checkId(id);
    const expiresAt = expiryOf(options);
    return (await this.#enqueue(() => this.#update(kind, definition, id, updater as Updater<unknown>, expiresAt))) as T | undefined;
  }

  async delete(kind: string, id: string): Promise<boolean> {
    const definition = this.#kind(kind);
    checkId(id);
    const removed = (await this.#enqueue(() => this.#remove(kind, definition, id))) as Pick<RecordRow, 'expiresAt'> | undefined;
    return removed !== undefined && isLive(removed.expiresAt, this.#now());
  }

  /** Queues a write for this turn's group commit; the first of a turn schedules the commit. */
  #enqueue(run: () => unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.#pending.push({ run, resolve, reject }) === 1) setImmediate(() => this.#commitPending());
    });
  }

  /** Applies the queued writes in one transaction and settles each call with its own outcome. */
  #commitPending(): void {
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length === 0) return;
    const outcomes: Outcome[] = [];
    try {
      this.#applyAll(batch, outcomes);
    } catch (error) {
      // The commit itself failed (disk full, I/O error): nothing of the batch stands.
      for (const write of batch) write.reject(error);
      return;
    }
    this.#checkpointer.committed(batch.length);
    batch.forEach((write, i) => {
      const outcome = outcomes[i] as Outcome;
      if (outcome.ok) write.resolve(outcome.value);
      else write.reject(outcome.error);
    });
  }

  /** One transaction (see the constructor); a write that throws has only its savepoint rolled back. */
  #applyAll = (batch: readonly PendingWrite[], outcomes: Outcome[]): void => {
    for (const write of batch) {
      try {
        outcomes.push({ ok: true, value: write.run() });
      } catch (error) {
        outcomes.push({ ok: false, error });
      }
    }
  };

  async list<T>(kind: string, options?: ListOptions): Promise<Array<Entry<T>>> {
    this.#kind(kind);
    const { prefix, limit } = listOptionsOf(options);
    const entries: Array<Entry<T>> = [];
    if (limit === 0) return entries;
    // Rows come in id order from the prefix on; the first id without the prefix ends the range.
    for (const row of this.#sql.list.iterate(kind, prefix, this.#now())) {
      if (!row.id.startsWith(prefix)) break;
      if (entries.push(entryOf(row)) === limit) break;
    }
    return entries;
  }

  async findBy<T>(kind: string, index: string, value: string): Promise<Array<Entry<T>>> {
    const { unique } = indexOf(kind, this.#kind(kind), index);
    checkIndexValue(value);
    const find = unique === true ? this.#sql.findByUnique : this.#sql.findByShared;
    return find.all(kind, index, value, this.#now()).map((row) => entryOf<T>(row));
  }

  async gc(now = this.#now()): Promise<number> {
    this.#open();
    checkInstant(now);
    const removed = this.#collect(now);
    // Expired entries are never served anyway; this frees their memory.
    if (removed > 0) this.#cache.clear();
    if (removed > 0) this.#checkpointer.committed(removed);
    return removed;
  }

  async ping(): Promise<void> {
    this.#open();
    const token = randomUUID();
    this.#sql.putMeta.run('ping', token);
    this.#checkpointer.committed(1);
    if (this.#sql.getMeta.get('ping') !== token) throw new StorageError('ping read back a different value');
  }

  /** Idempotent: closing twice resolves. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Writes called before close are committed first.
    this.#commitPending();
    // The worker's connection goes first, so the main one is the last and checkpoints on close.
    await this.#checkpointer.close();
    this.#db.close();
  }

  /** Removes expired records with their index rows, a chunk at a time; a transaction (see the constructor). */
  #collect = (now: number): number => {
    let removed = 0;
    for (;;) {
      const rows = this.#sql.gcChunk.all(now, GC_CHUNK);
      for (const row of rows) this.#removeIndexRows(row.kind, this.#knownKind(row.kind), row.id, row.value);
      removed += rows.length;
      if (rows.length < GC_CHUNK) return removed;
    }
  };

  /** Inserts or replaces a record; a transaction (see the constructor). */
  #write = (
    mode: 'create' | 'put',
    kind: string,
    definition: KindDefinition<unknown>,
    id: string,
    text: string,
    expiresAt: number | undefined,
  ): void => {
    const now = this.#now();
    // A kind without indexes has no rows to replace, so a put need not read what it replaces.
    const stored = mode === 'create' || definition.indexes !== undefined ? this.#sql.stored.get(kind, id) : undefined;
    const live = stored !== undefined && isLive(stored.expiresAt, now);
    if (mode === 'create' && live) throw new AlreadyExistsError(kind, id);
    const previous = stored === undefined ? undefined : { entries: this.#entriesOf(definition, stored.value), live };
    this.#store(kind, definition, id, text, expiresAt, now, previous);
  };

  /** Deletes a record and its index rows; a transaction (see the constructor). */
  #remove = (kind: string, definition: KindDefinition<unknown> | undefined, id: string): Omit<RecordRow, 'id'> | undefined => {
    this.#cache.forget(kind, id);
    const removed = this.#sql.delete.get(kind, id);
    if (removed !== undefined) this.#removeIndexRows(kind, definition, id, removed.value);
    return removed;
  };

  /** Reads a record, calls the updater and writes the result; a transaction (see the constructor). */
  #update = (
    kind: string,
    definition: KindDefinition<unknown>,
    id: string,
    updater: Updater<unknown>,
    expiresAt: number | undefined,
  ): unknown => {
    const now = this.#now();
    const current = this.#sql.read.get(kind, id, now);
    if (current === undefined) throw new NotFoundError(kind, id);
    const parsed = JSON.parse(current.value) as Json;
    // Before the updater runs: it may change the object it is given.
    const entries = indexEntries(definition, parsed);
    const next = updater(parsed);
    if (next === undefined) {
      this.#remove(kind, definition, id);
      return undefined;
    }
    const text = toJsonText(next);
    this.#store(kind, definition, id, text, expiresAt ?? current.expiresAt ?? undefined, now, { entries, live: true });
    return JSON.parse(text);
  };

  /**
   * Writes a record and its index rows, once its unique values are known to be free. `previous`:
   * the values of the record it replaces. A live one's rows are all there, so only the values that
   * changed are touched (an update that changes no indexed field writes no index row); an expired
   * one may have missed a rebuild (which skips expired records), so its rows go and all are written.
   */
  #store(
    kind: string,
    definition: KindDefinition<unknown>,
    id: string,
    text: string,
    expiresAt: number | undefined,
    now: number,
    previous?: { readonly entries: readonly IndexEntry[] | undefined; readonly live: boolean },
  ): void {
    const entries = indexEntries(definition, JSON.parse(text) as Json);
    this.#claim(kind, id, entries, now);
    this.#cache.forget(kind, id);
    this.#sql.upsert.run(kind, id, text, expiresAt ?? null);
    if (previous === undefined) return this.#insertIndexRows(kind, id, entries);
    if (previous.entries === undefined || !previous.live) {
      this.#removeIndexRowsOf(kind, id, previous.entries);
      return this.#insertIndexRows(kind, id, entries);
    }
    const kept = new Set(entries.map(keyOf));
    const had = new Set(previous.entries.map(keyOf));
    this.#removeIndexRowsOf(kind, id, previous.entries.filter((entry) => !kept.has(keyOf(entry))));
    this.#insertIndexRows(kind, id, entries.filter((entry) => !had.has(keyOf(entry))));
  }

  #insertIndexRows(kind: string, id: string, entries: readonly IndexEntry[]): void {
    for (const entry of entries) this.#sql.indexRows[tableOf(entry)].insert.run(kind, entry.index, entry.value, id);
  }

  /** Removes the given rows of a record; without them (undefined), every row of the record, by a scan. */
  #removeIndexRowsOf(kind: string, id: string, entries: readonly IndexEntry[] | undefined): void {
    if (entries !== undefined) {
      for (const entry of entries) this.#sql.indexRows[tableOf(entry)].remove.run(kind, entry.index, entry.value, id);
      return;
    }
    this.#sql.indexRows.unique_values.removeRecord.run(kind, id);
    this.#sql.indexRows.shared_values.removeRecord.run(kind, id);
  }

  /** Removes the index rows of a record that is gone, given its stored text. */
  #removeIndexRows(kind: string, definition: KindDefinition<unknown> | undefined, id: string, text: string): void {
    this.#removeIndexRowsOf(kind, id, definition === undefined ? undefined : this.#entriesOf(definition, text));
  }

  /**
   * The index values of a stored record, or undefined when they cannot be computed: a record
   * written before its kind had an index that now throws on it (rebuilds skip expired records).
   */
  #entriesOf(definition: KindDefinition<unknown>, text: string): IndexEntry[] | undefined {
    if (definition.indexes === undefined) return [];
    try {
      return indexEntries(definition, JSON.parse(text) as Json);
    } catch {
      return undefined;
    }
  }

  /**
   * Checks that no other live record holds one of these unique values. An expired holder is
   * already invisible; it is deleted here so the unique index lets the value go.
   */
  #claim(kind: string, id: string, entries: readonly IndexEntry[], now: number): void {
    for (const { index, value, unique } of entries) {
      if (!unique) continue;
      const owner = this.#sql.owner.get(kind, index, value);
      if (owner === undefined || owner.id === id) continue;
      if (owner.held === 1 && isLive(owner.expiresAt, now)) throw new AlreadyExistsError(kind, id, index);
      if (owner.held === 1) this.#remove(kind, this.#knownKind(kind), owner.id);
      // A row its record did not take with it (it could not compute its values) is nobody's.
      this.#sql.indexRows.unique_values.remove.run(kind, index, value, owner.id);
    }
  }

  /**
   * Index rows are computed when a record is written, so a kind whose indexes were added, removed
   * or made (non-)unique since the last open has its rows rebuilt from its records. A kind's index
   * set is recorded by name: changing what an index function yields needs a new index name.
   */
  #rebuildChangedIndexes(): void {
    this.#db
      .transaction(() => {
        const now = this.#now();
        for (const kind of Object.keys(this.#schema)) {
          const definition = kindOf(this.#schema, kind);
          const declared = declaredIndexes(definition);
          const key = `indexes:${kind}`;
          if (this.#sql.getMeta.get(key) === declared) continue;
          this.#sql.indexRows.unique_values.removeKind.run(kind);
          this.#sql.indexRows.shared_values.removeKind.run(kind);
          for (const { id, value, expiresAt } of this.#sql.allOfKind.all(kind)) {
            if (!isLive(expiresAt, now)) continue;
            const entries = indexEntries(definition, JSON.parse(value) as Json);
            this.#claim(kind, id, entries, now);
            this.#insertIndexRows(kind, id, entries);
          }
          this.#sql.putMeta.run(key, declared);
        }
      })
      .immediate();
  }

  /** A kind's definition, or undefined for stored records of a kind the schema no longer has. */
  #knownKind(kind: string): KindDefinition<unknown> | undefined {
    return Object.hasOwn(this.#schema, kind) ? (this.#schema[kind] as KindDefinition<unknown>) : undefined;
  }

  #open(): void {
    if (this.#closed) throw new StorageClosedError();
  }

  #kind(kind: string): KindDefinition<unknown> {
    this.#open();
    return kindOf(this.#schema, kind);
  }
}

/**
 * Moves WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside the commit
 * that crosses its threshold and fsyncs the WAL and the database file there, so on a busy disk
 * that one commit stalls every request for tens of milliseconds. Here the worker is asked for a
 * checkpoint once CHECKPOINT_AFTER_WRITES writes have been committed and it has finished the last
 * one, so under load it checkpoints back to back and the WAL keeps restarting from its start; it
 * starts with the first request, so a store that is barely written never starts one. The main
 * connection keeps a much higher automatic threshold in case the worker falls behind, and
 * SQLite's default if it fails.
 *
 * Asking every 100 commits instead let the WAL outgrow that threshold under load (a group commit
 * holds many writes): the main thread then checkpointed inside a commit every few seconds, with
 * fsyncs of 6–57 ms, which was the machine-login benchmark's event-loop delay (p99 ~100 ms).
 */
class Checkpointer {
  readonly #db: Database.Database;
  readonly #file: string;
  #worker: Worker | undefined;
  #exited: Promise<unknown> = Promise.resolve();
  /** Writes committed since the worker was last asked. */
  #writes = 0;
  /** The worker is running a checkpoint it was asked for. */
  #busy = false;
  #disabled = false;

  constructor(db: Database.Database, file: string) {
    this.#db = db;
    this.#file = file;
    db.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
  }

  committed(writes: number): void {
    this.#writes += writes;
    if (!this.#busy) this.#askIfDue();
  }

  #askIfDue(): void {
    if (this.#disabled || this.#writes < CHECKPOINT_AFTER_WRITES) return;
    const worker = this.#worker ?? this.#start();
    if (worker === undefined) return;
    this.#writes = 0;
    this.#busy = true;
    worker.postMessage('checkpoint');
  }

  /** Stops the worker and waits until its connection is closed. */
  async close(): Promise<void> {
    this.#disabled = true;
    this.#worker?.postMessage('close');
    this.#worker = undefined;
    await this.#exited;
  }

  #start(): Worker | undefined {
    let worker: Worker;
    try {
      worker = new Worker(CHECKPOINT_WORKER, {
        eval: true,
        workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), file: this.#file },
      });
    } catch {
      this.#fallBack();
      return undefined;
    }
    // Never what keeps a process alive; close() ends it in order.
    worker.unref();
    worker.on('message', () => {
      this.#busy = false;
      this.#askIfDue();
    });
    worker.on('error', () => this.#fallBack());
    this.#exited = new Promise((resolve) => worker.once('exit', resolve));
    this.#worker = worker;
    return worker;
  }

  /** Without a worker, the main connection checkpoints as SQLite does by default. */
  #fallBack(): void {
    this.#worker = undefined;
    if (this.#disabled) return;
    this.#disabled = true;
    if (this.#db.open) this.#db.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
  }
}

function migrate(db: Database.Database, file: string): void {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) {
      throw new StorageError(`${file} has schema version ${version}; this release knows up to ${MIGRATIONS.length}`);
    }
    for (const sql of MIGRATIONS.slice(version)) db.exec(sql);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}

/** What a kind declares about its indexes, as the text recorded in `meta`: names and uniqueness. */
function declaredIndexes(definition: KindDefinition<unknown>): string {
  const names = Object.keys(definition.indexes ?? {}).sort();
  return JSON.stringify(names.map((name) => [name, definition.indexes?.[name]?.unique === true]));
}

/** Creates the file owner-only when absent and tightens an existing one and its WAL files. */
async function restrictToOwner(file: string): Promise<void> {
  const handle = await open(file, 'a', 0o600);
  try {
    await handle.chmod(0o600);
  } finally {
    await handle.close();
  }
  for (const sidecar of [`${file}-wal`, `${file}-shm`]) {
    await chmod(sidecar, 0o600).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
}

function entryOf<T>({ id, value, expiresAt }: RecordRow): Entry<T> {
  const parsed = JSON.parse(value) as T;
  return expiresAt === null ? { id, value: parsed } : { id, value: parsed, expiresAt };
}
