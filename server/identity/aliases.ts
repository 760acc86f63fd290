/**
 * Entity aliases: the link between a login on an auth mount (mount accessor + name) and an entity.
 * An alias lives inside its entity's record; its factors are unique across all entities (storage
 * index `alias`, names compared without case) and an entity has at most one alias per mount.
 */
import { inClusterTransaction } from '../../storage/cluster.js';
import { NotFoundError } from '../../storage/errors.js';
import type { Storage } from '../../storage/types.js';
import { invalidRequest } from '../errors.js';
import { uuid } from '../util/random.js';
import { clashError, IDENTITY_LOCK, type EntityService } from './entities.js';
import type { AuthMounts, ResolvedMount } from './mounts.js';
import type { EntityAlias, EntityRecord } from './types.js';
import { checkAliasName, checkMetadata } from './validate.js';

export interface AliasWithEntity {
  readonly alias: EntityAlias;
  readonly entity: EntityRecord;
}

export interface AliasInput {
  readonly name?: string;
  readonly mountAccessor?: string;
  /** The entity the alias belongs (or moves) to. */
  readonly canonicalId?: string;
  readonly customMetadata?: Readonly<Record<string, string>>;
}

/** What a write did: `changed` is false when the request asked for what was already there. */
export interface AliasWriteResult extends AliasWithEntity {
  readonly changed: boolean;
}

const factorKey = (accessor: string, name: string): string => `${accessor}/${name.toLowerCase()}`;

export class AliasService {
  readonly #storage: Storage;
  readonly #entities: EntityService;
  readonly #mounts: AuthMounts;
  readonly #now: () => number;

  constructor(storage: Storage, entities: EntityService, mounts: AuthMounts, now: () => number) {
    this.#storage = storage;
    this.#entities = entities;
    this.#mounts = mounts;
    this.#now = now;
  }

  async get(aliasId: string): Promise<AliasWithEntity | undefined> {
    const [entry] = await this.#storage.findBy<EntityRecord>('entity', 'alias_id', aliasId);
    const alias = entry?.value.aliases.find((a) => a.id === aliasId);
    return entry && alias ? { alias, entity: entry.value } : undefined;
  }

  async byFactors(mountAccessor: string, name: string): Promise<AliasWithEntity | undefined> {
    const [entry] = await this.#storage.findBy<EntityRecord>('entity', 'alias', factorKey(mountAccessor, name));
    const alias = entry?.value.aliases.find((a) => a.mount_accessor === mountAccessor && a.name.toLowerCase() === name.toLowerCase());
    return entry && alias ? { alias, entity: entry.value } : undefined;
  }

  /** Every alias with its entity, in entity order. */
  async list(): Promise<AliasWithEntity[]> {
    return (await this.#entities.list()).flatMap((entity) => entity.aliases.map((alias) => ({ alias, entity })));
  }

  /**
   * Vault's `POST identity/entity-alias`: a new alias on `canonicalId`, or on a new entity when none
   * is given. Posting the factors of an existing alias of the same entity updates its custom
   * metadata; the same factors on another entity are refused.
   */
  async create(input: AliasInput): Promise<AliasWriteResult> {
    if (input.name === undefined || input.name === '' || input.mountAccessor === undefined || input.mountAccessor === '') {
      throw invalidRequest("'id' or 'mount_accessor' and 'name' must be provided");
    }
    const name = checkAliasName(input.name);
    const mount = await this.#mounts.require(input.mountAccessor);
    const customMetadata = input.customMetadata && checkMetadata(input.customMetadata, 'custom_metadata');

    const existing = await this.byFactors(mount.accessor, name);
    if (existing) {
      if (input.canonicalId !== undefined && input.canonicalId !== '' && input.canonicalId !== existing.entity.id) {
        throw invalidRequest('alias with combination of mount accessor and name already exists');
      }
      return this.update(existing.alias.id, { ...(customMetadata ? { customMetadata } : {}) });
    }

    const alias = this.#newAlias(mount, name, customMetadata ?? {});
    if (input.canonicalId === undefined || input.canonicalId === '') {
      const entity = await this.#entities.create({}, [alias]);
      return { alias, entity, changed: true };
    }
    const entity = await this.#attach(input.canonicalId, alias, 'invalid canonical ID', 'Alias already exists for requested entity and mount accessor');
    return { alias, entity, changed: true };
  }

  /**
   * Change an alias: its name, its mount, its custom metadata, or the entity it belongs to. Moving
   * between entities takes two writes, one transaction on a shared storage.
   */
  async update(aliasId: string, input: AliasInput): Promise<AliasWriteResult> {
    const found = await this.get(aliasId);
    if (!found) throw invalidRequest('invalid alias ID provided');
    const { alias: current, entity } = found;
    const name = input.name === undefined || input.name === '' ? current.name : checkAliasName(input.name);
    const mount =
      input.mountAccessor === undefined || input.mountAccessor === '' || input.mountAccessor === current.mount_accessor
        ? { accessor: current.mount_accessor, type: current.mount_type, path: current.mount_path }
        : await this.#mounts.require(input.mountAccessor);
    const customMetadata = input.customMetadata ? checkMetadata(input.customMetadata, 'custom_metadata') : current.custom_metadata;
    const target = input.canonicalId === undefined || input.canonicalId === '' ? entity.id : input.canonicalId;

    const unchanged =
      name === current.name && mount.accessor === current.mount_accessor && target === entity.id && sameMap(customMetadata, current.custom_metadata);
    if (unchanged) return { alias: current, entity, changed: false };

    const next: EntityAlias = {
      ...current,
      name,
      mount_accessor: mount.accessor,
      mount_type: mount.type,
      mount_path: mount.path,
      custom_metadata: customMetadata,
      last_update_time: this.#timestamp(),
    };
    if (target === entity.id) {
      const updated = await this.#write(entity.id, (e) => {
        if (!e.aliases.some((a) => a.id === aliasId)) throw invalidRequest('invalid alias ID provided');
        if (e.aliases.some((a) => a.id !== aliasId && a.mount_accessor === next.mount_accessor)) {
          throw invalidRequest("Alias cannot be updated as the entity already has an alias for the given 'mount_accessor'");
        }
        return { ...e, aliases: e.aliases.map((a) => (a.id === aliasId ? next : a)) };
      });
      if (!updated) throw invalidRequest('invalid alias ID provided');
      return { alias: next, entity: updated, changed: true };
    }

