/**
 * Groups: named sets of entities and of other groups, carrying policies. A group stores its members
 * (`member_entity_ids`, `member_group_ids`); its parents are found through the `member_group`
 * index. Members must exist when they are added, and a group may not end up containing itself,
 * directly or through other groups (Vault refuses such cycles).
 *
 * External groups are accepted for compatibility; Lanyard has no group-alias logic, so they simply
 * cannot have members set by hand, as in Vault.
 */
import { AlreadyExistsError, NotFoundError } from '../../storage/errors.js';
import type { Storage } from '../../storage/types.js';
import { invalidRequest } from '../errors.js';
import { uuid } from '../util/random.js';
import type { GroupRecord } from './types.js';
import { checkMetadata, checkName, checkPolicies, generatedName } from './validate.js';
import { inClusterTransaction } from '../../storage/cluster.js';
import { IDENTITY_LOCK } from './entities.js';
import { entityAccessChanged } from './access_events.js';

export interface GroupChanges {
  readonly name?: string;
  readonly type?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly policies?: readonly string[];
  readonly memberEntityIds?: readonly string[];
  readonly memberGroupIds?: readonly string[];
}

const MAX_MEMBERS = 512;
const NAME_ATTEMPTS = 5;

type GroupFields = Partial<Pick<GroupRecord, 'name' | 'metadata' | 'policies' | 'member_entity_ids' | 'member_group_ids'>>;

export class GroupService {
  readonly #storage: Storage;
  readonly #now: () => number;

  constructor(storage: Storage, now: () => number) {
    this.#storage = storage;
    this.#now = now;
  }

  get(id: string): Promise<GroupRecord | undefined> {
    return this.#storage.get<GroupRecord>('group', id);
  }

  async byName(name: string): Promise<GroupRecord | undefined> {
    const [entry] = await this.#storage.findBy<GroupRecord>('group', 'name', name.toLowerCase());
    return entry?.value;
  }

