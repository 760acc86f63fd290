/**
 * Storage in PostgreSQL (node-postgres), shared by every replica of a cluster: all kinds —
 * configuration and state — live in one generic layout (postgres_migrations.ts), so a kind added
 * to the schema in code needs no database change.
 *
 * Cluster rules this class keeps:
 * - Each write is one transaction. `update` reads with `SELECT … FOR UPDATE`, so updates of one
 *   record arriving at different replicas at once are serialised by the row lock: none is lost, and
 *   use counters stay exact across the cluster.
 * - A unique index value taken by a concurrent writer surfaces as a unique violation; the
 *   transaction is retried once so the clash is reported as AlreadyExistsError naming the index.
 * - Calls on the same record from this process apply in the order they were made (a per-record
 *   queue), as they do on the embedded backends; calls on different records run in parallel over
 *   the pool.
 * - Writes to the kinds named in `notifyKinds` send a NOTIFY inside their transaction (so only
 *   committed changes are announced); ChangeListener (postgres_changes.ts) delivers them to caches.
 * - A lost or refused database connection rejects with StorageUnavailableError, which the HTTP
 *   layer answers with 503; the pool reconnects by itself when the database returns.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { AlreadyExistsError, NotFoundError, StorageClosedError, StorageError, StorageUnavailableError } from './errors.js';
import {
  checkId,
  checkIndexValue,
  checkInstant,
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
import type { Change, ChangeListener } from './cluster.js';
import { ChangeFeed } from './postgres_changes.js';
import { migrate } from './postgres_migrations.js';
import { CHANGE_CHANNEL, checkSchemaName, type PostgresBackend, type PostgresStats } from './postgres_names.js';
import type { Entry, Json, KindDefinition, ListOptions, Schema, Storage, Updater, WriteOptions } from './types.js';

export interface PostgresOptions {
  /** `postgres://user:password@host:port/database?sslmode=verify-full&sslrootcert=…` */
  readonly url: string;
  /** PostgreSQL schema holding Lanyard's tables (created when absent); `public` by default. */
  readonly schema?: string;
  /** Connections in the pool (default 10). Each replica holds at most this many, plus one listener. */
  readonly poolSize?: number;
  /** Server-side statement timeout in milliseconds (default 5000; 0 disables). */
  readonly statementTimeoutMs?: number;
  /** How long a call waits for a connection before failing with StorageUnavailableError (default 5000). */
  readonly connectTimeoutMs?: number;
  /** Apply pending migrations at open (default). `false`: refuse a schema that is not current. */
  readonly migrate?: boolean;
  /** Kinds whose writes are announced with NOTIFY for cross-replica cache invalidation. */
  readonly notifyKinds?: readonly string[];
  readonly now?: Clock;
  /** Told about pool-level connection errors (idle connections the server closed). */
  readonly onError?: (error: Error) => void;
  /** Open a listening session for `watch` (default true when `notifyKinds` is not empty). */
  readonly listen?: boolean;
}

export { StorageUnavailableError };


/** Connections for advisory-lock holders (separate from the pool): distinct locks held at once. */
const LOCK_CONNECTIONS = 4;

/** Cached read results per kind before the kind's cache starts over. */
const MAX_CACHED_PER_KIND = 10_000;

/**
 * What a retry from the start resolves: a unique value taken by a concurrent writer (the retry
 * sees it and reports the clash), a deadlock, a serialisation failure.
 */
const RETRYABLE = new Set(['23505', '40P01', '40001']);

/** Largest id sent in a NOTIFY payload (PostgreSQL caps payloads near 8000 bytes). */
const MAX_NOTIFIED_ID = 2000;

interface RecordRow {
  readonly id: string;
  readonly value: string;
  readonly expiresAt: number | null;
}

type Queryable = pg.Pool | pg.PoolClient;

const LIVE = '(expires_at IS NULL OR expires_at > $NOW)';