    const destination = await this.#entities.get(target);
    if (!destination) throw invalidRequest("given 'canonical_id' is not associated with an entity");
    if (destination.aliases.some((a) => a.mount_accessor === next.mount_accessor)) {
      throw invalidRequest('Alias cannot be updated as the given entity already has an alias for this mount');
    }
    // One transaction on a shared storage; on the embedded one a failed attach puts the alias back.
    const moved = await inClusterTransaction(this.#storage, IDENTITY_LOCK, async (tx) => {
      await this.#detach(entity.id, aliasId, tx);
      try {
        return await this.#attach(target, next, "given 'canonical_id' is not associated with an entity", 'Alias cannot be updated as the given entity already has an alias for this mount', tx);
      } catch (err) {
        // Should even that fail (its entity was deleted meanwhile), the alias is gone as the delete
        // would have removed it anyway; the caller hears of the first failure.
        if (tx === this.#storage) await this.#write(entity.id, (e) => ({ ...e, aliases: [...e.aliases, current] })).catch(() => undefined);
        throw err;
      }
    });
    return { alias: next, entity: moved, changed: true };
  }

  /** Remove an alias from its entity; false when there was none. */
  async delete(aliasId: string): Promise<boolean> {
    const found = await this.get(aliasId);
    if (!found) return false;
    return this.#detach(found.entity.id, aliasId);
  }

  /**
   * The entity a login through `mount` as `name` belongs to, created with its alias on the first
   * login, as Vault's auth methods do. Two first logins at once create one entity: the loser of the
   * race finds the winner's.
   */
  async entityForLogin(mount: ResolvedMount, name: string): Promise<EntityRecord> {
    const found = await this.byFactors(mount.accessor, name);
    if (found) return found.entity;
    try {
      return await this.#entities.create({}, [this.#newAlias(mount, name, {})]);
    } catch (err) {
      const winner = await this.byFactors(mount.accessor, name);
      if (winner) return winner.entity;
      throw err;
    }
  }

  #newAlias(mount: ResolvedMount, name: string, customMetadata: Readonly<Record<string, string>>): EntityAlias {
    const time = this.#timestamp();
    return {
      id: uuid(),
      name,
      mount_accessor: mount.accessor,
      mount_type: mount.type,
      mount_path: mount.path,
      metadata: {},
      custom_metadata: customMetadata,
      creation_time: time,
      last_update_time: time,
    };
  }

  async #attach(entityId: string, alias: EntityAlias, missing: string, mountTaken: string, storage = this.#storage): Promise<EntityRecord> {
    const updated = await this.#write(entityId, (e) => {
      if (e.aliases.some((a) => a.mount_accessor === alias.mount_accessor)) throw invalidRequest(mountTaken);
      return { ...e, aliases: [...e.aliases, alias] };
    }, storage);
    if (!updated) throw invalidRequest(missing);
    return updated;
  }

  async #detach(entityId: string, aliasId: string, storage = this.#storage): Promise<boolean> {
    let removed = false;
    await this.#write(entityId, (e) => {
      removed = e.aliases.some((a) => a.id === aliasId);
      return removed ? { ...e, aliases: e.aliases.filter((a) => a.id !== aliasId) } : e;
    }, storage);
    return removed;
  }

  /** An atomic change of one entity; undefined when it does not exist. */
  async #write(entityId: string, change: (entity: EntityRecord) => EntityRecord, storage = this.#storage): Promise<EntityRecord | undefined> {
    try {
      return await storage.update<EntityRecord>('entity', entityId, change);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw clashError(err);
    }
  }

  #timestamp(): string {
    return new Date(this.#now()).toISOString();
  }
}

function sameMap(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}
