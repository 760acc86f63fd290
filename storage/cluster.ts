/**
 * What a storage shared by several replicas offers beyond the Storage contract: a cluster-wide
 * lock and a feed of changes made by any replica. The embedded backends are one process's, so for
 * them the lock is a no-op (callers keep their in-process serialisation) and nothing ever changes
 * behind a cache's back: `watchChanges` never calls.
 */
import type { Storage } from './types.js';

/** One record changed (`id` '' when too long to announce), or `all`: assume anything changed. */
export type Change = { readonly kind: string; readonly id: string } | 'all';
export type ChangeListener = (change: Change) => void;

export interface ClusterStorage extends Storage {
  /** Runs `work` while no other replica holds the lock of the same name. */
  withLock<R>(name: string, work: () => Promise<R>): Promise<R>;
  /** Calls `listener` after every committed change another replica (or this one) announces. */
  watch(listener: ChangeListener): () => void;
  /**
   * Runs `work` as one transaction under the lock `name`: the writes made through `tx` commit
   * together or not at all. `work` may be run again from the start, so it must only call `tx`.
   */
  transaction<R>(name: string, work: (tx: Storage) => Promise<R>): Promise<R>;
}

export function isClusterStorage(storage: Storage): storage is ClusterStorage {
  const candidate = storage as Partial<ClusterStorage>;
  return typeof candidate.withLock === 'function' && typeof candidate.watch === 'function' && typeof candidate.transaction === 'function';
}

/** `work` under the cluster lock `name` when the storage is shared, else as it is. */
export function withClusterLock<R>(storage: Storage, name: string, work: () => Promise<R>): Promise<R> {
  return isClusterStorage(storage) ? storage.withLock(name, work) : work();
}

/**
 * Writes to several records that must land together (an entity's deletion with its group
 * memberships, an alias moving between entities): one transaction under the lock `name` on a
 * shared storage. The embedded backends are one process's, so there `work` gets the storage
 * itself and keeps the in-process serialisation its callers already have.
 */
export function inClusterTransaction<R>(storage: Storage, name: string, work: (tx: Storage) => Promise<R>): Promise<R> {
  return isClusterStorage(storage) ? storage.transaction(name, work) : work(storage);
}

/** Subscribes to changes when the storage is shared; resolves to the unsubscribe function. */
export function watchChanges(storage: Storage, listener: ChangeListener): () => void {
  return isClusterStorage(storage) ? storage.watch(listener) : () => undefined;
}

/**
 * A wrapper around `inner` (metrics timing, the snapshot write gate) that keeps what `inner`
 * offers a cluster: without this, wrapping a shared backend would silently turn its locks into
 * no-ops and stop cross-replica cache invalidation.
 */
export function keepClusterMethods<T extends Storage>(wrapper: T, inner: Storage): T {
  if (!isClusterStorage(inner)) return wrapper;
  return Object.assign(wrapper, {
    withLock: <R>(name: string, work: () => Promise<R>): Promise<R> => inner.withLock(name, work),
    watch: (listener: ChangeListener): (() => void) => inner.watch(listener),
    // The transaction's calls go straight to the shared backend: wrappers (metrics timing, the
    // snapshot write gate, which refuses shared storage anyway) do not see them.
    transaction: <R>(name: string, work: (tx: Storage) => Promise<R>): Promise<R> => inner.transaction(name, work),
  });
}
