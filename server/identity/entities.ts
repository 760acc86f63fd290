/**
 * Entities: the people and workloads behind tokens. An entity keeps its aliases inside its own
 * record, so the storage indexes (`name`, `alias`, `alias_id`) keep names and alias factors unique
 * atomically with every write.
 *
 * Deleting an entity revokes its tokens and takes it out of every group; disabling one leaves its
 * tokens in place but the authenticator refuses them while it stays disabled.
 */
import { AlreadyExistsError, NotFoundError } from '../../storage/errors.js';
import { inClusterTransaction } from '../../storage/cluster.js';
import { ENTITY_OWNED } from '../../storage/schema.js';
import type { Storage } from '../../storage/types.js';
import { invalidRequest } from '../errors.js';
import type { TokenService } from '../tokens/token_service.js';
import { entityAccessChanged } from './access_events.js';
import { uuid } from '../util/random.js';
import type { EntityAlias, EntityRecord, GroupRecord } from './types.js';
import { checkMetadata, checkName, checkPolicies, generatedName } from './validate.js';

/** Fields a write may set; absent fields keep their stored value (or the default on create). */
export interface EntityChanges {
  readonly name?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly policies?: readonly string[];
  readonly disabled?: boolean;
}

/** The cluster lock (and transaction name) of writes that span identity records. */
export const IDENTITY_LOCK = 'identity-groups';

/** How many generated names to try before giving up (eight hex digits rarely collide). */
const NAME_ATTEMPTS = 5;

export class EntityService {
  readonly #storage: Storage;
  readonly #tokens: TokenService;
  readonly #now: () => number;

  constructor(storage: Storage, tokens: TokenService, now: () => number) {
    this.#storage = storage;
    this.#tokens = tokens;
    this.#now = now;
  }

  get(id: string): Promise<EntityRecord | undefined> {
    return this.#storage.get<EntityRecord>('entity', id);
  }

  /** Names are unique regardless of case, as the storage index keeps them. */
  async byName(name: string): Promise<EntityRecord | undefined> {
    const [entry] = await this.#storage.findBy<EntityRecord>('entity', 'name', name.toLowerCase());
    return entry?.value;
  }

  /** Every entity, sorted by id. */
  async list(): Promise<EntityRecord[]> {
    return (await this.#storage.list<EntityRecord>('entity')).map((e) => e.value);
  }

  /**
   * A new entity, with the given aliases already attached (a first login creates both at once, so
   * no entity without its alias is ever visible). Without a name, one is generated.
   */
  async create(changes: EntityChanges, aliases: readonly EntityAlias[] = []): Promise<EntityRecord> {
    const checked = checkChanges(changes);
    const time = this.#timestamp();
    for (let attempt = 1; ; attempt++) {
      const entity: EntityRecord = {
        id: uuid(),
        name: checked.name ?? generatedName('entity'),
        metadata: checked.metadata ?? {},
        policies: checked.policies ?? [],
        disabled: checked.disabled ?? false,
        aliases: [...aliases],
        creation_time: time,
        last_update_time: time,
      };
      try {
        await this.#storage.create('entity', entity.id, entity);
        return entity;
      } catch (err) {
        const nameTaken = err instanceof AlreadyExistsError && err.index === 'name';
        if (nameTaken && checked.name === undefined && attempt < NAME_ATTEMPTS) continue;
        throw clashError(err);
      }
    }
  }

  /** Apply changes to an existing entity; undefined when it does not exist. */
  async update(id: string, changes: EntityChanges): Promise<EntityRecord | undefined> {
    const checked = checkChanges(changes);
    const time = this.#timestamp();
    try {
      const updated = await this.#storage.update<EntityRecord>('entity', id, (current) => ({
        ...current,
        ...checked,
        last_update_time: time,
      }));
      if (updated?.disabled) await entityAccessChanged(this.#storage, [id]);
      return updated;
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw clashError(err);
    }
  }

  /**
   * Remove an entity, its tokens, its factors and its group memberships; false when it did not
   * exist. On a shared storage it is one transaction under the lock group writes take (groups.ts):
   * it lands whole or not at all, and a group update on another replica cannot add the entity
   * between its deletion and the clean-up.
   */
  async delete(id: string): Promise<boolean> {
    const removed = await inClusterTransaction(this.#storage, IDENTITY_LOCK, (tx) => this.#on(tx).#delete(id));
    if (removed) await entityAccessChanged(this.#storage, [id]);
    return removed;
  }

  async #delete(id: string): Promise<boolean> {
    if (!(await this.#storage.delete('entity', id))) return false;
    await this.#tokens.revokeByEntity(id);
    for (const { id: groupId } of await this.#storage.findBy<GroupRecord>('group', 'member_entity', id)) {
      try {
        await this.#storage.update<GroupRecord>('group', groupId, (group) => ({
          ...group,
          member_entity_ids: group.member_entity_ids.filter((member) => member !== id),
        }));
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err; // the group went away meanwhile: nothing to clean
      }
    }
    // What features keep per entity: second factors, the upstream SSO session.
    for (const kind of ENTITY_OWNED.byEntityIndex) {
      for (const entry of await this.#storage.findBy(kind, 'entity', id)) await this.#storage.delete(kind, entry.id);
    }
    for (const kind of ENTITY_OWNED.byEntityId) await this.#storage.delete(kind, id);
    return true;
  }

  /** The same service working on `storage` (a transaction's view of the store). */
  #on(storage: Storage): EntityService {
    return storage === this.#storage ? this : new EntityService(storage, this.#tokens.on(storage), this.#now);
  }

  #timestamp(): string {
    return new Date(this.#now()).toISOString();
  }
}

function checkChanges(changes: EntityChanges): EntityChanges {
  return {
    ...(changes.name !== undefined ? { name: checkName(changes.name, 'entity') } : {}),
    ...(changes.metadata !== undefined ? { metadata: checkMetadata(changes.metadata, 'metadata') } : {}),
    ...(changes.policies !== undefined ? { policies: checkPolicies(changes.policies) } : {}),
    ...(changes.disabled !== undefined ? { disabled: changes.disabled } : {}),
  };
}

/** A unique-index clash as the 400 Vault gives for it; anything else unchanged. */
export function clashError(err: unknown): unknown {
  if (!(err instanceof AlreadyExistsError)) return err;
  if (err.index === 'name') return invalidRequest('entity name is already in use');
  if (err.index === 'alias') return invalidRequest('alias with combination of mount accessor and name already exists');
  return err;
}
