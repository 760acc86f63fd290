/**
 * A Storage whose writes (or reads and writes) can be held for a moment: a snapshot holds writes
 * while it reads every kind, so it is one point in time of this server and holds every write
 * acknowledged before it began; a restore holds everything while it replaces the content. Calls
 * wait, they are not refused, and ones already under way finish before the hold begins.
 */
import type { Entry, ListOptions, Storage, Updater, WriteOptions } from '../../storage/types.js';

interface Hold {
  readonly reads: boolean;
  readonly done: Promise<void>;
}

export class GatedStorage implements Storage {
  readonly #active = { read: 0, write: 0 };
  #hold: Hold | undefined;
  #waiters: Array<() => void> = [];

  constructor(readonly inner: Storage) {}

  /**
   * Run `fn` against the wrapped store with writes held (and reads too when `reads`). One hold at
   * a time. `fn` must use the store it is given: calls through this one would wait for it.
   */
  async hold<T>(reads: boolean, fn: (store: Storage) => Promise<T>): Promise<T> {
    while (this.#hold) await this.#hold.done;
    let release!: () => void;
    this.#hold = { reads, done: new Promise<void>((resolve) => (release = resolve)) };
    try {
      while (this.#active.write > 0 || (reads && this.#active.read > 0)) await new Promise<void>((resolve) => this.#waiters.push(resolve));
      return await fn(this.inner);
    } finally {
      this.#hold = undefined;
      release();
    }
  }

  async #run<T>(kind: 'read' | 'write', op: () => Promise<T>): Promise<T> {
    while (this.#hold && (kind === 'write' || this.#hold.reads)) await this.#hold.done;
    this.#active[kind]++;
    try {
      return await op();
    } finally {
      this.#active[kind]--;
      // Every storage call passes here: nothing is allocated unless a hold is waiting.
      if (this.#waiters.length > 0) {
        const waiters = this.#waiters;
        this.#waiters = [];
        for (const wake of waiters) wake();
      }
    }
  }

  get<T>(kind: string, id: string): Promise<T | undefined> {
    return this.#run('read', () => this.inner.get<T>(kind, id));
  }
  create<T>(kind: string, id: string, value: T, options?: WriteOptions): Promise<void> {
    return this.#run('write', () => this.inner.create(kind, id, value, options));
  }
  put<T>(kind: string, id: string, value: T, options?: WriteOptions): Promise<void> {
    return this.#run('write', () => this.inner.put(kind, id, value, options));
  }
  update<T>(kind: string, id: string, updater: Updater<T>, options?: WriteOptions): Promise<T | undefined> {
    return this.#run('write', () => this.inner.update(kind, id, updater, options));
  }
  delete(kind: string, id: string): Promise<boolean> {
    return this.#run('write', () => this.inner.delete(kind, id));
  }
  list<T>(kind: string, options?: ListOptions): Promise<Array<Entry<T>>> {
    return this.#run('read', () => this.inner.list<T>(kind, options));
  }
  findBy<T>(kind: string, index: string, value: string): Promise<Array<Entry<T>>> {
    return this.#run('read', () => this.inner.findBy<T>(kind, index, value));
  }
  gc(now?: number): Promise<number> {
    return this.#run('write', () => this.inner.gc(now));
  }
  ping(): Promise<void> {
    return this.inner.ping();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
