/**
 * `POST /v1/identity/lookup/entity` and `/identity/lookup/group` (Vault's path_lookup.go, called
 * by hvac's lookup_entity/lookup_group): find one object by exactly one criterion — `name`, `id`,
 * `alias_id`, or the pair `alias_name` + `alias_mount_accessor` — and answer its read shape.
 * Nothing found is 204 with no body, as in Vault. Lanyard groups are all internal and carry no
 * aliases, so an alias criterion on the group path finds nothing.
 */
import type { Storage } from '../../../storage/types.js';
import { invalidRequest } from '../../errors.js';
import { definePath, type VaultPath, type VaultRequest } from '../../http/vault_path.js';
import type { IdentityStore } from '../identity_store.js';
import { membershipOf } from '../membership.js';
import type { EntityRecord, GroupRecord } from '../types.js';
import { entityData, groupData } from './shapes.js';

const fields = {
  type: { type: 'string', max: 64 },
  name: { type: 'string', max: 1024 },
  id: { type: 'string', max: 64 },
  alias_id: { type: 'string', max: 64 },
  alias_name: { type: 'string', max: 1024 },
  alias_mount_accessor: { type: 'string', max: 256 },
} as const;
type Fields = typeof fields;

type Criterion =
  | { readonly by: 'name' | 'id' | 'alias_id'; readonly value: string }
  | { readonly by: 'alias'; readonly name: string; readonly accessor: string };

/** Vault's checks and messages: one criterion, and the alias pair given whole. */
function criterion(data: VaultRequest<Fields>['data']): Criterion {
  const given = (['name', 'id', 'alias_id', 'alias_name', 'alias_mount_accessor'] as const).filter((k) => (data[k] ?? '') !== '');
  if (given.length === 0) throw invalidRequest('query parameter not supplied');
  const aliasPair = given.length === 2 && given.includes('alias_name') && given.includes('alias_mount_accessor');
  if (given.length > 1 && !aliasPair) throw invalidRequest('query parameter conflict; please supply distinct set of query parameters');
  if (aliasPair) return { by: 'alias', name: data.alias_name as string, accessor: data.alias_mount_accessor as string };
  const [only] = given as [(typeof given)[number]];
  if (only === 'alias_name') throw invalidRequest(`missing "alias_mount_accessor" field`);
  if (only === 'alias_mount_accessor') throw invalidRequest(`missing "alias_name" field`);
  return { by: only, value: data[only] as string };
}

export function lookupPaths(storage: Storage, identity: IdentityStore): VaultPath[] {
  const findEntity = async (c: Criterion): Promise<EntityRecord | undefined> => {
    switch (c.by) {
      case 'name':
        return identity.entities.byName(c.value);
      case 'id':
        return identity.entities.get(c.value);
      case 'alias_id':
        return (await identity.aliases.get(c.value))?.entity;
      case 'alias':
        return (await identity.aliases.byFactors(c.accessor, c.name))?.entity;
    }
  };
  const findGroup = async (c: Criterion): Promise<GroupRecord | undefined> => {
    if (c.by === 'name') return identity.groups.byName(c.value);
    if (c.by === 'id') return identity.groups.get(c.value);
    return undefined; // no group aliases
  };

  return [
    definePath({
      pattern: '/identity/lookup/entity',
      fields,
      mountType: 'identity',
      operations: {
        update: async (req) => {
          const entity = await findEntity(criterion(req.data));
          return entity && { data: entityData(entity, await membershipOf(storage, entity.id)) };
        },
      },
    }),
    definePath({
      pattern: '/identity/lookup/group',
      fields,
      mountType: 'identity',
      operations: {
        update: async (req) => {
          const group = await findGroup(criterion(req.data));
          return group && { data: groupData(group, await identity.groups.parentIds(group.id)) };
        },
      },
    }),
  ];
}
