/**
 * State storage in an embedded SQLite database (better-sqlite3): tokens, entities, OIDC sessions,
 * codes, grants. This is the hot path, so every statement is prepared once at open.
 *
 * Records live in one table keyed by (kind, id), holding their JSON text. Each value a record
 * yields for an index is a row of a second table, rewritten with the record in one transaction and
 * removed with it by a cascading foreign key; a partial unique index enforces the indexes the
 * schema declares unique.
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
];

const LIVE = '(expires_at IS NULL OR expires_at > ?)';

const DEFAULT_CACHE_ENTRIES = 4096;

/** Commits between two checkpoints by the worker: about SQLite's own default of 1000 WAL pages. */
const CHECKPOINT_EVERY = 100;
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
});
`;

interface RecordRow {
  readonly id: string;
  readonly value: string;
  readonly expiresAt: number | null;
}

type Statements = ReturnType<typeof prepare>;

/** A write waiting for its turn's commit. */
interface PendingWrite {
  readonly run: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/**
 * The live records an index value leads to. The `is_unique` term is what lets SQLite use the
 * partial index that holds the rows (the unique one or record_indexes_shared).
 */
export function findByIndex(rows: 'is_unique' | 'is_unique = 0'): string {
  return `SELECT id, r.value, expires_at AS expiresAt FROM record_indexes i JOIN records r USING (kind, id)
          WHERE kind = ? AND index_name = ? AND i.value = ? AND ${rows} AND ${LIVE} ORDER BY id`;
}

function prepare(db: Database.Database) {
  return {
    read: db.prepare<[string, string, number], Omit<RecordRow, 'id'>>(
      `SELECT value, expires_at AS expiresAt FROM records WHERE kind = ? AND id = ? AND ${LIVE}`,
    ),
    expiry: db.prepare<[string, string], Pick<RecordRow, 'expiresAt'>>(
      'SELECT expires_at AS expiresAt FROM records WHERE kind = ? AND id = ?',
    ),
    upsert: db.prepare<[string, string, string, number | null]>(
      `INSERT INTO records (kind, id, value, expires_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (kind, id) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
    ),
    delete: db.prepare<[string, string]>('DELETE FROM records WHERE kind = ? AND id = ?'),
    deleteReturning: db.prepare<[string, string], Pick<RecordRow, 'expiresAt'>>(
      'DELETE FROM records WHERE kind = ? AND id = ? RETURNING expires_at AS expiresAt',
    ),
    list: db.prepare<[string, string, number], RecordRow>(
      `SELECT id, value, expires_at AS expiresAt FROM records WHERE kind = ? AND id >= ? AND ${LIVE} ORDER BY id`,
    ),
    allOfKind: db.prepare<[string], RecordRow>('SELECT id, value, expires_at AS expiresAt FROM records WHERE kind = ?'),
    gc: db.prepare<[number]>('DELETE FROM records WHERE expires_at <= ?'),
    findByUnique: db.prepare<[string, string, string, number], RecordRow>(findByIndex('is_unique')),
    findByShared: db.prepare<[string, string, string, number], RecordRow>(findByIndex('is_unique = 0')),
    owner: db.prepare<[string, string, string], Pick<RecordRow, 'id' | 'expiresAt'>>(
      `SELECT id, expires_at AS expiresAt FROM record_indexes i JOIN records r USING (kind, id)
       WHERE kind = ? AND index_name = ? AND i.value = ? AND is_unique`,
    ),
    insertIndex: db.prepare<[string, string, string, string, number]>(
      'INSERT INTO record_indexes (kind, id, index_name, value, is_unique) VALUES (?, ?, ?, ?, ?)',
    ),
    deleteIndexes: db.prepare<[string, string]>('DELETE FROM record_indexes WHERE kind = ? AND id = ?'),
    deleteKindIndexes: db.prepare<[string]>('DELETE FROM record_indexes WHERE kind = ?'),
    getMeta: db.prepare<[string], string>('SELECT value FROM meta WHERE key = ?').pluck(),
    putMeta: db.prepare<[string, string]>(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
  };
}

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
      db.pragma('foreign_keys = ON');
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
    this.#kind(kind);
    checkId(id);
    const removed = (await this.#enqueue(() => {
      this.#cache.forget(kind, id);
      return this.#sql.deleteReturning.get(kind, id);
    })) as Pick<RecordRow, 'expiresAt'> | undefined;
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
    this.#checkpointer.committed();
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
    const removed = this.#sql.gc.run(now).changes;
    // Expired entries are never served anyway; this frees their memory.
    if (removed > 0) this.#cache.clear();
    if (removed > 0) this.#checkpointer.committed();
    return removed;
  }

  async ping(): Promise<void> {
    this.#open();
    const token = randomUUID();
    this.#sql.putMeta.run('ping', token);
    this.#checkpointer.committed();
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
    let fresh = false;
    if (mode === 'create') {
      const existing = this.#sql.expiry.get(kind, id);
      if (existing !== undefined && isLive(existing.expiresAt, now)) throw new AlreadyExistsError(kind, id);
      fresh = existing === undefined;
    }
    this.#store(kind, definition, id, text, expiresAt, now, fresh);
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
    const next = updater(JSON.parse(current.value));
    if (next === undefined) {
      this.#cache.forget(kind, id);
      this.#sql.delete.run(kind, id);
      return undefined;
    }
    const text = toJsonText(next);
    this.#store(kind, definition, id, text, expiresAt ?? current.expiresAt ?? undefined, now);
    return JSON.parse(text);
  };

  /**
   * Writes a record and replaces its index rows, once its unique values are known to be free.
   * `fresh`: no row had this id, so there are no old index rows to remove.
   */
  #store(kind: string, definition: KindDefinition<unknown>, id: string, text: string, expiresAt: number | undefined, now: number, fresh = false): void {
    const entries = indexEntries(definition, JSON.parse(text) as Json);
    this.#claim(kind, id, entries, now);
    this.#cache.forget(kind, id);
    this.#sql.upsert.run(kind, id, text, expiresAt ?? null);
    if (!fresh) this.#sql.deleteIndexes.run(kind, id);
    this.#insertIndexes(kind, id, entries);
  }

  #insertIndexes(kind: string, id: string, entries: readonly IndexEntry[]): void {
    for (const { index, value, unique } of entries) this.#sql.insertIndex.run(kind, id, index, value, unique ? 1 : 0);
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
      if (isLive(owner.expiresAt, now)) throw new AlreadyExistsError(kind, id, index);
      this.#cache.forget(kind, owner.id);
      this.#sql.delete.run(kind, owner.id);
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
          this.#sql.deleteKindIndexes.run(kind);
          for (const { id, value, expiresAt } of this.#sql.allOfKind.all(kind)) {
            if (!isLive(expiresAt, now)) continue;
            const entries = indexEntries(definition, JSON.parse(value) as Json);
            this.#claim(kind, id, entries, now);
            this.#insertIndexes(kind, id, entries);
          }
          this.#sql.putMeta.run(key, declared);
        }
      })
      .immediate();
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
 * checkpoint every CHECKPOINT_EVERY commits instead; it starts with the first request, so a
 * store that is barely written never starts one. The main connection keeps a much higher
 * automatic threshold in case the worker falls behind, and SQLite's default if it fails.
 */
class Checkpointer {
  readonly #db: Database.Database;
  readonly #file: string;
  #worker: Worker | undefined;
  #exited: Promise<unknown> = Promise.resolve();
  #commits = 0;
  #disabled = false;

  constructor(db: Database.Database, file: string) {
    this.#db = db;
    this.#file = file;
    db.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
  }

  committed(): void {
    if (this.#disabled || ++this.#commits < CHECKPOINT_EVERY) return;
    this.#commits = 0;
    (this.#worker ?? this.#start())?.postMessage('checkpoint');
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
