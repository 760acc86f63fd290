/**
 * Storage that routes each kind to the backend holding it: configuration kinds to lowdb, state
 * kinds to SQLite. A record's operations go to its kind's backend; gc, ping and close go to every
 * backend once. The composite owns its backends: closing it closes them.
 */
import { StorageClosedError, UnknownKindError } from './errors.js';
import type { Entry, ListOptions, Storage, Updater, WriteOptions } from './types.js';

export class CompositeStorage implements Storage {
  readonly #routes: ReadonlyMap<string, Storage>;
  readonly #backends: readonly Storage[];
  #closed = false;

  /** `routes` maps each kind to its backend; one backend may serve several kinds. */
  constructor(routes: Readonly<Record<string, Storage>>) {
    this.#routes = new Map(Object.entries(routes));
    this.#backends = [...new Set(this.#routes.values())];
  }

  async get<T>(kind: string, id: string): Promise<T | undefined> {
    return this.#route(kind).get<T>(kind, id);
  }

  async create<T>(kind: string, id: string, value: T, options?: WriteOptions): Promise<void> {
    return this.#route(kind).create(kind, id, value, options);
  }

  async put<T>(kind: string, id: string, value: T, options?: WriteOptions): Promise<void> {
    return this.#route(kind).put(kind, id, value, options);
  }

  async update<T>(kind: string, id: string, updater: Updater<T>, options?: WriteOptions): Promise<T | undefined> {
    return this.#route(kind).update(kind, id, updater, options);
  }

  async delete(kind: string, id: string): Promise<boolean> {
    return this.#route(kind).delete(kind, id);
  }

  async list<T>(kind: string, options?: ListOptions): Promise<Array<Entry<T>>> {
    return this.#route(kind).list<T>(kind, options);
  }

  async findBy<T>(kind: string, index: string, value: string): Promise<Array<Entry<T>>> {
    return this.#route(kind).findBy<T>(kind, index, value);
  }

  /** Without `now`, each backend judges expiry by its own clock. */
  async gc(now?: number): Promise<number> {
    this.#open();
    const removed = await Promise.all(this.#backends.map((backend) => backend.gc(now)));
    return removed.reduce((sum, count) => sum + count, 0);
  }

  async ping(): Promise<void> {
    this.#open();
    await Promise.all(this.#backends.map((backend) => backend.ping()));
  }

  /** Closes every backend even when one fails, then rejects with the first failure. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const results = await Promise.allSettled(this.#backends.map((backend) => backend.close()));
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
  }

  #open(): void {
    if (this.#closed) throw new StorageClosedError();
  }

  #route(kind: string): Storage {
    this.#open();
    const backend = this.#routes.get(kind);
    if (backend === undefined) throw new UnknownKindError(String(kind));
    return backend;
  }
}
