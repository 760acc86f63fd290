/**
 * `/v1/identity/entity`: create or update (by body `name`/`id`), read, update and delete by id or
 * name, and list ids (with names and aliases in `key_info`) or names. As in Vault, a write that
 * creates answers 200 `{id, name, aliases}` and a write that updates answers 204; every write is
 * the `update` capability.
 */
import type { Storage } from '../../../storage/types.js';
import { invalidRequest } from '../../errors.js';
import { definePath, lowerCased, type VaultPath, type VaultRequest, type VaultResult } from '../../http/vault_path.js';
import type { EntityChanges, EntityService } from '../entities.js';
import type { IdentityStore } from '../identity_store.js';
import { membershipOf } from '../membership.js';
import type { EntityRecord } from '../types.js';
import { entityData } from './shapes.js';

const fields = {
  id: { type: 'string', max: 64 },
  name: { type: 'string', max: 1024 },
  metadata: { type: 'kvPairs', max: 1024 },
  policies: { type: 'commaStringSlice', max: 256 },
  disabled: { type: 'bool' },
} as const;
type Fields = typeof fields;

const mountType = 'identity';

export function entityPaths(storage: Storage, identity: IdentityStore): VaultPath[] {
  const { entities } = identity;

  const read = async (entity: EntityRecord | undefined): Promise<VaultResult | undefined> =>
    entity && { data: entityData(entity, await membershipOf(storage, entity.id)) };

  const remove = async (entity: EntityRecord | undefined): Promise<void> => {
    if (entity) await entities.delete(entity.id);
  };

  return [
    definePath({
      pattern: '/identity/entity',
      fields,
      mountType,
      operations: { update: (req) => upsert(entities, req, req.data.id, req.data.name) },
    }),
    definePath({
      pattern: '/identity/entity/name/:name',
      canonicalParams: { name: lowerCased },
      fields,
      mountType,
      operations: {
        read: async (req) => read(await entities.byName(req.params.name as string)),
        update: (req) => upsert(entities, req, req.data.id, req.typedParams.name),
        delete: async (req) => remove(await entities.byName(req.params.name as string)),
      },
    }),
    definePath({
      pattern: '/identity/entity/id/:id',
      fields,
      mountType,
      operations: {
        read: async (req) => read(await entities.get(req.params.id as string)),
        update: (req) => upsert(entities, req, req.params.id, req.data.name),
        delete: async (req) => remove(await entities.get(req.params.id as string)),
      },
    }),
    definePath({
      pattern: '/identity/entity/id',
      mountType,
      operations: {
        list: async () => {
          const all = await entities.list();
          const keyInfo = Object.fromEntries(all.map((e) => [e.id, listInfo(e)]));
          return { data: { keys: all.map((e) => e.id), key_info: keyInfo } };
        },
      },
    }),
    definePath({
      pattern: '/identity/entity/name',
      mountType,
      operations: {
        list: async () => ({ data: { keys: (await entities.list()).map((e) => e.name).sort() } }),
      },
    }),
  ];
}

/**
 * Vault's handleEntityUpdateCommon: an id selects an existing entity, else a name that is already
 * taken selects its entity; a name taken by another entity than the selected one is refused.
 */
async function upsert(entities: EntityService, req: VaultRequest<Fields>, id: string | undefined, name: string | undefined): Promise<VaultResult | undefined> {
  let target: EntityRecord | undefined;
  if (id !== undefined && id !== '') {
    target = await entities.get(id);
    if (!target) throw invalidRequest('entity not found from id');
  }
  if (name !== undefined && name !== '') {
    const named = await entities.byName(name);
    if (named && target && named.id !== target.id) throw invalidRequest('entity name is already in use');
    target ??= named;
  }
  const changes: EntityChanges = {
    ...(name !== undefined && name !== '' ? { name } : {}),
    ...(req.data.metadata !== undefined ? { metadata: req.data.metadata } : {}),
    ...(req.data.policies !== undefined ? { policies: req.data.policies } : {}),
    ...(req.data.disabled !== undefined ? { disabled: req.data.disabled } : {}),
  };
  if (target) {
    if (!(await entities.update(target.id, changes))) throw invalidRequest('entity not found from id');
    return undefined;
  }
  const created = await entities.create(changes);
  return { data: { id: created.id, name: created.name, aliases: created.aliases.length > 0 ? created.aliases.map((a) => a.id) : null } };
}

function listInfo(entity: EntityRecord) {
  return {
    name: entity.name,
    ...(entity.aliases.length > 0
      ? {
          aliases: entity.aliases.map((a) => ({
            id: a.id,
            mount_accessor: a.mount_accessor,
            mount_path: a.mount_path,
            mount_type: a.mount_type,
            name: a.name,
          })),
        }
      : {}),
  };
}