  /** Every group, sorted by id. */
  async list(): Promise<GroupRecord[]> {
    return (await this.#storage.list<GroupRecord>('group')).map((e) => e.value);
  }

  /** Ids of the groups that have this group as a member. */
  async parentIds(id: string): Promise<string[]> {
    return (await this.#storage.findBy<GroupRecord>('group', 'member_group', id)).map((e) => e.id);
  }

  /** Create a group; its member checks run in the same kind of transaction as updates (see update). */
  create(changes: GroupChanges): Promise<GroupRecord> {
    return inClusterTransaction(this.#storage, IDENTITY_LOCK, (tx) => this.#on(tx).#create(changes));
  }

  async #create(changes: GroupChanges): Promise<GroupRecord> {
    const type = groupType(changes.type, undefined);
    const id = uuid();
    const fields = await this.#check(id, type, changes);
    const time = this.#timestamp();
    for (let attempt = 1; ; attempt++) {
      const group: GroupRecord = {
        id,
        name: fields.name ?? generatedName('group'),
        type,
        metadata: fields.metadata ?? {},
        policies: fields.policies ?? [],
        member_entity_ids: fields.member_entity_ids ?? [],
        member_group_ids: fields.member_group_ids ?? [],
        creation_time: time,
        last_update_time: time,
      };
      try {
        await this.#storage.create('group', id, group);
        return group;
      } catch (err) {
        const nameTaken = err instanceof AlreadyExistsError && err.index === 'name';
        if (nameTaken && fields.name === undefined && attempt < NAME_ATTEMPTS) continue;
        throw nameTaken ? invalidRequest('group name is already in use') : err;
      }
    }
  }

  /**
   * Apply changes to an existing group; undefined when it does not exist. The cycle check reads
   * other groups, so on a shared storage the check and the write are one transaction under the
   * identity lock: an update on another replica cannot close a cycle in between.
   */
  async update(id: string, changes: GroupChanges): Promise<GroupRecord | undefined> {
    const result = await inClusterTransaction(this.#storage, IDENTITY_LOCK, (tx) => this.#on(tx).#update(id, changes));
    // Members who left may have lost an assignment (nested groups' members are checked at use).
    if (result !== undefined) await entityAccessChanged(this.#storage, result.left);
    return result?.group;
  }

  async #update(id: string, changes: GroupChanges): Promise<{ group: GroupRecord | undefined; left: string[] } | undefined> {
    const current = await this.get(id);
    if (!current) return undefined;
    const type = groupType(changes.type, current.type);
    const fields = await this.#check(id, type, changes);
    const time = this.#timestamp();
    try {
      const group = await this.#storage.update<GroupRecord>('group', id, (g) => ({ ...g, ...fields, last_update_time: time }));
      return { group, left: current.member_entity_ids.filter((member) => !(group?.member_entity_ids ?? []).includes(member)) };
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      if (err instanceof AlreadyExistsError && err.index === 'name') throw invalidRequest('group name is already in use');
      throw err;
    }
  }

  /** Remove a group and its place in every parent group (one transaction); false when it did not exist. */
  async delete(id: string): Promise<boolean> {
    const members = await inClusterTransaction(this.#storage, IDENTITY_LOCK, (tx) => this.#on(tx).#delete(id));
    if (members !== undefined) await entityAccessChanged(this.#storage, members);
    return members !== undefined;
  }

  /** The member entities of the removed group, or undefined when there was none. */
  async #delete(id: string): Promise<readonly string[] | undefined> {
    const removed = await this.get(id);
    if (!(await this.#storage.delete('group', id))) return undefined;
    for (const parentId of await this.parentIds(id)) {
      try {
        await this.#storage.update<GroupRecord>('group', parentId, (group) => ({
          ...group,
          member_group_ids: group.member_group_ids.filter((member) => member !== id),
        }));
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err; // the parent went away meanwhile: nothing to clean
      }
    }
    return removed?.member_entity_ids ?? [];
  }

  /** The same service working on `storage` (a transaction's view of the store). */
  #on(storage: Storage): GroupService {
    return storage === this.#storage ? this : new GroupService(storage, this.#now);
  }

  /** Validate the changes in Vault's order and return the record fields they set. */
  async #check(id: string, type: GroupRecord['type'], changes: GroupChanges): Promise<GroupFields> {
    const fields: { -readonly [K in keyof GroupFields]: GroupFields[K] } = {};
    if (changes.policies !== undefined) fields.policies = checkPolicies(changes.policies, { lowercase: true });
    if (changes.name !== undefined) fields.name = checkName(changes.name, 'group');
    if (changes.metadata !== undefined) fields.metadata = checkMetadata(changes.metadata, 'metadata');
    if (changes.memberEntityIds !== undefined) {
      if (type === 'external') throw invalidRequest("member entities can't be set manually for external groups");
      fields.member_entity_ids = await this.#checkEntities(changes.memberEntityIds);
    }
    if (changes.memberGroupIds !== undefined) {
      if (type === 'external') throw invalidRequest("member groups can't be set for external groups");
      fields.member_group_ids = await this.#checkMemberGroups(id, changes.memberGroupIds);
    }
    return fields;
  }

  async #checkEntities(ids: readonly string[]): Promise<string[]> {
    const unique = [...new Set(ids)].sort();
    if (unique.length > MAX_MEMBERS) throw invalidRequest(`member entity IDs exceeding the limit of ${MAX_MEMBERS}`);
    for (const entityId of unique) {
      if (!(await this.#storage.get('entity', entityId))) throw invalidRequest(`invalid entity ID ${JSON.stringify(entityId)}`);
    }
    return unique;
  }

  async #checkMemberGroups(id: string, ids: readonly string[]): Promise<string[]> {
    const unique = [...new Set(ids)].sort();
    if (unique.length > MAX_MEMBERS) throw invalidRequest(`member group IDs exceeding the limit of ${MAX_MEMBERS}`);
    for (const memberId of unique) {
      if (memberId === id) throw invalidRequest(`member group ID ${JSON.stringify(memberId)} is same as the ID of the group`);
      if (!(await this.get(memberId))) throw invalidRequest(`invalid member group ID ${JSON.stringify(memberId)}`);
      if (await this.#contains(memberId, id)) throw invalidRequest(`cyclic relationship detected for member group ID ${JSON.stringify(memberId)}`);
    }
    return unique;
  }

  /** Whether `ancestorId` contains `groupId` through any chain of member groups. */
  async #contains(ancestorId: string, groupId: string): Promise<boolean> {
    const seen = new Set<string>([ancestorId]);
    const pending = [ancestorId];
    while (pending.length > 0) {
      const group = await this.get(pending.pop() as string);
      for (const memberId of group?.member_group_ids ?? []) {
        if (memberId === groupId) return true;
        if (!seen.has(memberId)) {
          seen.add(memberId);
          pending.push(memberId);
        }
      }
    }
    return false;
  }

  #timestamp(): string {
    return new Date(this.#now()).toISOString();
  }
}

/** The type after a write: defaults to internal, and never changes once set. */
function groupType(requested: string | undefined, current: GroupRecord['type'] | undefined): GroupRecord['type'] {
  const type = requested === undefined || requested === '' ? (current ?? 'internal') : requested;
  if (current !== undefined && type !== current) throw invalidRequest('group type cannot be changed');
  if (type !== 'internal' && type !== 'external') throw invalidRequest(`invalid group type ${JSON.stringify(type)}`);
  return type;
}
