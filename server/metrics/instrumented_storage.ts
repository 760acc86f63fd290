/**
 * A Storage that times every operation of the one it wraps (lanyard_storage_operation_*). It
 * passes everything through unchanged, so any backend (lowdb, SQLite, PostgreSQL) is measured
 * the same way.
 */
import type { Entry, ListOptions, Storage, Updater, WriteOptions } from '../../storage/types.js';
import type { Metrics } from './metrics.js';

export class InstrumentedStorage implements Storage {
  constructor(
    readonly inner: Storage,
    private readonly metrics: Metrics,
  ) {}

  async #timed<T>(operation: string, kind: string, run: () => Promise<T>): Promise<T> {
    const end = this.metrics.storageDurationFor(operation, kind).startTimer();
    try {
      return await run();
    } catch (error) {
      this.metrics.storageErrors.inc({ operation, kind });
      throw error;
    } finally {
      end();
    }
  }

  get<T>(kind: string, id: string): Promise<T | undefined> {
    return this.#timed('get', kind, () => this.inner.get<T>(kind, id));
  }
  create<T>(kind: string, id: string, value: T, options?: WriteOptions): Promise<void> {
    return this.#timed('create', kind, () => this.inner.create(kind, id, value, options));
  }
  put<T>(kind: string, id: string, value: T, options?: WriteOptions): Promise<void> {
    return this.#timed('put', kind, () => this.inner.put(kind, id, value, options));
  }
  update<T>(kind: string, id: string, updater: Updater<T>, options?: WriteOptions): Promise<T | undefined> {
    return this.#timed('update', kind, () => this.inner.update(kind, id, updater, options));
  }
  delete(kind: string, id: string): Promise<boolean> {
    return this.#timed('delete', kind, () => this.inner.delete(kind, id));
  }
  list<T>(kind: string, options?: ListOptions): Promise<Array<Entry<T>>> {
    return this.#timed('list', kind, () => this.inner.list<T>(kind, options));
  }
  findBy<T>(kind: string, index: string, value: string): Promise<Array<Entry<T>>> {
    return this.#timed('find_by', kind, () => this.inner.findBy<T>(kind, index, value));
  }
  gc(now?: number): Promise<number> {
    return this.#timed('gc', '', () => this.inner.gc(now));
  }
  ping(): Promise<void> {
    return this.#timed('ping', '', () => this.inner.ping());
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
