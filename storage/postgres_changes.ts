/**
 * The LISTEN side of cross-replica cache invalidation. PostgreSQL delivers a NOTIFY only to
 * sessions listening at commit time and never replays, so:
 * - one dedicated connection per replica listens (never a pooled one, which may be replaced);
 * - after every (re)connect listeners are told `all`: changes made while this replica was not
 *   listening are unknown, so every cache drops what it holds (the polling fallback);
 * - while disconnected it retries with back-off, and reports `all` once more on success.
 * Notifications for other schemas sharing the database are ignored, and so are this replica's
 * own: it told its caches at once when it wrote (`ownOrigin`).
 */
import pg from 'pg';
import type { Change, ChangeListener } from './cluster.js';
import { CHANGE_CHANNEL } from './postgres_names.js';

export interface ChangeFeedOptions {
  readonly client: pg.ClientConfig;
  readonly schema: string;
  /** The origin this replica's own notifications carry; they are not delivered back to it. */
  readonly ownOrigin?: string;
  readonly onError?: (error: Error) => void;
  /** First and longest wait between reconnection attempts (ms). */
  readonly retryMs?: readonly [number, number];
}

export class ChangeFeed {
  readonly #options: ChangeFeedOptions;
  readonly #listeners = new Set<ChangeListener>();
  #client: pg.Client | undefined;
  #closed = false;
  #retry: NodeJS.Timeout | undefined;
  #connected = false;

  constructor(options: ChangeFeedOptions) {
    this.#options = options;
  }

  /** Whether the listening session is up (metrics, health detail). */
  get connected(): boolean {
    return this.#connected;
  }

  /** Connects the listening session; resolves once it listens (or once the first attempt failed). */
  async start(): Promise<void> {
    await this.#connect(this.#options.retryMs?.[0] ?? 250);
  }

  subscribe(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  async #connect(delayMs: number): Promise<void> {
    if (this.#closed) return;
    const client = new pg.Client({ ...this.#options.client, keepAlive: true });
    client.on('notification', (message) => {
      if (message.channel !== CHANGE_CHANNEL || message.payload === undefined) return;
      const change = parse(message.payload, this.#options.schema, this.#options.ownOrigin);
      if (change !== undefined) this.#emit(change);
    });
    client.on('error', (error) => {
      this.#options.onError?.(error);
      this.#lost(client, delayMs);
    });
    client.on('end', () => this.#lost(client, delayMs));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGE_CHANNEL}`);
    } catch (error) {
      this.#options.onError?.(error as Error);
      await client.end().catch(() => undefined);
      this.#lost(client, delayMs);
      return;
    }
    if (this.#closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#client = client;
    this.#connected = true;
    // Whatever changed before this session listened was missed: drop every cache.
    this.#emit('all');
  }

  #lost(client: pg.Client, delayMs: number): void {
    if (this.#closed || (this.#client !== client && this.#client !== undefined)) return;
    this.#client = undefined;
    this.#connected = false;
    // Caches may miss changes until the session is back: drop them now and at every retry.
    this.#emit('all');
    clearTimeout(this.#retry);
    const [, longest] = this.#options.retryMs ?? [250, 5000];
    this.#retry = setTimeout(() => void this.#connect(Math.min(delayMs * 2, longest)), delayMs);
    this.#retry.unref();
  }

  #emit(change: Change): void {
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch (error) {
        this.#options.onError?.(error as Error);
      }
    }
  }
}

function parse(payload: string, schema: string, ownOrigin: string | undefined): Change | undefined {
  try {
    const { s, k, i, o } = JSON.parse(payload) as { s?: unknown; k?: unknown; i?: unknown; o?: unknown };
    if (s !== schema || typeof k !== 'string' || typeof i !== 'string') return undefined;
    if (ownOrigin !== undefined && o === ownOrigin) return undefined;
    return { kind: k, id: i };
  } catch {
    return undefined;
  }
}
