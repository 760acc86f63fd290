/**
 * Storage held in memory: the reference semantics of the contract, used by tests and as the base
 * of LowdbStorage, which persists each change before it becomes visible.
 *
 * The committed state is never mutated. A change works on a draft that copies a kind's records on
 * first write, so a change that throws half-way leaves nothing behind, and reads never see a
 * change that has not been committed. Index lookups scan the kind: obviously correct, and fast
 * enough for tests and configuration-sized data.
 */
import { AlreadyExistsError, NotFoundError, StorageClosedError } from './errors.js';
import {
  checkId,
  checkIndexValue,
  checkInstant,
  compareIds,
  copyJson,
  expiryOf,
  indexEntries,
  indexOf,
  indexValues,
  isLive,
  kindOf,
  listOptionsOf,
  toJsonText,
  type Clock,
} from './contract.js';
import type { Entry, Json, KindDefinition, ListOptions, Schema, Storage, Updater, WriteOptions } from './types.js';

/** A stored record: its value as JSON would read it back, and its expiry. */
export interface Row {
  readonly value: Json;
  readonly expiresAt?: number;
}

/** Records by kind, then by id. */
export type State = ReadonlyMap<string, ReadonlyMap<string, Row>>;

export interface MemoryOptions {
  /** The clock that decides what has expired and what `gc()` removes; Date.now by default. */
  readonly now?: Clock;
}

export class MemoryStorage implements Storage {
  /** The committed records: what every read sees. */
  protected state: State = new Map();
  readonly #schema: Schema;
  readonly #now: Clock;
  #closed = false;

  constructor(schema: Schema, options: MemoryOptions = {}) {
    this.#schema = schema;
    this.#now = options.now ?? Date.now;
  }

  async get<T>(kind: string, id: string): Promise<T | undefined> {
    this.#kind(kind);
    checkId(id);
    const row = this.state.get(kind)?.get(id);
    return row && isLive(row.expiresAt, this.#now()) ? (copyJson(row.value) as T) : undefined;
  }

  async create<T>(kind: string, id: string, value: T, options?: WriteOptions): Promise<void> {
    await this.#write('create', kind, id, value, options);
  }

  async put<T>(kind: string, id: string, value: T, options?: WriteOptions): Promise<void> {
    await this.#write('put', kind, id, value, options);
  }

  async update<T>(kind: string, id: string, updater: Updater<T>, options?: WriteOptions): Promise<T | undefined> {
    const definition = this.#kind(kind);
    checkId(id);
    const expiresAt = expiryOf(options);
    return this.change((draft, now) => {
      const current = draft.get(kind, id);
      if (current === undefined || !isLive(current.expiresAt, now)) throw new NotFoundError(kind, id);
      const next = updater(copyJson(current.value) as T);
      if (next === undefined) {
        draft.delete(kind, id);
        return undefined;
      }
      const row = rowOf(next, expiresAt ?? current.expiresAt);
      store(draft, kind, definition, id, row, now);
      return copyJson(row.value) as T;
    });
  }

  async delete(kind: string, id: string): Promise<boolean> {
    this.#kind(kind);
    checkId(id);
    return this.change((draft, now) => {
      const existing = draft.get(kind, id);
      draft.delete(kind, id);
      return existing !== undefined && isLive(existing.expiresAt, now);
    });
  }

  async list<T>(kind: string, options?: ListOptions): Promise<Array<Entry<T>>> {
    this.#kind(kind);
    const { prefix, limit } = listOptionsOf(options);
    return this.#entries<T>(kind, (id) => id.startsWith(prefix)).slice(0, limit).map(copyEntry);
  }

  async findBy<T>(kind: string, index: string, value: string): Promise<Array<Entry<T>>> {
    const definition = indexOf(kind, this.#kind(kind), index);
    checkIndexValue(value);
    return this.#entries<T>(kind, (_, row) => indexValues(index, definition, row.value).includes(value)).map(copyEntry);
  }

  async gc(now = this.#now()): Promise<number> {
    this.#open();
    checkInstant(now);
    return this.change((draft) => {
      let removed = 0;
      for (const [kind, rows] of draft.base) {
        for (const [id, row] of rows) {
          if (!isLive(row.expiresAt, now)) {
            draft.delete(kind, id);
            removed++;
          }
        }
      }
      return removed;
    });
  }

  async ping(): Promise<void> {
    this.#open();
  }

  /** Idempotent: closing twice resolves. */
  async close(): Promise<void> {
    this.#closed = true;
  }

  #write(mode: 'create' | 'put', kind: string, id: string, value: unknown, options: WriteOptions | undefined): Promise<void> {
    const definition = this.#kind(kind);
    checkId(id);
    const row = rowOf(value, expiryOf(options));
    return this.change((draft, now) => {
      const existing = draft.get(kind, id);
      if (mode === 'create' && existing !== undefined && isLive(existing.expiresAt, now)) throw new AlreadyExistsError(kind, id);
      store(draft, kind, definition, id, row, now);
    });
  }

  /**
   * Applies a change to a draft of the committed state and commits the draft if it changed.
   * `apply` runs synchronously and may throw, which discards the draft.
   */
  protected async change<R>(apply: (draft: Draft, now: number) => R): Promise<R> {
    const draft = new Draft(this.state);
    const result = apply(draft, this.#now());
    if (draft.changed) await this.commit(draft.result());
    return result;
  }

  /** Makes a changed state the committed one. LowdbStorage writes it to disk first. */
  protected async commit(next: State): Promise<void> {
    this.state = next;
  }

  #open(): void {
    if (this.#closed) throw new StorageClosedError();
  }

  #kind(kind: string): KindDefinition<unknown> {
    this.#open();
    return kindOf(this.#schema, kind);
  }

  /** Live records of a kind that pass `keep`, sorted by id; values not yet copied. */
  #entries<T>(kind: string, keep: (id: string, row: Row) => boolean): Array<Entry<T>> {
    const now = this.#now();
    const entries: Array<Entry<T>> = [];
    for (const [id, row] of this.state.get(kind) ?? []) {
      if (isLive(row.expiresAt, now) && keep(id, row)) entries.push(entryOf(id, row));
    }
    return entries.sort((a, b) => compareIds(a.id, b.id));
  }
}

/** The committed state plus the writes of one change; a kind's records are copied on first write. */
class Draft {
  readonly #copies = new Map<string, Map<string, Row>>();

