/**
 * The entity alias a machine login leaves on its identity: one alias on the `oidc-auth` mount,
 * named after the identity id (unique, and stable across logins whatever the workload's subject),
 * whose metadata holds the claims `claimMetadataMapping` selects. Identity templates read it as
 * `{{identity.entity.aliases.<oidc-auth accessor>.metadata.<key>}}`.
 *
 * Aliases live inside the entity record in the state store (SQLite), never in the configuration
 * file, and the record is only written when the alias is missing or its metadata changed: a
 * workload that logs in again with the same claims costs no write at all.
 */
import { AlreadyExistsError, NotFoundError } from '../../storage/errors.js';
import type { Storage } from '../../storage/types.js';
import type { ResolvedMount } from '../identity/mounts.js';
import type { EntityAlias, EntityRecord } from '../identity/types.js';
import { LanyardError } from '../errors.js';
import { uuid } from '../util/random.js';
import { unauthorized } from '../http/infisical_errors.js';

export async function recordLoginAlias(
  storage: Storage,
  mount: ResolvedMount,
  entity: EntityRecord,
  metadata: Readonly<Record<string, string>>,
  now: () => number,
): Promise<void> {
  const current = entity.aliases.find((alias) => alias.mount_accessor === mount.accessor);
  if (current !== undefined && sameMap(current.metadata, metadata)) return;
  try {
    await storage.update<EntityRecord>('entity', entity.id, (stored) => withLoginAlias(stored, mount, metadata, new Date(now()).toISOString()));
  } catch (error) {
    if (error instanceof NotFoundError) throw unauthorized('Identity not found', { reason: 'identity_not_found', detail: 'deleted during login' });
    if (error instanceof AlreadyExistsError) {
      throw new LanyardError('conflict', 'The identity alias for this login is already taken by another identity', {
        reason: 'alias_conflict',
        detail: `another entity holds an alias ${mount.accessor}/${entity.id}`,
      });
    }
    throw error;
  }
}

/** The entity with its login alias present and carrying `metadata` (concurrent logins converge). */
function withLoginAlias(entity: EntityRecord, mount: ResolvedMount, metadata: Readonly<Record<string, string>>, time: string): EntityRecord {
  const existing = entity.aliases.find((alias) => alias.mount_accessor === mount.accessor);
  if (existing !== undefined) {
    if (sameMap(existing.metadata, metadata)) return entity;
    const updated: EntityAlias = { ...existing, metadata: { ...metadata }, last_update_time: time };
    return { ...entity, aliases: entity.aliases.map((alias) => (alias === existing ? updated : alias)) };
  }
  const alias: EntityAlias = {
    id: uuid(),
    name: entity.id,
    mount_accessor: mount.accessor,
    mount_type: mount.type,
    mount_path: mount.path,
    metadata: { ...metadata },
    custom_metadata: {},
    creation_time: time,
    last_update_time: time,
  };
  return { ...entity, aliases: [...entity.aliases, alias] };
}

function sameMap(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key]);
}
