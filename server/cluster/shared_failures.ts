/**
 * Brute-force limits that count across the cluster. The in-memory FailureLimiter keeps doing
 * what it does per replica (in-flight attempts, the lock schedule); on a shared storage each
 * failure is also added to a record of kind `login_failure` with an atomic update (a row lock in
 * PostgreSQL), and the lock that count implies is mirrored by every replica: its own failures at
 * once, the others' through the change notification of that record. So five wrong passwords for
 * one user lock it out whichever replicas they reached; a burst spread over several replicas at
 * the same instant can still get one round of in-flight attempts per replica before the lock lands.
 */
import { AlreadyExistsError, NotFoundError } from '../../storage/errors.js';
import { isClusterStorage, watchChanges } from '../../storage/cluster.js';
import type { Storage } from '../../storage/types.js';
import type { Services } from '../services.js';
import { FailureLimiter, type FailurePolicy } from '../auth/failure_limiter.js';

export const FAILURE_KIND = 'login_failure';

/** What a failure record holds: the cluster-wide count and the lock it implies. */
export interface SharedStrikes {
  readonly failures: number;
  readonly lockedUntil: number;
}

/** The limiter interface credentials.ts uses, whichever implementation backs it. */
export type Limiter = Pick<FailureLimiter, 'begin' | 'finish' | 'reset'>;

/** A FailureLimiter, shared across the cluster when the storage is. */
export function failureLimiter(services: Pick<Services, 'storage' | 'now'> & { log?: Services['log'] }, scope: string, policy: FailurePolicy): Limiter {
  const local = new FailureLimiter(policy, services.now);
  if (!isClusterStorage(services.storage)) return local;
  return new SharedFailureLimiter(services.storage, scope, policy, services.now, local, services.log);
}

export class SharedFailureLimiter implements Limiter {
  readonly #storage: Storage;
  readonly #scope: string;
  readonly #policy: FailurePolicy;
  readonly #now: () => number;
  readonly #local: FailureLimiter;
  readonly #log: Services['log'] | undefined;
  /** Cluster-wide locks by key, as last read or written. Bounded: entries go when they expire. */
  readonly #locks = new Map<string, number>();

  constructor(storage: Storage, scope: string, policy: FailurePolicy, now: () => number, local: FailureLimiter, log?: Services['log']) {
    this.#storage = storage;
    this.#scope = scope;
    this.#policy = policy;
    this.#now = now;
    this.#local = local;
    this.#log = log;
    watchChanges(storage, (change) => {
      if (change === 'all') {
        this.#locks.clear();
        return;
      }
      if (change.kind !== FAILURE_KIND || !change.id.startsWith(`${scope}:`)) return;
      void this.#refresh(change.id);
    });
  }

  begin(key: string): number {
    const lockedUntil = this.#locks.get(key) ?? 0;
    const now = this.#now();
    if (lockedUntil > now) return lockedUntil - now;
    if (lockedUntil !== 0) this.#locks.delete(key);
    return this.#local.begin(key);
  }

  finish(key: string, failed: boolean): void {
    this.#local.finish(key, failed);
    if (failed) void this.#count(key);
  }

  reset(key: string): void {
    this.#local.reset(key);
    this.#locks.delete(key);
    this.#storage.delete(FAILURE_KIND, this.#id(key)).catch((error: unknown) => this.#log?.warn('login failure reset not stored', { error: String(error) }));
  }

  /** Adds one failure to the cluster-wide record and mirrors the lock it implies. */
  async #count(key: string): Promise<void> {
    const id = this.#id(key);
    const now = this.#now();
    const next = (current: SharedStrikes | undefined): SharedStrikes => {
      const failures = (current?.failures ?? 0) + 1;
      const { limit, baseLockMs, maxLockMs } = this.#policy;
      const lockedUntil = failures >= limit ? now + Math.min(baseLockMs * 2 ** (failures - limit), maxLockMs) : (current?.lockedUntil ?? 0);
      return { failures, lockedUntil };
    };
    try {
      let stored: SharedStrikes | undefined;
      for (let attempt = 0; attempt < 3 && stored === undefined; attempt++) {
        try {
          stored = await this.#storage.update<SharedStrikes>(FAILURE_KIND, id, (current) => next(current), { expiresAt: this.#expiry(now) });
        } catch (error) {
          if (!(error instanceof NotFoundError)) throw error;
          try {
            stored = next(undefined);
            await this.#storage.create(FAILURE_KIND, id, stored, { expiresAt: this.#expiry(now) });
          } catch (raced) {
            stored = undefined;
            if (!(raced instanceof AlreadyExistsError)) throw raced;
          }
        }
      }
      if (stored !== undefined && stored.lockedUntil > now) this.#locks.set(key, stored.lockedUntil);
    } catch (error) {
      // The local limiter still counted this failure; the cluster count catches up on the next one.
      this.#log?.warn('login failure not counted cluster-wide', { error: String(error) });
    }
  }

  async #refresh(id: string): Promise<void> {
    const key = id.slice(this.#scope.length + 1);
    try {
      const stored = await this.#storage.get<SharedStrikes>(FAILURE_KIND, id);
      if (stored !== undefined && stored.lockedUntil > this.#now()) this.#locks.set(key, stored.lockedUntil);
      else this.#locks.delete(key);
    } catch (error) {
      this.#log?.warn('login failure lock not read', { error: String(error) });
    }
  }

  /** Failures are forgotten after the policy's window without a failure (or after the lock). */
  #expiry(now: number): number {
    return now + this.#policy.maxLockMs + this.#policy.windowMs;
  }

  #id(key: string): string {
    return `${this.#scope}:${key}`;
  }
}
