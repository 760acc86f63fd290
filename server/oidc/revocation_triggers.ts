/**
 * Where revocation (grant_revocation.ts) is set off from: entity and group changes through the
 * access events, OIDC client and assignment writes directly. The revocation module loads
 * node-oidc-provider's adapter, which the server otherwise loads only on the first OIDC request,
 * so it is imported when first needed.
 */
import { onEntityAccessChange } from '../identity/access_events.js';
import type { Services } from '../services.js';

/** server/sso/upstream_sessions.ts's kind (not imported: that module loads openid-client). */
const UPSTREAM_SESSION_KIND = 'sso_upstream_session';

type RevocationModule = typeof import('./grant_revocation.js');
let loaded: Promise<RevocationModule> | undefined;
const revocation = (): Promise<RevocationModule> => (loaded ??= import('./grant_revocation.js'));

/** At server start: entity and group changes end the grants they take away. */
export function installRevocationTriggers(services: Services): void {
  let subscribed = false;
  const load = async (): Promise<RevocationModule> => {
    const module = await revocation();
    if (!subscribed) {
      subscribed = true;
      // Every revoked grant of a client with a back-channel URI tells that client (backchannel/logout.ts).
      const { sendBackchannelLogouts } = await import('./backchannel/logout.js');
      module.onGrantsRevoked(services.storage, async (revoked) => {
        sendBackchannelLogouts(
          services,
          revoked.map((grant) => ({ provider: grant.provider, clientId: grant.client_id, entityId: grant.entity_id, ...(grant.sid !== undefined ? { sid: grant.sid } : {}) })),
        );
      });
    }
    return module;
  };
  loaders.set(services, load);
  onEntityAccessChange(services.storage, async (entityIds) => {
    await (await load()).revalidateEntityGrants(services, entityIds);
    // A deleted entity's sealed upstream refresh token (SSO re-validation) goes with it.
    for (const id of entityIds) {
      if ((await services.storage.get('entity', id)) === undefined) await services.storage.delete(UPSTREAM_SESSION_KIND, id);
    }
  });
}

const loaders = new WeakMap<Services, () => Promise<RevocationModule>>();
const revocationFor = (services: Services): Promise<RevocationModule> => (loaders.get(services) ?? revocation)();

/** After a client write: its grants whose entities it no longer admits end. */
export async function clientAccessChanged(services: Services, clientId: string): Promise<void> {
  await (await revocationFor(services)).revalidateClientGrants(services, [clientId]);
}

/** After a client is deleted: all its grants end. */
export async function clientDeleted(services: Services, clientId: string): Promise<void> {
  await (await revocationFor(services)).revokeClientGrants(services, clientId);
}

/** After an assignment write or delete: the grants of clients using it are checked again. */
export async function assignmentChanged(services: Services, name: string): Promise<void> {
  await (await revocationFor(services)).revalidateAssignmentGrants(services, [name]);
}
