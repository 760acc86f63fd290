/**
 * Vault serialises every write to the OIDC configuration under one lock (`oidcLock`): reference
 * checks (a key still used by a client, a scope by a provider) read other records, and without
 * the lock a concurrent write could slip a new reference in between the check and the write.
 *
 * The queue is per storage object, so several servers in one process (tests) do not share it.
 * On a storage shared by replicas the work also runs under the cluster lock `oidc-config`
 * (a PostgreSQL advisory lock), so the check-then-write holds across the whole cluster.
 */
import { withClusterLock } from '../../../storage/cluster.js';
import type { Storage } from '../../../storage/types.js';

const tails = new WeakMap<Storage, Promise<unknown>>();

/** Run `work` after every earlier locked write on the same storage has finished. */
export function withOidcWriteLock<T>(storage: Storage, work: () => Promise<T>): Promise<T> {
  const previous = tails.get(storage) ?? Promise.resolve();
  // The stored tail never rejects, so one failed write does not block the ones after it.
  const result = previous.then(() => withClusterLock(storage, 'oidc-config', work));
  tails.set(
    storage,
    result.catch(() => undefined),
  );
  return result;
}