export class PostgresStorage implements Storage, PostgresBackend {
  /** What `isPostgresStorage` recognises without loading the driver. */
  readonly backend = 'postgres';
  readonly #pool: pg.Pool;
  /**
   * Connections that hold advisory locks, apart from the main pool: a lock holder's work needs
   * connections of its own, and holders must never be able to take all of them.
   */
  readonly #lockPool: pg.Pool;
  readonly #lockQueues = new Map<string, Promise<unknown>>();
  readonly #schema: Schema;
  readonly #schemaName: string;
  readonly #now: Clock;
  readonly #notify: ReadonlySet<string>;
  /** Tail of the queue of calls on each record, keyed by kind and id. */
  readonly #queues = new Map<string, Promise<unknown>>();
  /** Every call in progress, so close() can let them finish. */
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #feed: ChangeFeed | undefined;
  /** Listeners told at once about this replica's own committed changes. */
  readonly #local = new Set<ChangeListener>();
  /**
   * Read results of the announced kinds (configuration: read on every request, rarely written),
   * by kind, then by query. Kept only while the LISTEN session is up, emptied for a kind on every
   * change to it (this replica's at once, the others' on their NOTIFY), and never filled by a read
   * that a change overtook (the generation check). Results holding an expiring record are not kept.
   */
  readonly #cache = new Map<string, Map<string, readonly RecordRow[]>>();
  #generation = 0;
  #closed = false;
  /** Marks this replica's notifications, so its own change feed skips them (see #emitLocal). */
  readonly #origin = randomUUID();

  private constructor(pool: pg.Pool, schema: Schema, options: PostgresOptions) {
    this.#pool = pool;
    this.#lockPool = new pg.Pool({ ...PostgresStorage.clientConfig(options), max: LOCK_CONNECTIONS, idleTimeoutMillis: 10_000 });
    this.#lockPool.on('error', (error) => options.onError?.(error));
    const listen = options.listen ?? (options.notifyKinds ?? []).length > 0;
    this.#feed = listen
      ? new ChangeFeed({
          client: PostgresStorage.clientConfig(options),
          schema: options.schema ?? 'public',
          ownOrigin: this.#origin,
          ...(options.onError ? { onError: options.onError } : {}),
        })
      : undefined;
    this.#feed?.subscribe((change) => this.#invalidate(change));
    this.#schema = schema;
    this.#schemaName = options.schema ?? 'public';
    this.#now = options.now ?? Date.now;
    this.#notify = new Set(options.notifyKinds ?? []);
  }

  /** The pool options every connection of a replica shares (also used by the change listener). */
  static clientConfig(options: PostgresOptions): pg.PoolConfig {
    const schema = options.schema ?? 'public';
    checkSchemaName(schema);
    const statementTimeout = options.statementTimeoutMs ?? 5000;
    return {
      connectionString: options.url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      // Every connection resolves unqualified table names in Lanyard's schema.
      options: `-c search_path=${schema} -c statement_timeout=${statementTimeout}`,
      application_name: 'lanyard',
      keepAlive: true,
    };
  }

