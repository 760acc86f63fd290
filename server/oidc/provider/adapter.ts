/**
 * node-oidc-provider's adapter for every stateful model (sessions, interactions, grants, codes,
 * access and refresh tokens) over Lanyard's state storage, kind `oidc_state` in SQLite.
 *
 * Records are namespaced `<provider>:<model>:<hashed id>`, and so are the secondary index values
 * (grant, session uid, user code): the library looks opaque tokens up by id alone, without checking
 * who issued them, so two providers sharing one un-namespaced store would accept each other's tokens.
 *
 * Ids are bearer artefacts (tokens, codes, session ids): the store holds only their keyed hash,
 * and payloads (which repeat the id) encrypted (state_protection.ts).
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
import type { Json, Storage } from '../../../storage/types.js';
import type { StateProtection } from './state_protection.js';

export const STATE_KIND = 'oidc_state';

/** Models whose records belong to a grant (revokeByGrantId removes them with it). */
const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

export interface StoredState {
  /** The library's payload, sealed to this record (StateProtection.sealPayload). */
  readonly payload: string;
  /** Milliseconds since the epoch by the server clock; absent: no expiry. */
  readonly expiresAt?: number;
  /** Unix seconds of consumption (what the library reads back as `consumed`). */
  readonly consumed?: number;
  /** Hashed index values, namespaced by provider (storage/schema.ts indexes these three fields). */
  readonly grantId?: string;
  readonly uid?: string;
  readonly userCode?: string;
}

export interface StateAdapterOptions {
  readonly storage: Storage;
  /** The named provider this adapter's records belong to. */
  readonly provider: string;
  readonly now: () => number;
  /** Hashes ids and index values, seals payloads. */
  readonly protection: StateProtection;
}

/** Thrown inside an atomic update to abort it when the record was already consumed. */
class AlreadyConsumed extends Error {}

export class StateAdapter implements Adapter {
  readonly #storage: Storage;
  readonly #namespace: string;
  readonly #model: string;
  readonly #now: () => number;
  readonly #protection: StateProtection;

  constructor(model: string, options: StateAdapterOptions) {
    this.#storage = options.storage;
    this.#namespace = options.provider;
    this.#model = model;
    this.#now = options.now;
    this.#protection = options.protection;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const expiresAt = typeof expiresIn === 'number' ? this.#now() + expiresIn * 1000 : undefined;
    const key = this.#key(id);
    const record: StoredState = {
      payload: this.#protection.sealPayload(payload as Json, key),
      ...(expiresAt !== undefined ? { expiresAt } : {}),
      ...(GRANTABLE.has(this.#model) && typeof payload.grantId === 'string' ? { grantId: this.#scoped(payload.grantId) } : {}),
      ...(this.#model === 'Session' && typeof payload.uid === 'string' ? { uid: this.#scoped(payload.uid) } : {}),
      ...(typeof payload.userCode === 'string' ? { userCode: this.#scoped(payload.userCode) } : {}),
    };
    // Storage expires records by the system clock; keep them at least until the server clock
    // (which tests move) says they are gone, whichever clock is ahead.
    const storedUntil = typeof expiresIn === 'number' ? Math.max(Date.now(), this.#now()) + expiresIn * 1000 : undefined;
    await this.#storage.put(STATE_KIND, key, record, storedUntil !== undefined ? { expiresAt: storedUntil } : {});
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const key = this.#key(id);
    return this.#live(key, await this.#storage.get<StoredState>(STATE_KIND, key));
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.#findByIndex('uid', uid);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.#findByIndex('user_code', userCode);
  }

  async consume(id: string): Promise<void> {
    const consumed = Math.floor(this.#now() / 1000);
    const key = this.#key(id);
    let replayed: StoredState | undefined;
    try {
      await this.#storage.update<StoredState>(STATE_KIND, key, (current) => {
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
    const grantId = replayed === undefined ? undefined : this.#open(key, replayed).grantId;
    if (typeof grantId === 'string') await this.revokeGrant(grantId);
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

  /**
   * Ends a whole grant: every token and code of it, and the grant itself, with one index lookup.
   * A replayed code or refresh token does this, as the library does for a replay it sees, and so
   * does Lanyard's own revocation (grant_revocation.ts).
   */
  async revokeGrant(grantId: string): Promise<void> {
    const members = await this.#storage.findBy(STATE_KIND, 'grant', this.#scoped(grantId));
    await Promise.all([
      ...members.map((entry) => this.#storage.delete(STATE_KIND, entry.id)),
      this.#storage.delete(STATE_KIND, `${this.#namespace}:Grant:${this.#protection.hash(grantId)}`),
    ]);
  }

  async #findByIndex(index: 'uid' | 'user_code', value: string): Promise<AdapterPayload | undefined> {
    const prefix = `${this.#namespace}:${this.#model}:`;
    const [entry] = (await this.#storage.findBy<StoredState>(STATE_KIND, index, this.#scoped(value))).filter((e) => e.id.startsWith(prefix));
    return entry === undefined ? undefined : this.#live(entry.id, entry.value);
  }

  #live(key: string, record: StoredState | undefined): AdapterPayload | undefined {
    if (record === undefined) return undefined;
    if (record.expiresAt !== undefined && record.expiresAt <= this.#now()) return undefined;
    const payload = this.#open(key, record);
    return record.consumed === undefined ? payload : { ...payload, consumed: record.consumed };
  }

  #open(key: string, record: StoredState): AdapterPayload {
    return this.#protection.openPayload(record.payload, key) as AdapterPayload;
  }

  /** The stored id of a record: its model's namespace and the keyed hash of the library's id. */
  #key(id: string): string {
    return stateRecordId(this.#namespace, this.#model, this.#protection.hash(id));
  }

  /** An index value as stored: namespaced, hashed. */
  #scoped(value: string): string {
    return `${this.#namespace}:${this.#protection.hash(value)}`;
  }
}

/** The storage id of a provider's model record, from the already hashed id. */
export function stateRecordId(provider: string, model: string, hashedId: string): string {
  return `${provider}:${model}:${hashedId}`;
}
