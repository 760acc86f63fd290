/**
 * Group membership as Vault computes it: the groups an entity is a direct member of, plus every
 * group that contains one of those (transitively). Cycles are tolerated.
 */
import type { Storage } from '../../storage/types.js';
import type { EntityRecord, GroupRecord } from './types.js';

export interface Membership {
  readonly direct: readonly GroupRecord[];
  /** Direct and inherited groups, without duplicates, sorted by name. */
  readonly all: readonly GroupRecord[];
}

export async function membershipOf(storage: Storage, entityId: string): Promise<Membership> {
  const direct = (await storage.findBy<GroupRecord>('group', 'member_entity', entityId)).map((e) => e.value);
  const seen = new Map<string, GroupRecord>(direct.map((g) => [g.id, g]));
  let frontier = direct;
  while (frontier.length > 0) {
    const next: GroupRecord[] = [];
    for (const group of frontier) {
      for (const { value: parent } of await storage.findBy<GroupRecord>('group', 'member_group', group.id)) {
        if (!seen.has(parent.id)) {
          seen.set(parent.id, parent);
          next.push(parent);
        }
      }
    }
    frontier = next;
  }
  return { direct, all: [...seen.values()].sort((a, b) => a.name.localeCompare(b.name)) };
}

/** Policies an entity's tokens gain from the entity and its groups (Vault's identity_policies). */
export async function identityPoliciesOf(storage: Storage, entity: Pick<EntityRecord, 'id' | 'policies'>): Promise<string[]> {
  const membership = await membershipOf(storage, entity.id);
  return [...new Set([...entity.policies, ...membership.all.flatMap((g) => g.policies)])].sort();
}
