/**
 * Lanyard tokens (Vault service tokens): random, prefixed `lys.`, stored only as a SHA-256 hash.
 *
 * A token has policies, an optional entity, a TTL capped by an explicit max TTL and the server's
 * maximum, an optional use limit spent atomically, optional bound CIDRs checked on every use, and a
 * parent: revoking a token revokes the tokens it created.
 */
import { invalidRequest, permissionDenied } from '../errors.js';
import { NotFoundError } from '../../storage/errors.js';
import type { Storage } from '../../storage/types.js';
import { anyCidrContains, parseCidr, type Cidr } from '../util/cidr.js';
import { randomBase62, sha256Hex } from '../util/random.js';

export const TOKEN_PREFIX = 'lys.';

export interface TokenRecord {
  readonly accessor: string;
  readonly policies: readonly string[];
  readonly entity_id: string;
  readonly display_name: string;
  readonly meta: Readonly<Record<string, string>> | null;
  /** The login or creation path that issued it, e.g. `auth/userpass/login/alice`. */
  readonly path: string;
  /** Unix seconds. */
  readonly creation_time: number;
  /** Requested lifetime in seconds; 0 = no expiry (root tokens). */
  readonly creation_ttl: number;
  /** Unix ms of expiry; 0 = never. */
  readonly expire_at: number;
  /** Hard end of life in Unix ms regardless of renewals; 0 = none. */
  readonly max_expire_at: number;
  readonly explicit_max_ttl: number;
  /** Remaining uses; 0 = unlimited. */
  readonly num_uses: number;
  readonly renewable: boolean;
  readonly bound_cidrs: readonly string[];
  readonly parent_accessor: string;
  readonly orphan: boolean;
  /** Unix ms of the last renewal (for `last_renewal_time`). */
  readonly last_renewal_at: number;
}

export interface CreateTokenParams {
  readonly policies: readonly string[];
  readonly entityId?: string;
  readonly displayName?: string;
  readonly meta?: Readonly<Record<string, string>> | null;
  readonly path: string;
  /** Seconds; undefined = the server default. 0 is only allowed for root tokens. */
  readonly ttl?: number;
  readonly explicitMaxTtl?: number;
  readonly numUses?: number;
  readonly renewable?: boolean;
  readonly boundCidrs?: readonly string[];
  readonly parentAccessor?: string;
  /** Root tokens never expire. */
  readonly neverExpires?: boolean;
  /** Use this token value instead of a random one (dev mode's chosen root token). */
  readonly value?: string;
}

export interface IssuedToken {
  readonly token: string;
  readonly record: TokenRecord;
}

export interface TokenLimits {
  readonly defaultTtl: number;
  readonly maxTtl: number;
}

export class TokenService {
  readonly #storage: Storage;
  readonly #limits: TokenLimits;
  readonly #now: () => number;
  readonly #cidrCache = new Map<string, Cidr[]>();

  constructor(storage: Storage, limits: TokenLimits, now: () => number = Date.now) {
    this.#storage = storage;
    this.#limits = limits;
    this.#now = now;
  }

  /** The same service working on `storage` (a transaction's view of the store). */
  on(storage: Storage): TokenService {
    return storage === this.#storage ? this : new TokenService(storage, this.#limits, this.#now);
  }

