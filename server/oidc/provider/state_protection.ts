/**
 * How the providers' bearer artefacts are kept at rest: access and refresh tokens, authorization
 * and device codes, session and interaction ids are all record ids of node-oidc-provider's models,
 * and a copy of the state database (or its WAL) must not hand any of them out.
 *
 * - Record ids and index values (grant id, session uid, user code) are stored as an HMAC-SHA256
 *   of the value under a server key: the library's lookups (find, findByUid, findByUserCode,
 *   revokeByGrantId) hash what they are given, so they keep working, but the store holds nothing
 *   that can be presented as a token. A keyed hash rather than a plain one, so short values (user
 *   codes) cannot be found by trying them all.
 * - Payloads carry the id again (`jti`) and other artefacts (an interaction holds its session's
 *   cookie value, a device code its user code), so they are encrypted (AES-256-GCM, bound to the
 *   record's hashed id) with a second key derived from the same server key.
 *
 * The server key is random, created once and stored sealed (context `oidc-state-key`) in the
 * configuration store like the cookie keys, so a restart keeps every issued token valid and a copy
 * of the data directory without the seal key reveals nothing.
 */
import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { Seal } from '../../../keys/seal.js';
import { AlreadyExistsError } from '../../../storage/errors.js';
import type { Json } from '../../../storage/types.js';
import type { Services } from '../../services.js';

const KIND = 'system';
const ID = 'oidc_state_key';
const SEAL_CONTEXT = 'oidc-state-key';
const KEY_BYTES = 32;

interface StoredStateKey {
  /** The sealed base64url key. */
  readonly key: string;
}

export class StateProtection {
  readonly #hmacKey: Buffer;
  readonly #payloads: Seal;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) throw new Error(`the OIDC state key must be ${KEY_BYTES} bytes`);
    this.#hmacKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'lanyard oidc state ids', KEY_BYTES));
    this.#payloads = new Seal(Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'lanyard oidc state payloads', KEY_BYTES)));
  }

  /** The keyed hash stored in place of an id or index value (base64url, 43 characters). */
  hash(value: string): string {
    return createHmac('sha256', this.#hmacKey).update(value, 'utf8').digest('base64url');
  }

  /** Encrypt a payload for the record stored under `recordId` (the hashed one). */
  sealPayload(payload: Json, recordId: string): string {
    return this.#payloads.seal(JSON.stringify(payload), `oidc-state:${recordId}`);
  }

  /** Decrypt a payload of the record under `recordId`; throws SealError when it is not that record's. */
  openPayload(sealed: string, recordId: string): unknown {
    return JSON.parse(this.#payloads.open(sealed, `oidc-state:${recordId}`)) as unknown;
  }
}

/** The providers' state protection, from the sealed key in the configuration store (created on first use). */
export async function loadStateProtection(services: Pick<Services, 'storage' | 'seal'>): Promise<StateProtection> {
  let stored = await services.storage.get<StoredStateKey>(KIND, ID);
  if (stored === undefined) {
    const fresh: StoredStateKey = { key: services.seal.seal(randomBytes(KEY_BYTES).toString('base64url'), SEAL_CONTEXT) };
    try {
      await services.storage.create(KIND, ID, fresh);
      stored = fresh;
    } catch (err) {
      // Another request (or replica) created it first: use theirs.
      if (!(err instanceof AlreadyExistsError)) throw err;
      stored = await services.storage.get<StoredStateKey>(KIND, ID);
    }
  }
  if (stored === undefined) throw new Error('the stored OIDC state key vanished while being created');
  return new StateProtection(Buffer.from(services.seal.open(stored.key, SEAL_CONTEXT), 'base64url'));
}

const loaded = new WeakMap<object, Promise<StateProtection>>();

/** loadStateProtection, once per store (code outside a provider instance, e.g. grant revocation). */
export function sharedStateProtection(services: Pick<Services, 'storage' | 'seal'>): Promise<StateProtection> {
  let protection = loaded.get(services.storage);
  if (protection === undefined) {
    protection = loadStateProtection(services);
    // A failed load (storage briefly unreachable) is tried again next time.
    protection.catch(() => loaded.delete(services.storage));
    loaded.set(services.storage, protection);
  }
  return protection;
}
