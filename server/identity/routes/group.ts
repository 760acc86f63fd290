/**
 * `/v1/identity/group`: create or update (by body `id` or `name`), read, update and delete by id
 * or name, list ids (with `key_info`) or names. A write that creates answers 200 `{id, name}`; one
 * that updates, 204.
 */
import { invalidRequest } from '../../errors.js';
import { definePath, lowerCased, type VaultPath, type VaultRequest, type VaultResult } from '../../http/vault_path.js';
import type { GroupChanges, GroupService } from '../groups.js';
import type { IdentityStore } from '../identity_store.js';
import type { GroupRecord } from '../types.js';
import { groupData } from './shapes.js';

const fields = {
  id: { type: 'string', max: 64 },
  name: { type: 'string', max: 1024 },
  type: { type: 'string', max: 64 },
  metadata: { type: 'kvPairs', max: 1024 },
  policies: { type: 'commaStringSlice', max: 256 },
  member_entity_ids: { type: 'commaStringSlice', max: 1024 },
  member_group_ids: { type: 'commaStringSlice', max: 1024 },
} as const;
type Fields = typeof fields;

const mountType = 'identity';

export function groupPaths(identity: IdentityStore): VaultPath[] {
  const { groups } = identity;

  const read = async (group: GroupRecord | undefined): Promise<VaultResult | undefined> =>
    group && { data: groupData(group, await groups.parentIds(group.id)) };

  const remove = async (group: GroupRecord | undefined): Promise<void> => {
    if (group) await groups.delete(group.id);
  };

  const byId = async (req: VaultRequest<Fields>, id: string) => {
    const group = await groups.get(id);
    if (!group) throw invalidRequest('invalid group ID');
    return write(groups, req, group, req.data.name);
  };
  const byName = async (req: VaultRequest<Fields>, name: string) => write(groups, req, await groups.byName(name), name);

  return [
    definePath({
      pattern: '/identity/group',
      fields,
      mountType,
      operations: {
        update: async (req) => {
          if (req.data.id) return byId(req, req.data.id);
          if (req.data.name) return byName(req, req.data.name);
          return write(groups, req, undefined, undefined);
        },
      },
    }),
    definePath({
      pattern: '/identity/group/name/:name',
      canonicalParams: { name: lowerCased },
      fields,
      mountType,
      operations: {
        read: async (req) => read(await groups.byName(req.params.name as string)),
        update: (req) => byName(req, req.typedParams.name as string),
        delete: async (req) => remove(await groups.byName(req.params.name as string)),
      },
    }),
    definePath({
      pattern: '/identity/group/id/:id',
      fields,
      mountType,
      operations: {
        read: async (req) => read(await groups.get(req.params.id as string)),
        update: (req) => byId(req, req.params.id as string),
        delete: async (req) => remove(await groups.get(req.params.id as string)),
      },
    }),
    definePath({
      pattern: '/identity/group/id',
      mountType,
      operations: {
        list: async () => {
          const all = await groups.list();
          const keyInfo: Record<string, unknown> = {};
          for (const group of all) {
            keyInfo[group.id] = {
              name: group.name,
              num_member_entities: group.member_entity_ids.length,
              num_parent_groups: (await groups.parentIds(group.id)).length,
            };
          }
          return { data: { keys: all.map((g) => g.id), key_info: keyInfo } };
        },
      },
    }),
    definePath({
      pattern: '/identity/group/name',
      mountType,
      operations: {
        list: async () => ({ data: { keys: (await groups.list()).map((g) => g.name).sort() } }),
      },
    }),
  ];
}

/** Update `target`, or create a group when there is none. */
async function write(groups: GroupService, req: VaultRequest<Fields>, target: GroupRecord | undefined, name: string | undefined): Promise<VaultResult | undefined> {
  const changes: GroupChanges = {
    ...(name !== undefined && name !== '' ? { name } : {}),
    ...(req.data.type !== undefined ? { type: req.data.type } : {}),
    ...(req.data.metadata !== undefined ? { metadata: req.data.metadata } : {}),
    ...(req.data.policies !== undefined ? { policies: req.data.policies } : {}),
    ...(req.data.member_entity_ids !== undefined ? { memberEntityIds: req.data.member_entity_ids } : {}),
    ...(req.data.member_group_ids !== undefined ? { memberGroupIds: req.data.member_group_ids } : {}),
  };
  if (target) {
    if (!(await groups.update(target.id, changes))) throw invalidRequest('invalid group ID');
    return undefined;
  }
  const created = await groups.create(changes);
  return { data: { id: created.id, name: created.name } };
}