  async create(params: CreateTokenParams): Promise<IssuedToken> {
    const now = this.#now();
    const boundCidrs = [...(params.boundCidrs ?? [])];
    for (const cidr of boundCidrs) {
      if (!parseCidr(cidr)) throw invalidRequest(`invalid CIDR ${JSON.stringify(cidr)} in bound CIDRs`);
    }
    const numUses = params.numUses ?? 0;
    if (!Number.isSafeInteger(numUses) || numUses < 0) throw invalidRequest('num_uses must be a non-negative integer');
    const explicitMax = params.explicitMaxTtl ?? 0;
    let ttl = 0;
    let expireAt = 0;
    let maxExpireAt = 0;
    if (!params.neverExpires) {
      const hardMax = explicitMax > 0 ? Math.min(explicitMax, this.#limits.maxTtl) : this.#limits.maxTtl;
      ttl = Math.min(params.ttl !== undefined && params.ttl > 0 ? params.ttl : this.#limits.defaultTtl, hardMax);
      expireAt = now + ttl * 1000;
      maxExpireAt = now + hardMax * 1000;
    }
    const token = params.value ?? `${TOKEN_PREFIX}${randomBase62(32)}`;
    const record: TokenRecord = {
      accessor: randomBase62(24),
      policies: normalisePolicies(params.policies),
      entity_id: params.entityId ?? '',
      display_name: params.displayName ?? 'token',
      meta: params.meta ?? null,
      path: params.path,
      creation_time: Math.floor(now / 1000),
      creation_ttl: ttl,
      expire_at: expireAt,
      max_expire_at: maxExpireAt,
      explicit_max_ttl: explicitMax,
      num_uses: numUses,
      renewable: params.neverExpires ? false : (params.renewable ?? true),
      bound_cidrs: boundCidrs,
      parent_accessor: params.parentAccessor ?? '',
      orphan: !params.parentAccessor,
      last_renewal_at: 0,
    };
    await this.#storage.create('token', sha256Hex(token), record, expireAt > 0 ? { expiresAt: expireAt } : {});
    return { token, record };
  }

  /** The record of a live token, or undefined (unknown, malformed, expired). */
  async lookup(token: string): Promise<{ id: string; record: TokenRecord } | undefined> {
    // Generated tokens carry the prefix; a dev root token may be any string the operator chose.
    if (token.length === 0 || token.length > 256) return undefined;
    const id = sha256Hex(token);
    const record = await this.#storage.get<TokenRecord>('token', id);
    if (!record || this.#expired(record)) return undefined;
    return { id, record };
  }

  async lookupByAccessor(accessor: string): Promise<{ id: string; record: TokenRecord } | undefined> {
    const [entry] = await this.#storage.findBy<TokenRecord>('token', 'accessor', accessor);
    if (!entry || this.#expired(entry.value)) return undefined;
    return { id: entry.id, record: entry.value };
  }

  /** Whether the client address is allowed by the token's bound CIDRs. */
  addressAllowed(record: TokenRecord, clientIp: string): boolean {
    if (record.bound_cidrs.length === 0) return true;
    const key = record.bound_cidrs.join(',');
    let cidrs = this.#cidrCache.get(key);
    if (!cidrs) {
      cidrs = record.bound_cidrs.map((c) => parseCidr(c)).filter((c): c is Cidr => c !== undefined);
      if (this.#cidrCache.size > 1000) this.#cidrCache.clear();
      this.#cidrCache.set(key, cidrs);
    }
    return anyCidrContains(cidrs, clientIp);
  }

  /**
   * Spend one use. Atomic: concurrent requests never spend more uses than the token has. The last
   * use deletes the token (the request carrying it still proceeds, as in Vault).
   */
  async consumeUse(id: string, record: TokenRecord): Promise<boolean> {
    if (record.num_uses === 0) return true;
    try {
      await this.#storage.update<TokenRecord>('token', id, (current) => {
        if (current.num_uses === 0) return current; // became unlimited meanwhile: nothing to spend
        if (current.num_uses === 1) return undefined;
        return { ...current, num_uses: current.num_uses - 1 };
      });
      return true;
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
  }

  /**
   * Extend the token's life by `increment` seconds (default: its original TTL) from now, never past
   * its max. Returns the new record. Expired tokens are gone and cannot be renewed.
   */
  async renew(id: string, increment?: number): Promise<TokenRecord> {
    const now = this.#now();
    let renewed: TokenRecord | undefined;
    try {
      renewed = await this.#storage.update<TokenRecord>('token', id, (current) => {
        if (this.#expired(current)) throw permissionDenied('token expired');
        if (!current.renewable || current.expire_at === 0) throw invalidRequest('lease is not renewable');
        const wanted = now + (increment && increment > 0 ? increment : current.creation_ttl) * 1000;
        const expireAt = current.max_expire_at > 0 ? Math.min(wanted, current.max_expire_at) : wanted;
        return { ...current, expire_at: Math.max(expireAt, now), last_renewal_at: now };
      });
    } catch (err) {
      if (err instanceof NotFoundError) throw permissionDenied('token not found');
      throw err;
    }
    if (!renewed) throw permissionDenied('token not found');
    // Keep the storage expiry in step so gc removes it when it ends.
    await this.#storage.update<TokenRecord>('token', id, (r) => r, { expiresAt: renewed.expire_at });
    return renewed;
  }

  /** Revoke a token and, recursively, every token it created. Resolves to how many were revoked. */
  async revoke(id: string): Promise<number> {
    const record = await this.#storage.get<TokenRecord>('token', id);
    if (!record) return 0;
    let count = (await this.#storage.delete('token', id)) ? 1 : 0;
    for (const child of await this.#storage.findBy<TokenRecord>('token', 'parent', record.accessor)) {
      count += await this.revoke(child.id);
    }
    return count;
  }

  /** Revoke every token bound to an entity (its identity was deleted or disabled for login). */
  async revokeByEntity(entityId: string): Promise<number> {
    let count = 0;
    for (const entry of await this.#storage.findBy<TokenRecord>('token', 'entity', entityId)) {
      count += await this.revoke(entry.id);
    }
    return count;
  }

  /** Remaining lifetime in whole seconds (0 for never-expiring tokens). */
  /** Seconds left, rounded up: a token just created with ttl=1h shows 3600 (1h), not 59m59s. */
  ttlOf(record: TokenRecord): number {
    return record.expire_at === 0 ? 0 : Math.max(0, Math.ceil((record.expire_at - this.#now()) / 1000));
  }

  #expired(record: TokenRecord): boolean {
    return record.expire_at !== 0 && record.expire_at <= this.#now();
  }
}

/** Sorted, de-duplicated policy names; `root` stands alone when present. */
export function normalisePolicies(policies: readonly string[]): string[] {
  const set = new Set(policies.map((p) => p.trim()).filter((p) => p !== ''));
  return set.has('root') ? ['root'] : [...set].sort();
}
