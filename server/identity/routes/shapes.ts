/**
 * How Vault renders identity objects on read. Keys are in the order Go's JSON encoder writes a
 * map (sorted), and empty values are `null` where Vault's nil slices and maps make them so.
 */
import type { Membership } from '../membership.js';
import type { EntityAlias, EntityRecord, GroupRecord } from '../types.js';

const NAMESPACE_ID = 'root';

const mapOrNull = (map: Readonly<Record<string, string>>) => (Object.keys(map).length > 0 ? map : null);
const listOrNull = (list: readonly string[]) => (list.length > 0 ? list : null);

export function aliasData(alias: EntityAlias, canonicalId: string) {
  return {
    canonical_id: canonicalId,
    creation_time: alias.creation_time,
    custom_metadata: alias.custom_metadata,
    id: alias.id,
    last_update_time: alias.last_update_time,
    local: false,
    merged_from_canonical_ids: null,
    metadata: mapOrNull(alias.metadata),
    mount_accessor: alias.mount_accessor,
    mount_path: alias.mount_path,
    mount_type: alias.mount_type,
    name: alias.name,
    namespace_id: NAMESPACE_ID,
  };
}

export function entityData(entity: EntityRecord, membership: Membership) {
  const direct = membership.direct.map((g) => g.id);
  const inherited = membership.all.map((g) => g.id).filter((id) => !direct.includes(id));
  return {
    aliases: entity.aliases.map((alias) => {
      const { namespace_id: _omitted, ...shown } = aliasData(alias, entity.id);
      return shown;
    }),
    creation_time: entity.creation_time,
    direct_group_ids: direct,
    disabled: entity.disabled,
    group_ids: [...direct, ...inherited],
    id: entity.id,
    inherited_group_ids: inherited,
    last_update_time: entity.last_update_time,
    merged_entity_ids: null,
    metadata: mapOrNull(entity.metadata),
    mfa_secrets: {},
    name: entity.name,
    namespace_id: NAMESPACE_ID,
    policies: entity.policies,
  };
}

export function groupData(group: GroupRecord, parentIds: readonly string[]) {
  return {
    alias: {},
    creation_time: group.creation_time,
    id: group.id,
    last_update_time: group.last_update_time,
    member_entity_ids: group.member_entity_ids,
    member_group_ids: listOrNull(group.member_group_ids),
    metadata: mapOrNull(group.metadata),
    name: group.name,
    namespace_id: NAMESPACE_ID,
    parent_group_ids: listOrNull(parentIds),
    policies: group.policies,
    type: group.type,
  };
}