  /** Connects, creates the schema when absent, migrates it and rebuilds changed index rows. */
  static async open(schema: Schema, options: PostgresOptions): Promise<PostgresStorage> {
    const pool = new pg.Pool(PostgresStorage.clientConfig(options));
    // An idle connection dropped by the server emits here; without a listener it would crash the process.
    pool.on('error', (error) => options.onError?.(error));
    try {
      const client = await connect(pool);
      try {
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(options.schema ?? 'public')}`).catch(async (error: unknown) => {
          // Replicas starting together race on CREATE SCHEMA IF NOT EXISTS; the loser sees it exist.
          if ((error as { code?: string }).code !== '23505' && (error as { code?: string }).code !== '42P06') throw error;
        });
        await migrate(client, options.migrate ?? true);
      } finally {
        client.release();
      }
      const storage = new PostgresStorage(pool, schema, options);
      try {
        await storage.#rebuildChangedIndexes();
        await storage.#feed?.start();
      } catch (error) {
        await storage.close().catch(() => undefined);
        throw error;
      }
      return storage;
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw unavailable(error);
    }
  }

  /**
   * Applies pending migrations and nothing else (`lanyard operator migrate`); resolves to the
   * versions before and after. Refuses a schema newer than this release knows.
   */
  static async migrateOnly(options: PostgresOptions): Promise<{ from: number; to: number }> {
    const pool = new pg.Pool({ ...PostgresStorage.clientConfig(options), max: 1 });
    pool.on('error', (error) => options.onError?.(error));
    try {
      const client = await connect(pool);
      try {
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(options.schema ?? 'public')}`);
        return await migrate(client, true);
      } finally {
        client.release();
      }
    } catch (error) {
      throw unavailable(error);
    } finally {
      await pool.end().catch(() => undefined);
    }
  }

  /** The schema this storage lives in (the change listener filters notifications by it). */
  get schemaName(): string {
    return this.#schemaName;
  }

  get<T>(kind: string, id: string): Promise<T | undefined> {
    return this.#get<T>(this.#pool, kind, id, true);
  }

  async create<T>(kind: string, id: string, value: T, options?: WriteOptions): Promise<void> {
    const write = this.#prepareWrite(kind, id, value, options);
    await this.#serial(kind, id, () => this.#retrying(() => write(this.#pool, 'create')));
  }

  async put<T>(kind: string, id: string, value: T, options?: WriteOptions): Promise<void> {
    const write = this.#prepareWrite(kind, id, value, options);
    await this.#serial(kind, id, () => this.#retrying(() => write(this.#pool, 'upsert')));
  }

  async update<T>(kind: string, id: string, updater: Updater<T>, options?: WriteOptions): Promise<T | undefined> {
    const definition = this.#kind(kind);
    checkRecordId(id);
    const expiresAt = expiryOf(options);
    return this.#serial(kind, id, () => this.#transaction((client) => this.#updateOn(client, definition, kind, id, updater, expiresAt)));
  }

  async delete(kind: string, id: string): Promise<boolean> {
    this.#kind(kind);
    checkRecordId(id);
    return this.#serial(kind, id, () =>
      this.#notify.has(kind) ? this.#transaction((client) => this.#deleteOn(client, kind, id)) : this.#track(() => this.#deleteOn(this.#pool, kind, id)),
    );
  }

  list<T>(kind: string, options?: ListOptions): Promise<Array<Entry<T>>> {
    return this.#list<T>(this.#pool, kind, options, true);
  }

  findBy<T>(kind: string, index: string, value: string): Promise<Array<Entry<T>>> {
    return this.#findBy<T>(this.#pool, kind, index, value, true);
  }

  /**
   * Runs `work` as one transaction holding the cluster lock `name` until it ends: every call on
   * `tx` commits together or not at all, and no other replica's `withLock` or `transaction` of
   * the same name runs meanwhile. `work` may run again from the start when the transaction meets
   * a concurrent writer (see #transaction), so it must do nothing but storage calls on `tx`; calls
   * on this storage itself from inside `work` would wait for the transaction's own row locks.
   */
  async transaction<R>(name: string, work: (tx: Storage) => Promise<R>): Promise<R> {
    this.#open();
    const changed = new Map<string, { kind: string; id: string }>();
    const result = await this.#transaction(async (client) => {
      changed.clear();
      await this.#query(client, 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`${this.#schemaName}:${name}`]);
      return work(this.#transactionView(client, (kind, id) => void changed.set(`${kind}\u0000${id}`, { kind, id })));
    });
    for (const { kind, id } of changed.values()) if (this.#notify.has(kind)) this.#emitLocal(kind, id);
    return result;
  }

  /** The Storage calls of one transaction, all on its connection; nothing cached. */
  #transactionView(client: pg.PoolClient, wrote: (kind: string, id: string) => void): Storage {
    const outside = (what: string) => (): Promise<never> => Promise.reject(new TypeError(`${what} is not available inside a storage transaction`));
    const written = async <R>(kind: string, id: string, write: () => Promise<R>): Promise<R> => {
      const result = await write();
      wrote(kind, id);
      return result;
    };
    return {
      get: (kind, id) => this.#get(client, kind, id, false),
      create: (kind, id, value, options) => written(kind, id, () => this.#prepareWrite(kind, id, value, options)(client, 'create')),
      put: (kind, id, value, options) => written(kind, id, () => this.#prepareWrite(kind, id, value, options)(client, 'upsert')),
      update: <T>(kind: string, id: string, updater: Updater<T>, options?: WriteOptions): Promise<T | undefined> => {
        const definition = this.#kind(kind);
        checkRecordId(id);
        return written(kind, id, () => this.#updateOn(client, definition, kind, id, updater, expiryOf(options)));
      },
      delete: (kind, id) => {
        this.#kind(kind);
        checkRecordId(id);
        return written(kind, id, () => this.#deleteOn(client, kind, id));
      },
      list: (kind, options) => this.#list(client, kind, options, false),
      findBy: (kind, index, value) => this.#findBy(client, kind, index, value, false),
      gc: outside('gc'),
      ping: outside('ping'),
      close: outside('close'),
    };
  }

  async #get<T>(q: Queryable, kind: string, id: string, cached: boolean): Promise<T | undefined> {
    this.#kind(kind);
    checkRecordId(id);
    const read = async (): Promise<RecordRow[]> =>
      (
        await this.#query<RecordRow>(
          q,
          `SELECT id, value, expires_at AS "expiresAt" FROM lanyard_records WHERE kind = $1 AND id = $2 AND ${LIVE.replace('$NOW', '$3')}`,
          [kind, id, this.#now()],
        )
      ).rows;
    const [row] = cached ? await this.#cachedRows(kind, `get\u0000${id}`, read) : await read();
    return row && (JSON.parse(row.value) as T);
  }

  async #list<T>(q: Queryable, kind: string, options: ListOptions | undefined, cached: boolean): Promise<Array<Entry<T>>> {
    this.#kind(kind);
    const { prefix, limit } = listOptionsOf(options);
    if (prefix.includes('\u0000') || limit === 0) return [];
    const read = async (): Promise<RecordRow[]> =>
      (
        await this.#query<RecordRow>(
          q,
          `SELECT id, value, expires_at AS "expiresAt" FROM lanyard_records
           WHERE kind = $1 AND id >= $2 AND starts_with(id, $2) AND ${LIVE.replace('$NOW', '$3')}
           ORDER BY id ${limit === Infinity ? '' : 'LIMIT $4'}`,
          limit === Infinity ? [kind, prefix, this.#now()] : [kind, prefix, this.#now(), limit],
        )
      ).rows;
    const rows = cached ? await this.#cachedRows(kind, `list\u0000${limit}\u0000${prefix}`, read) : await read();
    return rows.map((row) => entryOf<T>(row));
  }

  async #findBy<T>(q: Queryable, kind: string, index: string, value: string, cached: boolean): Promise<Array<Entry<T>>> {
    indexOf(kind, this.#kind(kind), index);
    checkIndexValue(value);
    if (value.includes('\u0000')) return [];
    const read = async (): Promise<RecordRow[]> =>
      (
        await this.#query<RecordRow>(
          q,
          `SELECT r.id, r.value, r.expires_at AS "expiresAt" FROM lanyard_record_indexes i
           JOIN lanyard_records r ON r.kind = i.kind AND r.id = i.id
           WHERE i.kind = $1 AND i.index_name = $2 AND i.value = $3 AND ${LIVE.replace('$NOW', '$4').replaceAll('expires_at', 'r.expires_at')}
           ORDER BY r.id`,
          [kind, index, value, this.#now()],
        )
      ).rows;
    const rows = cached ? await this.#cachedRows(kind, `find\u0000${index}\u0000${value}`, read) : await read();
    return rows.map((row) => entryOf<T>(row));
  }

  /** Checks a create or put and serialises its value now; the returned call writes it. */
  #prepareWrite(kind: string, id: string, value: unknown, options: WriteOptions | undefined): (q: Queryable, mode: 'create' | 'upsert') => Promise<void> {
    const definition = this.#kind(kind);
    checkRecordId(id);
    const text = toJsonText(value);
    const expiresAt = expiryOf(options);
    const entries = entriesOf(definition, text);
    return (q, mode) => this.#write(q, kind, id, text, expiresAt, entries, mode);
  }

  /** Read-modify-write inside a transaction on `client`. */
  async #updateOn<T>(
    client: pg.PoolClient,
    definition: KindDefinition<unknown>,
    kind: string,
    id: string,
    updater: Updater<T>,
    expiresAt: number | undefined,
  ): Promise<T | undefined> {
    const now = this.#now();
    // The row lock serialises this read-modify-write against every other replica's.
    const { rows } = await this.#query<Omit<RecordRow, 'id'>>(
      client,
      `SELECT value, expires_at AS "expiresAt" FROM lanyard_records WHERE kind = $1 AND id = $2 AND ${LIVE.replace('$NOW', '$3')} FOR UPDATE`,
      [kind, id, now],
    );
    const current = rows[0];
    if (current === undefined) throw new NotFoundError(kind, id);
    const next = updater(JSON.parse(current.value) as T);
    if (next === undefined) {
      await this.#query(client, 'DELETE FROM lanyard_records WHERE kind = $1 AND id = $2', [kind, id]);
      await this.#announce(client, kind, id);
      return undefined;
    }
    const text = toJsonText(next);
    await this.#write(client, kind, id, text, expiresAt ?? current.expiresAt ?? undefined, entriesOf(definition, text), 'upsert', now);
    return JSON.parse(text) as T;
  }

  async #deleteOn(q: Queryable, kind: string, id: string): Promise<boolean> {
    const { rows } = await this.#query<{ expiresAt: number | null }>(
      q,
      'DELETE FROM lanyard_records WHERE kind = $1 AND id = $2 RETURNING expires_at AS "expiresAt"',
      [kind, id],
    );
    if (rows[0] === undefined) return false;
    await this.#announce(q, kind, id);
    return isLive(rows[0].expiresAt, this.#now());
  }

  /** Safe on every replica at once: each expired row is deleted by exactly one of them. */
  async gc(now = this.#now()): Promise<number> {
    this.#open();
    checkInstant(now);
    return this.#track(async () => {
      const result = await this.#query(this.#pool, 'DELETE FROM lanyard_records WHERE expires_at <= $1', [now]);
      return result.rowCount ?? 0;
    });
  }

  /** A write and a read of one row: proves the connection, the schema and write permission. */
  async ping(): Promise<void> {
    this.#open();
    const token = randomUUID();
    await this.#track(async () => {
      const { rows } = await this.#query<{ value: string }>(
        this.#pool,
        `INSERT INTO lanyard_meta (key, value) VALUES ('ping', $1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value RETURNING value`,
        [token],
      );
      if (rows[0]?.value !== token) throw new StorageError('ping read back a different value');
    });
  }

  /**
   * Runs `work` while holding a cluster-wide lock of this name (a session advisory lock on a
   * connection of its own): one replica at a time, and released by PostgreSQL if the holder dies.
   */
  withLock<R>(name: string, work: () => Promise<R>): Promise<R> {
    this.#open();
    // Callers of one lock in this process queue here first, so each lock name holds at most one
    // connection of the lock pool however many callers wait for it.
    const previous = this.#lockQueues.get(name) ?? Promise.resolve();
    const run = previous.then(() => this.#locked(name, work));
    const tail = run.catch(() => undefined);
    this.#lockQueues.set(name, tail);
    void tail.then(() => {
      if (this.#lockQueues.get(name) === tail) this.#lockQueues.delete(name);
    });
    return run;
  }

  async #locked<R>(name: string, work: () => Promise<R>): Promise<R> {
    const client = await this.#track(() => connect(this.#lockPool));
    let broken = false;
    try {
      await this.#query(client, 'SELECT pg_advisory_lock(hashtextextended($1, 0))', [`${this.#schemaName}:${name}`]);
      try {
        return await work();
      } finally {
        await this.#query(client, 'SELECT pg_advisory_unlock(hashtextextended($1, 0))', [`${this.#schemaName}:${name}`]).catch(() => {
          broken = true;
        });
      }
    } finally {
      // A connection whose unlock failed may still hold the lock: destroy it so PostgreSQL frees it.
      client.release(broken || undefined);
    }
  }

  /**
   * Calls `listener` after each committed change to a kind in `notifyKinds`: at once for this
   * replica's own writes, through LISTEN for the others', and with `all` whenever the listening
   * session (re)connects or is lost, since changes may have been missed.
   */
  watch(listener: ChangeListener): () => void {
    this.#local.add(listener);
    const unsubscribe = this.#feed?.subscribe(listener);
    return () => {
      this.#local.delete(listener);
      unsubscribe?.();
    };
  }

  /**
   * Figures for operators: the pool, the listening session, and how full PostgreSQL's cluster-wide
   * notification queue is (a wedged listener anywhere makes it grow and eventually blocks writers).
   */
  async stats(): Promise<PostgresStats> {
    this.#open();
    const { rows } = await this.#track(() => this.#query<{ usage: number }>(this.#pool, 'SELECT pg_notification_queue_usage() AS usage'));
    return {
      pool: { total: this.#pool.totalCount, idle: this.#pool.idleCount, waiting: this.#pool.waitingCount },
      listening: this.#feed?.connected,
      notification_queue_usage: Number(rows[0]?.usage ?? 0),
    };
  }

  /** Whether the listening session is connected (undefined without one). */
  get listening(): boolean | undefined {
    return this.#feed?.connected;
  }

  /** Lets calls in progress finish, then closes the pool. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#inFlight]);
    await this.#feed?.close();
    await this.#lockPool.end().catch(() => undefined);
    await this.#pool.end().catch(() => undefined);
  }

  /** Settings and values private to the cluster (key-check value, init markers). */
  async readMeta(key: string): Promise<string | undefined> {
    this.#open();
    return this.#track(async () => {
      const { rows } = await this.#query<{ value: string }>(this.#pool, 'SELECT value FROM lanyard_meta WHERE key = $1', [key]);
      return rows[0]?.value;
    });
  }

  /** Stores a meta value unless one exists; resolves to the value that is stored afterwards. */
  async claimMeta(key: string, value: string): Promise<string> {
    this.#open();
    return this.#track(async () => {
      await this.#query(this.#pool, 'INSERT INTO lanyard_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, value]);
      const { rows } = await this.#query<{ value: string }>(this.#pool, 'SELECT value FROM lanyard_meta WHERE key = $1', [key]);
      if (rows[0] === undefined) throw new StorageError(`meta value ${key} vanished`);
      return rows[0].value;
    });
  }

  /**
   * Writes the record, its index rows and its change notification in one call of the server-side
   * function `lanyard_write` (postgres_migrations.ts): one round trip, atomic on its own or inside
   * an update's transaction. Clashes come back as outcomes and become AlreadyExistsError.
   */
  async #write(
    client: Queryable,
    kind: string,
    id: string,
    text: string,
    expiresAt: number | undefined,
    entries: readonly IndexEntry[],
    mode: 'create' | 'upsert',
    now = this.#now(),
  ): Promise<void> {
    const { rows } = await this.#query<{ outcome: string | null }>(
      client,
      'SELECT lanyard_write($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) AS outcome',
      [
        kind,
        id,
        text,
        expiresAt ?? null,
        mode,
        now,
        entries.map((e) => e.index),
        entries.map((e) => e.value),
        entries.map((e) => e.unique),
        this.#notify.has(kind) ? this.#payload(kind, id) : null,
      ],
    );
    const outcome = rows[0]?.outcome ?? null;
    if (outcome === 'exists') throw new AlreadyExistsError(kind, id);
    if (outcome !== null && outcome.startsWith('index:')) throw new AlreadyExistsError(kind, id, outcome.slice('index:'.length));
  }

  async #announce(client: Queryable, kind: string, id: string): Promise<void> {
    if (!this.#notify.has(kind)) return;
    await this.#query(client, 'SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, this.#payload(kind, id)]);
  }

  #payload(kind: string, id: string): string {
    return JSON.stringify({ s: this.#schemaName, k: kind, i: id.length > MAX_NOTIFIED_ID ? '' : id, o: this.#origin });
  }

  /** A single-statement write, retried like a transaction when a concurrent writer got in between. */
  async #retrying<R>(work: () => Promise<R>): Promise<R> {
    return this.#track(async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await work();
        } catch (error) {
          const code = (error as { code?: string }).code;
          if (attempt < 5 && code !== undefined && RETRYABLE.has(code)) continue;
          throw error;
        }
      }
    });
  }

  /**
   * Index rows are computed when a record is written, so a kind whose declared indexes changed
   * since the last open has its rows rebuilt, once for the cluster, under an advisory lock.
   */
  async #rebuildChangedIndexes(): Promise<void> {
    const declared = Object.keys(this.#schema).map((kind) => [kind, declaredIndexes(kindOf(this.#schema, kind))] as const);
    const stored = new Map(
      (await this.#query<{ key: string; value: string }>(this.#pool, "SELECT key, value FROM lanyard_meta WHERE key LIKE 'indexes:%'")).rows.map(
        (row) => [row.key, row.value],
      ),
    );
    const changed = declared.filter(([kind, text]) => stored.get(`indexes:${kind}`) !== text);
    if (changed.length === 0) return;
    await this.withLock('rebuild-indexes', () =>
      this.#transaction(async (client) => {
        const now = this.#now();
        for (const [kind, text] of changed) {
          const { rows: current } = await this.#query<{ value: string }>(client, 'SELECT value FROM lanyard_meta WHERE key = $1', [`indexes:${kind}`]);
          if (current[0]?.value === text) continue; // another replica rebuilt it while we waited
          const definition = kindOf(this.#schema, kind);
          await this.#query(client, 'DELETE FROM lanyard_record_indexes WHERE kind = $1', [kind]);
          const { rows } = await this.#query<RecordRow>(client, 'SELECT id, value, expires_at AS "expiresAt" FROM lanyard_records WHERE kind = $1 ORDER BY id', [kind]);
          for (const row of rows) {
            if (!isLive(row.expiresAt, now)) continue;
            await this.#write(client, kind, row.id, row.value, row.expiresAt ?? undefined, entriesOf(definition, row.value), 'upsert', now);
          }
          await this.#query(
            client,
            'INSERT INTO lanyard_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
            [`indexes:${kind}`, text],
          );
        }
      }),
    );
  }

  /**
   * Runs `work` in a transaction on a connection of its own. A unique violation (a concurrent
   * writer took a value between our check and our insert), a deadlock or a serialisation failure
   * is retried: the retry sees the other writer's commit and answers as if it came second.
   */
  async #transaction<R>(work: (client: pg.PoolClient) => Promise<R>): Promise<R> {
    return this.#track(async () => {
      for (let attempt = 1; ; attempt++) {
        const client = await connect(this.#pool);
        let broken = false;
        try {
          await client.query('BEGIN');
          const result = await work(client);
          await client.query('COMMIT');
          return result;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {
            broken = true;
          });
          const code = (error as { code?: string }).code;
          if (attempt < 5 && code !== undefined && RETRYABLE.has(code)) continue;
          throw unavailable(error);
        } finally {
          client.release(broken || undefined);
        }
      }
    });
  }

  async #query<R extends pg.QueryResultRow = pg.QueryResultRow>(client: Queryable, text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      return await client.query<R>(text, values);
    } catch (error) {
      throw unavailable(error);
    }
  }

  /** Calls on one record run in call order; the queue entry goes when the last call settles. */
  #serial<R>(kind: string, id: string, task: () => Promise<R>): Promise<R> {
    const key = `${kind}\u0000${id}`;
    const previous = this.#queues.get(key) ?? Promise.resolve();
    const run = previous.then(task).then((result) => {
      // Every call through here writes; tell this replica's caches before the caller continues.
      if (this.#notify.has(kind)) this.#emitLocal(kind, id);
      return result;
    });
    const tail = run.catch(() => undefined);
    this.#queues.set(key, tail);
    void tail.then(() => {
      if (this.#queues.get(key) === tail) this.#queues.delete(key);
    });
    return this.#track(() => run);
  }

  #emitLocal(kind: string, id: string): void {
    this.#invalidate({ kind, id });
    for (const listener of this.#local) {
      try {
        listener({ kind, id });
      } catch {
        // A cache's listener failing must not fail the write that already committed.
      }
    }
  }

  #invalidate(change: Change): void {
    this.#generation += 1;
    if (change === 'all') this.#cache.clear();
    else this.#cache.delete(change.kind);
  }

  /** The rows of a read, from the cache when it may be trusted (see #cache), else from the database. */
  async #cachedRows(kind: string, key: string, read: () => Promise<RecordRow[]>): Promise<readonly RecordRow[]> {
    const cacheable = this.#notify.has(kind) && this.#feed?.connected === true;
    if (cacheable) {
      const hit = this.#cache.get(kind)?.get(key);
      if (hit !== undefined) return hit;
    }
    const generation = this.#generation;
    const rows = await this.#track(read);
    if (cacheable && generation === this.#generation && this.#feed?.connected === true && rows.every((row) => row.expiresAt === null)) {
      let entries = this.#cache.get(kind);
      if (entries === undefined) this.#cache.set(kind, (entries = new Map()));
      if (entries.size >= MAX_CACHED_PER_KIND) entries.clear();
      entries.set(key, rows);
    }
    return rows;
  }

  #track<R>(task: () => Promise<R>): Promise<R> {
    const promise = task();
    this.#inFlight.add(promise);
    const done = (): void => void this.#inFlight.delete(promise);
    promise.then(done, done);
    return promise;
  }

  #open(): void {
    if (this.#closed) throw new StorageClosedError();
  }

  #kind(kind: string): KindDefinition<unknown> {
    this.#open();
    return kindOf(this.#schema, kind);
  }
}

