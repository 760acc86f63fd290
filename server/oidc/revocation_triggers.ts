/**
 * Where revocation (grant_revocation.ts) is set off from: entity and group changes through the
 * access events, OIDC client and assignment writes directly. The revocation module loads
 * node-oidc-provider's adapter, which the server otherwise loads only on the first OIDC request,
 * so it is imported when first needed.
 */
import { onEntityAccessChange } from '../identity/access_events.js';
import type { Services } from '../services.js';

type RevocationModule = typeof import('./grant_revocation.js');
let loaded: Promise<RevocationModule> | undefined;
const revocation = (): Promise<RevocationModule> => (loaded ??= import('./grant_revocation.js'));

/** At server start: entity and group changes end the grants they take away. */
export function installRevocationTriggers(services: Services): void {
  onEntityAccessChange(services.storage, async (entityIds) => {
    await (await revocation()).revalidateEntityGrants(services, entityIds);
  });
}

/** After a client write: its grants whose entities it no longer admits end. */
export async function clientAccessChanged(services: Services, clientId: string): Promise<void> {
  await (await revocation()).revalidateClientGrants(services, [clientId]);
}

/** After a client is deleted: all its grants end. */
export async function clientDeleted(services: Services, clientId: string): Promise<void> {
  await (await revocation()).revokeClientGrants(services, clientId);
}

/** After an assignment write or delete: the grants of clients using it are checked again. */
export async function assignmentChanged(services: Services, name: string): Promise<void> {
  await (await revocation()).revalidateAssignmentGrants(services, [name]);
}
