/**
 * Automatic key rotation (Vault's periodic OIDC job): every key whose next_rotation has passed is
 * rotated, and retired key pairs whose verification window has ended are dropped from storage.
 * Runs at start and then every minute.
 */
import { dueForRotation, pruneExpired, rotateKey } from '../../keys/named_key.js';
import type { Services } from '../services.js';
import { withOidcWriteLock } from './admin/write_lock.js';
import { listStoredKeys, openStoredKey, saveKey } from './key_store.js';

const CHECK_INTERVAL_MS = 60_000;

type RotationServices = Pick<Services, 'storage' | 'seal' | 'now' | 'log'>;

/**
 * One pass over all keys at `services.now()`. Resolves to the names of the keys it rotated. A
 * key that fails (e.g. it cannot be opened) is logged and skipped; the others still rotate.
 */
export function rotateDueKeys(services: RotationServices): Promise<string[]> {
  return withOidcWriteLock(services.storage, async () => {
    const now = services.now();
    const rotated: string[] = [];
    for (const stored of await listStoredKeys(services)) {
      try {
        const state = openStoredKey(services, stored);
        if (dueForRotation(state, now)) {
          await saveKey(services, stored.name, await rotateKey(state, now));
          rotated.push(stored.name);
          services.log.info('oidc key rotated', { key: stored.name });
        } else {
          const pruned = pruneExpired(state, now);
          if (pruned !== state) await saveKey(services, stored.name, pruned);
        }
      } catch (err) {
        services.log.error('oidc key rotation failed', { key: stored.name, error: err instanceof Error ? err.message : String(err) });
      }
    }
    return rotated;
  });
}

/** Start the periodic check; the returned function stops it. Overlapping runs are skipped. */
export function startKeyRotation(services: RotationServices): () => void {
  let running = false;
  const check = (): void => {
    if (running) return;
    running = true;
    rotateDueKeys(services)
      .catch((err: unknown) => services.log.error('oidc key rotation pass failed', { error: err instanceof Error ? err.message : String(err) }))
      .finally(() => {
        running = false;
      });
  };
  check();
  const timer = setInterval(check, CHECK_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