  constructor(readonly base: State) {}

  get changed(): boolean {
    return this.#copies.size > 0;
  }

  get(kind: string, id: string): Row | undefined {
    return this.rows(kind).get(id);
  }

  rows(kind: string): ReadonlyMap<string, Row> {
    return this.#copies.get(kind) ?? this.base.get(kind) ?? new Map();
  }

  set(kind: string, id: string, row: Row): void {
    this.#writable(kind).set(id, row);
  }

  delete(kind: string, id: string): void {
    if (this.rows(kind).has(id)) this.#writable(kind).delete(id);
  }

  result(): State {
    return new Map([...this.base, ...this.#copies]);
  }

  #writable(kind: string): Map<string, Row> {
    let rows = this.#copies.get(kind);
    if (rows === undefined) {
      rows = new Map(this.base.get(kind));
      this.#copies.set(kind, rows);
    }
    return rows;
  }
}

export type { Draft };

/** Stores a row once no other live record holds one of its unique index values. */
function store(draft: Draft, kind: string, definition: KindDefinition<unknown>, id: string, row: Row, now: number): void {
  const claims = indexEntries(definition, row.value).filter((entry) => entry.unique);
  if (claims.length > 0) {
    for (const [otherId, other] of draft.rows(kind)) {
      if (otherId === id || !isLive(other.expiresAt, now)) continue;
      const held = indexEntries(definition, other.value);
      const clash = claims.find((claim) => held.some((entry) => entry.index === claim.index && entry.value === claim.value));
      if (clash) throw new AlreadyExistsError(kind, id, clash.index);
    }
  }
  draft.set(kind, id, row);
}

/** A row holding the value exactly as JSON would read it back. */
function rowOf(value: unknown, expiresAt: number | undefined): Row {
  const json = JSON.parse(toJsonText(value)) as Json;
  return expiresAt === undefined ? { value: json } : { value: json, expiresAt };
}

function entryOf<T>(id: string, row: Row): Entry<T> {
  const value = row.value as T;
  return row.expiresAt === undefined ? { id, value } : { id, value, expiresAt: row.expiresAt };
}

function copyEntry<T>(entry: Entry<T>): Entry<T> {
  return { ...entry, value: copyJson(entry.value as Json) as T };
}