/** A pooled connection, or StorageUnavailableError when none can be had. */
async function connect(pool: pg.Pool): Promise<pg.PoolClient> {
  try {
    return await pool.connect();
  } catch (error) {
    throw unavailable(error);
  }
}

/**
 * Connection-level failures (refused, reset, timed out, the server shutting down or out of
 * connections) become StorageUnavailableError; contract errors and SQL errors pass through.
 */
export function unavailable(error: unknown): unknown {
  if (error instanceof StorageError || error instanceof TypeError) return error;
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const connectionCodes = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '53300', '57014'];
  const lost =
    (typeof code === 'string' && (connectionCodes.includes(code) || code.startsWith('08'))) ||
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Cannot use a pool after calling end/i.test(message);
  return lost ? new StorageUnavailableError(`database unavailable: ${message}`, { cause: error }) : error;
}

/** A record id PostgreSQL text can hold: the contract's rules, and no U+0000. */
function checkRecordId(id: string): void {
  checkId(id);
  if (id.includes('\u0000')) throw new TypeError('a storage id cannot contain U+0000 in PostgreSQL');
}

function entriesOf(definition: KindDefinition<unknown>, text: string): IndexEntry[] {
  const entries = indexEntries(definition, JSON.parse(text) as Json);
  if (entries.some((e) => e.value.includes('\u0000'))) throw new TypeError('an index value cannot contain U+0000 in PostgreSQL');
  return entries;
}

function entryOf<T>({ id, value, expiresAt }: RecordRow): Entry<T> {
  const parsed = JSON.parse(value) as T;
  return expiresAt === null ? { id, value: parsed } : { id, value: parsed, expiresAt };
}

/** What a kind declares about its indexes: names and uniqueness (as in SQLite's meta). */
function declaredIndexes(definition: KindDefinition<unknown>): string {
  const names = Object.keys(definition.indexes ?? {}).sort();
  return JSON.stringify(names.map((name) => [name, definition.indexes?.[name]?.unique === true]));
}

function quoteIdent(name: string): string {
  checkSchemaName(name);
  return `"${name}"`;
}
