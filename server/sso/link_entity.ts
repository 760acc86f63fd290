/**
 * The Lanyard entity behind an upstream sign-in. The person is known by the IdP's `sub` only: the
 * alias on the `oidc` auth mount is named after it, created with a new entity on the first sign-in
 * (AliasService.entityForLogin) and found again on every later one. Nothing else links a sign-in
 * to an entity, and certainly not the email address, which a person (or an IdP admin) can change
 * to anyone's: two people with the same email are two entities.
 *
 * Alias names are compared without case by the identity store, but a `sub` is case-sensitive:
 * a sign-in whose `sub` differs only in case from an existing alias is refused rather than merged.
 *
 * The alias metadata carries the email (and name, when the IdP sends one) of the latest sign-in,
 * so identity templates and scopes can read `{{identity.entity.aliases.<accessor>.metadata.email}}`.
 * The entity record is only written when that metadata changed.
 */
import { NotFoundError } from '../../storage/errors.js';
import type { Storage } from '../../storage/types.js';
import type { IdentityStore } from '../identity/identity_store.js';
import type { ResolvedMount } from '../identity/mounts.js';
import type { EntityAlias, EntityRecord } from '../identity/types.js';
import { SsoLoginError } from './failures.js';

const MAX_METADATA_VALUE = 512;

export interface UpstreamPerson {
  readonly sub: string;
  readonly email: string;
  readonly name?: string;
}

export async function linkEntity(storage: Storage, identity: IdentityStore, mount: ResolvedMount, person: UpstreamPerson, now: () => number): Promise<EntityRecord> {
  const entity = await identity.aliases.entityForLogin(mount, person.sub);
  const alias = entity.aliases.find((a) => a.mount_accessor === mount.accessor);
  if (alias === undefined || alias.name !== person.sub) {
    throw new SsoLoginError('alias_conflict', `upstream sub ${JSON.stringify(person.sub)} matches alias ${JSON.stringify(alias?.name)} of entity ${entity.id} only without case`);
  }
  if (entity.disabled) throw new SsoLoginError('entity_disabled', `entity ${entity.id} is disabled`);

  const metadata = aliasMetadata(person);
  if (sameMap(alias.metadata, metadata)) return entity;
  try {
    const updated = await storage.update<EntityRecord>('entity', entity.id, (stored) => withMetadata(stored, alias.id, metadata, new Date(now()).toISOString()));
    return updated ?? entity;
  } catch (error) {
    if (error instanceof NotFoundError) throw new SsoLoginError('alias_conflict', `entity ${entity.id} was deleted during the sign-in`);
    throw error;
  }
}

function aliasMetadata(person: UpstreamPerson): Record<string, string> {
  const name = person.name === undefined ? '' : printable(person.name);
  return { email: printable(person.email), ...(name !== '' ? { name } : {}) };
}

/** The identity store's metadata rules: no control characters, at most 512 characters. */
function printable(text: string): string {
  return text.replace(/[\p{Cc}\p{Cs}]/gu, '').slice(0, MAX_METADATA_VALUE);
}

function withMetadata(entity: EntityRecord, aliasId: string, metadata: Readonly<Record<string, string>>, time: string): EntityRecord {
  const aliases = entity.aliases.map((alias): EntityAlias => (alias.id === aliasId ? { ...alias, metadata: { ...metadata }, last_update_time: time } : alias));
  return { ...entity, aliases };
}

function sameMap(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key]);
}
