/**
 * Brute-force protection for password logins, in memory: failures are counted per key (a username,
 * a client network). After `limit` failures the key is locked for `baseLockMs`; every further
 * failure once the lock has passed doubles the lock, up to `maxLockMs`. Failures are forgotten
 * after `windowMs` without a failure or lock. Attempts in flight count against the limit, so a
 * burst of parallel guesses cannot slip past it.
 *
 * The clock is injected so tests move time instead of sleeping. The table is bounded: when full,
 * keys with nothing to remember go first, then the oldest.
 */
import { parseIp } from '../util/cidr.js';

export interface FailurePolicy {
  readonly limit: number;
  readonly windowMs: number;
  readonly baseLockMs: number;
  readonly maxLockMs: number;
}

interface Strikes {
  failures: number;
  inFlight: number;
  lockedUntil: number;
  forgetAt: number;
}

/** How long a caller waits when the only obstacle is other attempts still in flight. */
const IN_FLIGHT_RETRY_MS = 1000;

export class FailureLimiter {
  readonly #policy: FailurePolicy;
  readonly #now: () => number;
  readonly #maxKeys: number;
  readonly #keys = new Map<string, Strikes>();

  constructor(policy: FailurePolicy, now: () => number, maxKeys = 100_000) {
    this.#policy = policy;
    this.#now = now;
    this.#maxKeys = maxKeys;
  }

  /**
   * Start an attempt for `key`: 0 when it may go ahead (it then counts as in flight until `finish`),
   * else how many milliseconds to wait.
   */
  begin(key: string): number {
    const now = this.#now();
    const strikes = this.#current(key, now) ?? this.#insert(key, now);
    if (strikes.lockedUntil > now) return strikes.lockedUntil - now;
    // Past the limit (or about to be, with what is in flight), attempts go one at a time.
    if (strikes.inFlight > 0 && strikes.failures + strikes.inFlight >= this.#policy.limit) return IN_FLIGHT_RETRY_MS;
    strikes.inFlight++;
    return 0;
  }

  /** End an attempt started with `begin`, counting it as a failure or not. */
  finish(key: string, failed: boolean): void {
    const now = this.#now();
    const strikes = this.#keys.get(key);
    if (!strikes) return;
    strikes.inFlight = Math.max(0, strikes.inFlight - 1);
    if (!failed) return;
    strikes.failures++;
    const { limit, windowMs, baseLockMs, maxLockMs } = this.#policy;
    if (strikes.failures >= limit) {
      const lock = Math.min(baseLockMs * 2 ** (strikes.failures - limit), maxLockMs);
      strikes.lockedUntil = now + lock;
    }
    strikes.forgetAt = Math.max(now, strikes.lockedUntil) + windowMs;
  }

  /** Forget the failures of `key` (its owner proved who they are). */
  reset(key: string): void {
    const strikes = this.#keys.get(key);
    if (!strikes) return;
    strikes.failures = 0;
    strikes.lockedUntil = 0;
  }

  /** The key's record, dropping it first when it has nothing left to remember. */
  #current(key: string, now: number): Strikes | undefined {
    const strikes = this.#keys.get(key);
    if (strikes && strikes.inFlight === 0 && (strikes.forgetAt <= now || strikes.failures === 0)) {
      this.#keys.delete(key);
      return undefined;
    }
    return strikes;
  }

  #insert(key: string, now: number): Strikes {
    if (this.#keys.size >= this.#maxKeys) this.#evict(now);
    const strikes: Strikes = { failures: 0, inFlight: 0, lockedUntil: 0, forgetAt: now + this.#policy.windowMs };
    this.#keys.set(key, strikes);
    return strikes;
  }

  #evict(now: number): void {
    for (const [key, strikes] of this.#keys) {
      if (strikes.inFlight === 0 && (strikes.forgetAt <= now || strikes.failures === 0)) this.#keys.delete(key);
    }
    // Still full: drop the oldest entries not in use (Map iterates in insertion order).
    for (const [key, strikes] of this.#keys) {
      if (this.#keys.size < this.#maxKeys) break;
      if (strikes.inFlight === 0) this.#keys.delete(key);
    }
  }
}

/**
 * The key failures from one client count under: its IPv4 address, or its IPv6 /64 (one host
 * usually holds a whole /64, so single IPv6 addresses would be free to rotate).
 */
export function networkOf(clientIp: string): string {
  const ip = parseIp(clientIp);
  if (!ip) return clientIp;
  return ip.family === 4 ? `v4:${ip.value}` : `v6:${(ip.value >> 64n).toString(16)}`;
}
