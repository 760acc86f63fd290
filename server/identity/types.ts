/** Vault's identity model: entities with aliases (one per auth mount login) and groups. */

export interface EntityAlias {
  readonly id: string;
  readonly name: string;
  readonly mount_accessor: string;
  readonly mount_type: string;
  readonly mount_path: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly custom_metadata: Readonly<Record<string, string>>;
  readonly creation_time: string;
  readonly last_update_time: string;
}

export interface EntityRecord {
  readonly id: string;
  readonly name: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly policies: readonly string[];
  readonly disabled: boolean;
  readonly aliases: readonly EntityAlias[];
  readonly creation_time: string;
  readonly last_update_time: string;
}

export interface GroupRecord {
  readonly id: string;
  readonly name: string;
  readonly type: 'internal' | 'external';
  readonly metadata: Readonly<Record<string, string>>;
  readonly policies: readonly string[];
  readonly member_entity_ids: readonly string[];
  /** Groups that are members of this group (its children). */
  readonly member_group_ids: readonly string[];
  readonly creation_time: string;
  readonly last_update_time: string;
}
