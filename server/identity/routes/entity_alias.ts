/**
 * `/v1/identity/entity-alias`: create (or update by `id`), read, update and delete by id, list ids.
 * A write that changes something answers `{id, canonical_id}`; one that changes nothing, 204.
 */
import { definePath, type VaultPath, type VaultResult } from '../../http/vault_path.js';
import type { AliasInput, AliasWriteResult } from '../aliases.js';
import type { IdentityStore } from '../identity_store.js';
import { aliasData } from './shapes.js';

const fields = {
  id: { type: 'string', max: 64 },
  name: { type: 'string', max: 1024 },
  mount_accessor: { type: 'string', max: 256 },
  canonical_id: { type: 'string', max: 64 },
  /** Vault's deprecated spelling of canonical_id. */
  entity_id: { type: 'string', max: 64 },
  custom_metadata: { type: 'kvPairs', max: 1024 },
} as const;

const mountType = 'identity';

export function entityAliasPaths(identity: IdentityStore): VaultPath[] {
  const { aliases } = identity;

  const inputOf = (data: { name?: string; mount_accessor?: string; canonical_id?: string; entity_id?: string; custom_metadata?: Record<string, string> }): AliasInput => {
    const canonicalId = data.canonical_id || data.entity_id;
    return {
      ...(data.name !== undefined ? { name: data.name } : {}),
      ...(data.mount_accessor !== undefined ? { mountAccessor: data.mount_accessor } : {}),
      ...(canonicalId ? { canonicalId } : {}),
      ...(data.custom_metadata !== undefined ? { customMetadata: data.custom_metadata } : {}),
    };
  };

  const answer = (result: AliasWriteResult): VaultResult | undefined =>
    result.changed ? { data: { id: result.alias.id, canonical_id: result.entity.id } } : undefined;

  return [
    definePath({
      pattern: '/identity/entity-alias',
      fields,
      mountType,
      operations: {
        update: async (req) => {
          const input = inputOf(req.data);
          return answer(req.data.id ? await aliases.update(req.data.id, input) : await aliases.create(input));
        },
      },
    }),
    definePath({
      pattern: '/identity/entity-alias/id/:id',
      fields,
      mountType,
      operations: {
        read: async (req) => {
          const found = await aliases.get(req.params.id as string);
          return found && { data: aliasData(found.alias, found.entity.id) };
        },
        update: async (req) => answer(await aliases.update(req.params.id as string, inputOf(req.data))),
        delete: async (req) => {
          await aliases.delete(req.params.id as string);
        },
      },
    }),
    definePath({
      pattern: '/identity/entity-alias/id',
      mountType,
      operations: {
        list: async () => {
          const all = await aliases.list();
          const keyInfo = Object.fromEntries(
            all.map(({ alias, entity }) => [
              alias.id,
              {
                canonical_id: entity.id,
                custom_metadata: alias.custom_metadata,
                local: false,
                mount_accessor: alias.mount_accessor,
                mount_path: alias.mount_path,
                mount_type: alias.mount_type,
                name: alias.name,
              },
            ]),
          );
          return { data: { keys: all.map(({ alias }) => alias.id), key_info: keyInfo } };
        },
      },
    }),
  ];
}
