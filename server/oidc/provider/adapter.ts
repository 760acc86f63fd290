/**
 * node-oidc-provider's adapter for every stateful model (sessions, interactions, grants, codes,
 * access and refresh tokens) over Lanyard's state storage, kind `oidc_state` in SQLite.
 *
 * Records are namespaced `<provider>:<model>:<id>`, and so are the secondary index values (grant,
 * session uid, user code): the library looks opaque tokens up by id alone, without checking who
 * issued them, so two providers sharing one un-namespaced store would accept each other's tokens.
 *
 * Expiry follows the server clock (Services.now), which tests move instead of sleeping: every
 * record carries its own expiry, checked on read; storage is told to keep it at least that long,
 * so its garbage collection removes it afterwards.
 *
 * Consuming a code or a refresh token is atomic. The library checks `consumed` before it consumes,
 * but two requests racing with the same value can both pass that check; the loser finds the
 * record already consumed here and is treated as a replay: the whole grant is revoked.
 */
import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import { NotFoundError } from '../../../storage/errors.js';
import type { Storage } from '../../../storage/types.js';

export const STATE_KIND = 'oidc_state';

/** Models whose records belong to a grant (revokeByGrantId removes them with it). */
const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

interface StoredState {
  readonly payload: AdapterPayload;
  /** Milliseconds since the epoch by the server clock; absent: no expiry. */
  readonly expiresAt?: number;
  /** Unix seconds of consumption (what the library reads back as `consumed`). */
  readonly consumed?: number;
  /** Index values, namespaced by provider (storage/schema.ts indexes these three fields). */
  readonly grantId?: string;
  readonly uid?: string;
  readonly userCode?: string;
}

export interface StateAdapterOptions {
  readonly storage: Storage;
  /** The named provider this adapter's records belong to. */
  readonly provider: string;
  readonly now: () => number;
}

/** Thrown inside an atomic update to abort it when the record was already consumed. */
class AlreadyConsumed extends Error {}

export class StateAdapter implements Adapter {
  readonly #storage: Storage;
  readonly #namespace: string;
  readonly #model: string;
  readonly #now: () => number;

  constructor(model: string, options: StateAdapterOptions) {
    this.#storage = options.storage;
    this.#namespace = options.provider;
    this.#model = model;
    this.#now = options.now;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const expiresAt = typeof expiresIn === 'number' ? this.#now() + expiresIn * 1000 : undefined;
    const record: StoredState = {
      payload,
      ...(expiresAt !== undefined ? { expiresAt } : {}),
      ...(GRANTABLE.has(this.#model) && typeof payload.grantId === 'string' ? { grantId: this.#scoped(payload.grantId) } : {}),
      ...(this.#model === 'Session' && typeof payload.uid === 'string' ? { uid: this.#scoped(payload.uid) } : {}),
      ...(typeof payload.userCode === 'string' ? { userCode: this.#scoped(payload.userCode) } : {}),
    };
    // Storage expires records by the system clock; keep them at least until the server clock
    // (which tests move) says they are gone, whichever clock is ahead.
    const storedUntil = typeof expiresIn === 'number' ? Math.max(Date.now(), this.#now()) + expiresIn * 1000 : undefined;
    await this.#storage.put(STATE_KIND, this.#key(id), record, storedUntil !== undefined ? { expiresAt: storedUntil } : {});
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.#live(await this.#storage.get<StoredState>(STATE_KIND, this.#key(id)));
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.#findByIndex('uid', uid);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.#findByIndex('user_code', userCode);
  }

  async consume(id: string): Promise<void> {
    const consumed = Math.floor(this.#now() / 1000);
    let replayed: StoredState | undefined;
    try {
      await this.#storage.update<StoredState>(STATE_KIND, this.#key(id), (current) => {
        if (current.consumed !== undefined) {
          replayed = current;
          throw new AlreadyConsumed();
        }
        return { ...current, consumed };
      });
      return;
    } catch (err) {
      if (err instanceof NotFoundError) throw new errors.InvalidGrant(`${this.#model} not found`);
      if (!(err instanceof AlreadyConsumed)) throw err;
    }
    const grantId = replayed?.payload.grantId;
    if (typeof grantId === 'string') await this.#revokeGrant(grantId);
    throw new errors.InvalidGrant(`${this.#model} already used`);
  }

  async destroy(id: string): Promise<void> {
    await this.#storage.delete(STATE_KIND, this.#key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    const prefix = `${this.#namespace}:${this.#model}:`;
    const members = await this.#storage.findBy(STATE_KIND, 'grant', this.#scoped(grantId));
    await Promise.all(members.filter((entry) => entry.id.startsWith(prefix)).map((entry) => this.#storage.delete(STATE_KIND, entry.id)));
  }

  /** A replayed code or refresh token ends the whole grant, as the library does for a replay it sees. */
  async #revokeGrant(grantId: string): Promise<void> {
    const members = await this.#storage.findBy(STATE_KIND, 'grant', this.#scoped(grantId));
    await Promise.all([
      ...members.map((entry) => this.#storage.delete(STATE_KIND, entry.id)),
      this.#storage.delete(STATE_KIND, `${this.#namespace}:Grant:${grantId}`),
    ]);
  }

  async #findByIndex(index: 'uid' | 'user_code', value: string): Promise<AdapterPayload | undefined> {
    const prefix = `${this.#namespace}:${this.#model}:`;
    const [entry] = (await this.#storage.findBy<StoredState>(STATE_KIND, index, this.#scoped(value))).filter((e) => e.id.startsWith(prefix));
    return this.#live(entry?.value);
  }

  #live(record: StoredState | undefined): AdapterPayload | undefined {
    if (record === undefined) return undefined;
    if (record.expiresAt !== undefined && record.expiresAt <= this.#now()) return undefined;
    return record.consumed === undefined ? record.payload : { ...record.payload, consumed: record.consumed };
  }

  #key(id: string): string {
    return `${this.#namespace}:${this.#model}:${id}`;
  }

  #scoped(value: string): string {
    return `${this.#namespace}:${value}`;
  }
}
