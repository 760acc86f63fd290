/**
 * Revocation that reaches every token: when an entity is disabled or deleted, or may no longer use
 * a client (its assignments, the client's assignments or its groups changed), every grant it holds
 * that no longer passes the assignment rule is ended at once, with all tokens and codes of that
 * grant, in every provider. Introspection then says inactive and refresh and userinfo fail, without
 * waiting for the next use to notice (which the per-use checks in claims.ts and grants.ts still do).
 *
 * The grants of an entity are found through the `oidc_entity_grant` index that the Grant adapter
 * keeps (provider/entity_grants.ts). Each ended grant is reported to `onRevoked` listeners
 * (OIDC Back-Channel Logout).
 */
import type { Storage } from '../../storage/types.js';
import type { EntityRecord } from '../identity/types.js';
import type { Services } from '../services.js';
import { OIDC_KINDS } from './admin/records.js';
import { StateAdapter } from './provider/adapter.js';
import { entityIsAssigned } from './provider/assignments.js';
import type { ClientRecord } from './types.js';
import { sharedStateProtection } from './provider/state_protection.js';

export const ENTITY_GRANT_KIND = 'oidc_entity_grant';

export interface EntityGrantRecord {
  readonly provider: string;
  readonly grant_id: string;
  readonly entity_id: string;
  readonly client_id: string;
  /** The session the grant was made in, once a session names it (for back-channel logout). */
  readonly sid?: string;
}

export function entityGrantId(provider: string, grantId: string): string {
  return `${provider}:${grantId}`;
}

export type RevokedGrantListener = (revoked: readonly EntityGrantRecord[]) => Promise<void>;
const revokedListeners = new WeakMap<Storage, Set<RevokedGrantListener>>();

export function onGrantsRevoked(storage: Storage, listener: RevokedGrantListener): void {
  let set = revokedListeners.get(storage);
  if (set === undefined) {
    set = new Set();
    revokedListeners.set(storage, set);
  }
  set.add(listener);
}

type RevocationServices = Pick<Services, 'storage' | 'seal' | 'now' | 'log'>;

/** Ends the grants of these entities that they may no longer hold. */
export async function revalidateEntityGrants(services: RevocationServices, entityIds: readonly string[]): Promise<EntityGrantRecord[]> {
  const records = (await Promise.all(entityIds.map((id) => services.storage.findBy<EntityGrantRecord>(ENTITY_GRANT_KIND, 'entity', id)))).flat();
  return revalidate(services, records.map((entry) => entry.value));
}

/** Ends the grants of these clients whose entities may no longer use them. */
export async function revalidateClientGrants(services: RevocationServices, clientIds: readonly string[]): Promise<EntityGrantRecord[]> {
  const records = (await Promise.all(clientIds.map((id) => services.storage.findBy<EntityGrantRecord>(ENTITY_GRANT_KIND, 'client', id)))).flat();
  return revalidate(services, records.map((entry) => entry.value));
}

/** Ends the grants of every client that uses one of these assignments. */
export async function revalidateAssignmentGrants(services: RevocationServices, assignments: readonly string[]): Promise<EntityGrantRecord[]> {
  const clients = await services.storage.list<ClientRecord>(OIDC_KINDS.client);
  const affected = clients.filter((entry) => entry.value.assignments.some((name) => assignments.includes(name)));
  return revalidateClientGrants(services, affected.map((entry) => entry.value.client_id));
}

/** Ends every grant of the entity on the client (deleting a client ends all of them). */
export async function revokeClientGrants(services: RevocationServices, clientId: string): Promise<EntityGrantRecord[]> {
  const records = (await services.storage.findBy<EntityGrantRecord>(ENTITY_GRANT_KIND, 'client', clientId)).map((entry) => entry.value);
  for (const record of records) await revokeGrant(services, record);
  await notify(services.storage, records);
  return records;
}

async function revalidate(services: RevocationServices, records: readonly EntityGrantRecord[]): Promise<EntityGrantRecord[]> {
  const revoked: EntityGrantRecord[] = [];
  const entities = new Map<string, Promise<EntityRecord | undefined>>();
  const clients = new Map<string, Promise<ClientRecord | undefined>>();
  for (const record of records) {
    let entity = entities.get(record.entity_id);
    if (entity === undefined) {
      entity = services.storage.get<EntityRecord>('entity', record.entity_id);
      entities.set(record.entity_id, entity);
    }
    let client = clients.get(record.client_id);
    if (client === undefined) {
      client = services.storage.findBy<ClientRecord>(OIDC_KINDS.client, 'client_id', record.client_id).then(([entry]) => entry?.value);
      clients.set(record.client_id, client);
    }
    const [e, c] = await Promise.all([entity, client]);
    if (e !== undefined && c !== undefined && (await entityIsAssigned(services.storage, services.log, c, e))) continue;
    await revokeGrant(services, record);
    revoked.push(record);
  }
  await notify(services.storage, revoked);
  return revoked;
}

async function revokeGrant(services: RevocationServices, record: EntityGrantRecord): Promise<void> {
  const protection = await sharedStateProtection(services);
  const options = { storage: services.storage, provider: record.provider, now: services.now, protection };
  await new StateAdapter('Grant', options).revokeGrant(record.grant_id);
  await services.storage.delete(ENTITY_GRANT_KIND, entityGrantId(record.provider, record.grant_id));
  services.log.info('oidc grant revoked: the entity may no longer use the client', { provider: record.provider, client_id: record.client_id, entity_id: record.entity_id });
}

async function notify(storage: Storage, revoked: readonly EntityGrantRecord[]): Promise<void> {
  if (revoked.length === 0) return;
  for (const listener of revokedListeners.get(storage) ?? []) await listener(revoked);
}

/** Ends every grant of the entity, whatever it may still use (the upstream IdP refused it). */
export async function revokeAllEntityGrants(services: RevocationServices, entityId: string): Promise<EntityGrantRecord[]> {
  const records = (await services.storage.findBy<EntityGrantRecord>(ENTITY_GRANT_KIND, 'entity', entityId)).map((entry) => entry.value);
  for (const record of records) await revokeGrant(services, record);
  await notify(services.storage, records);
  return records;
}
