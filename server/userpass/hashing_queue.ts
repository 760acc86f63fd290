/**
 * Password hashing (scrypt) runs on libuv's thread pool, which Node shares between all of its
 * file system calls, DNS lookups (`getaddrinfo`) and asynchronous crypto, and which has only four
 * threads by default. Unbounded, a burst of unauthenticated login attempts (each one costs a
 * scrypt, unknown users included, so that they read the same) would take every thread and stall
 * storage writes, outbound discovery fetches and everyone else's requests behind it.
 *
 * So at most `maxActive` hashes run at once, and at most `maxWaiting` more wait for a turn; past
 * that, a request is refused at once with 429 (`rate_limited`, Retry-After: 1), in the error shape
 * of the endpoint that asked, rather than queued without bound. One queue per process, as the
 * thread pool is.
 */
import { LanyardError } from '../errors.js';

/** The `reason` of the refusal, so pages can tell a busy server from a locked-out account. */
export const HASHING_BUSY = 'password_hashing_busy';

export class HashingQueue {
  readonly maxActive: number;
  readonly maxWaiting: number;
  #active = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(maxActive: number, maxWaiting: number) {
    this.maxActive = maxActive;
    this.maxWaiting = maxWaiting;
  }

  /** Run `task` when a slot is free; a 429 LanyardError at once when the waiting list is full. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active < this.maxActive) {
      this.#active++;
    } else {
      if (this.#waiting.length >= this.maxWaiting) throw busy();
      // The slot is handed over by the task that finishes (see below), so #active stays counted.
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next !== undefined) next();
      else this.#active--;
    }
  }

  /** Hashes running and waiting now (for tests and metrics). */
  get load(): { readonly active: number; readonly waiting: number } {
    return { active: this.#active, waiting: this.#waiting.length };
  }
}

function busy(): LanyardError {
  return new LanyardError('rate_limited', 'too many password checks in progress; try again shortly', { reason: HASHING_BUSY, headers: { 'Retry-After': '1' } });
}

/** Two of the four default pool threads at most; about a second of waiting at most. */
export const passwordHashing = new HashingQueue(2, 32);
