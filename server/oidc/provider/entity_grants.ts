/**
 * The Grant model's adapter with an index from entity to grants: every saved grant also writes a
 * small `oidc_entity_grant` record (`<provider>:<grantId>` → entity, client, provider) that lives
 * as long as the grant, and destroying the grant removes it. server/oidc/grant_revocation.ts reads
 * the index to end an entity's grants the moment it is disabled, deleted or unassigned.
 */
import type { Adapter, AdapterPayload } from 'oidc-provider';
import { NotFoundError } from '../../../storage/errors.js';
import type { Storage } from '../../../storage/types.js';
import { ENTITY_GRANT_KIND, entityGrantId, type EntityGrantRecord } from '../grant_revocation.js';

export class EntityIndexedGrantAdapter implements Adapter {
  readonly #inner: Adapter;
  readonly #storage: Storage;
  readonly #provider: string;
  readonly #now: () => number;

  constructor(inner: Adapter, options: { storage: Storage; provider: string; now: () => number }) {
    this.#inner = inner;
    this.#storage = options.storage;
    this.#provider = options.provider;
    this.#now = options.now;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    await this.#inner.upsert(id, payload, expiresIn);
    if (typeof payload.accountId !== 'string' || typeof payload.clientId !== 'string') return;
    const record: EntityGrantRecord = { provider: this.#provider, grant_id: id, entity_id: payload.accountId, client_id: payload.clientId };
    const keep = typeof expiresIn === 'number' ? { expiresAt: Math.max(Date.now(), this.#now()) + expiresIn * 1000 } : {};
    await this.#storage.put(ENTITY_GRANT_KIND, entityGrantId(this.#provider, id), record, keep);
  }

  find(id: string): Promise<AdapterPayload | undefined | void> {
    return this.#inner.find(id);
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined | void> {
    return this.#inner.findByUserCode(userCode);
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined | void> {
    return this.#inner.findByUid(uid);
  }

  consume(id: string): Promise<void | undefined> {
    return this.#inner.consume(id);
  }

  async destroy(id: string): Promise<void | undefined> {
    await this.#inner.destroy(id);
    await this.#storage.delete(ENTITY_GRANT_KIND, entityGrantId(this.#provider, id));
  }

  revokeByGrantId(grantId: string): Promise<void | undefined> {
    return this.#inner.revokeByGrantId(grantId);
  }
}

/**
 * The Session model's adapter, noting on each grant's index record the session id (`sid`) it was
 * granted in, so a back-channel logout sent when the grant is revoked can name the session.
 */
export class SessionSidAdapter implements Adapter {
  readonly #inner: Adapter;
  readonly #storage: Storage;
  readonly #provider: string;

  constructor(inner: Adapter, options: { storage: Storage; provider: string }) {
    this.#inner = inner;
    this.#storage = options.storage;
    this.#provider = options.provider;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    await this.#inner.upsert(id, payload, expiresIn);
    const authorizations = payload.authorizations ?? {};
    for (const { sid, grantId } of Object.values(authorizations)) {
      if (typeof sid !== 'string' || typeof grantId !== 'string') continue;
      try {
        await this.#storage.update<EntityGrantRecord>(ENTITY_GRANT_KIND, entityGrantId(this.#provider, grantId), (record) => (record.sid === sid ? record : { ...record, sid }));
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err; // a grant without an entity (none yet): nothing to note
      }
    }
  }

  find(id: string): Promise<AdapterPayload | undefined | void> {
    return this.#inner.find(id);
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined | void> {
    return this.#inner.findByUserCode(userCode);
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined | void> {
    return this.#inner.findByUid(uid);
  }

  consume(id: string): Promise<void | undefined> {
    return this.#inner.consume(id);
  }

  destroy(id: string): Promise<void | undefined> {
    return this.#inner.destroy(id);
  }

  revokeByGrantId(grantId: string): Promise<void | undefined> {
    return this.#inner.revokeByGrantId(grantId);
  }
}
