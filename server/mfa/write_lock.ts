/**
 * MFA configuration writes run one at a time (per storage object): an enforcement checks that its
 * methods exist and a method's delete checks that no enforcement names it, and without the queue
 * a concurrent write could slip a reference in between the check and the write. Like the OIDC
 * write lock, it serialises one process.
 */
import type { Storage } from '../../storage/types.js';

const tails = new WeakMap<Storage, Promise<unknown>>();

export function withMfaWriteLock<T>(storage: Storage, work: () => Promise<T>): Promise<T> {
  const previous = tails.get(storage) ?? Promise.resolve();
  const result = previous.then(work);
  // The stored tail never rejects, so one failed write does not block the ones after it.
  tails.set(storage, result.catch(() => undefined));
  return result;
}
