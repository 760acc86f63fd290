/**
 * What a claims template sees of an entity: its id, name and metadata, its direct and inherited
 * groups (Vault's `identity.entity.groups.*` include both), and its aliases by mount accessor.
 */
import type { Storage } from '../../storage/types.js';
import { membershipOf } from '../identity/membership.js';
import type { EntityRecord } from '../identity/types.js';
import type { TemplateEntity } from './template.js';

export async function templateEntityOf(storage: Storage, entity: EntityRecord): Promise<TemplateEntity> {
  const { all } = await membershipOf(storage, entity.id);
  return {
    id: entity.id,
    name: entity.name,
    metadata: entity.metadata,
    groups: all.map((group) => ({ id: group.id, name: group.name, metadata: group.metadata })),
    aliases: entity.aliases.map((alias) => ({
      id: alias.id,
      name: alias.name,
      mount_accessor: alias.mount_accessor,
      metadata: alias.metadata,
      custom_metadata: alias.custom_metadata,
    })),
  };
}
