/**
 * "Who may use what changed" notices: disabling or deleting an entity, or changing a group's
 * members, may end access that was granted earlier (OIDC grants and tokens). Listeners run
 * before the write that caused them answers, so when the admin call returns the effects are in
 * place. Listeners are registered per storage, since one process may run several servers (tests).
 */
import type { Storage } from '../../storage/types.js';

export type EntityAccessListener = (entityIds: readonly string[]) => Promise<void>;

const listeners = new WeakMap<Storage, Set<EntityAccessListener>>();

export function onEntityAccessChange(storage: Storage, listener: EntityAccessListener): () => void {
  let set = listeners.get(storage);
  if (set === undefined) {
    set = new Set();
    listeners.set(storage, set);
  }
  set.add(listener);
  return () => set.delete(listener);
}

export async function entityAccessChanged(storage: Storage, entityIds: readonly string[]): Promise<void> {
  const set = listeners.get(storage);
  if (set === undefined || entityIds.length === 0) return;
  for (const listener of set) await listener([...new Set(entityIds)]);
}
