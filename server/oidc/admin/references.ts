/**
 * Who uses what, for Vault's reference-integrity rules: a key cannot be deleted while a role or
 * client uses it (nor its verification_ttl lowered below their TTLs), a scope while a provider
 * lists it, an assignment while a client lists it. Names come back sorted, as in Vault's messages.
 */
import type { Storage } from '../../../storage/types.js';
import type { ClientRecord, ProviderRecord, RoleRecord } from '../types.js';
import { OIDC_KINDS, listRecords } from './records.js';

export async function rolesUsingKey(storage: Storage, key: string): Promise<RoleRecord[]> {
  return (await listRecords<RoleRecord>(storage, OIDC_KINDS.role)).filter((role) => role.key === key);
}

export async function clientsUsingKey(storage: Storage, key: string): Promise<ClientRecord[]> {
  return (await listRecords<ClientRecord>(storage, OIDC_KINDS.client)).filter((client) => client.key === key);
}

export async function providersUsingScope(storage: Storage, scope: string): Promise<string[]> {
  const providers = await listRecords<ProviderRecord>(storage, OIDC_KINDS.provider);
  return providers.filter((provider) => provider.scopes_supported.includes(scope)).map((provider) => provider.name);
}

export async function clientsUsingAssignment(storage: Storage, assignment: string): Promise<string[]> {
  const clients = await listRecords<ClientRecord>(storage, OIDC_KINDS.client);
  return clients.filter((client) => client.assignments.includes(assignment)).map((client) => client.name);
}
