/**
 * loadExistingGrant: runs on every authorization request that has a signed-in session, including
 * single sign-on to a second client that never shows the login page. That makes it the place to
 * enforce who may use the client: the entity must exist, be enabled and be assigned to the client,
 * otherwise the client gets access_denied. (A check at the login page alone would be bypassed by
 * SSO.) An entity that was deleted or disabled also ends the session, so the next attempt starts
 * at the login page.
 *
 * Consent is remembered per grant: the grant the session holds for the client is reused, and the
 * consent prompt appears only for scopes it does not cover yet. A sign-in with a Lanyard token is
 * its own consent (token_login.ts): the grant is extended with everything requested.
 */
import { errors, type Grant, type KoaContextWithOIDC } from 'oidc-provider';
import type { EntityRecord } from '../../identity/types.js';
import type { Logger } from '../../log.js';
import type { Services } from '../../services.js';
import { entityIsAssigned } from './assignments.js';
import { NOT_ASSIGNED } from './claims.js';
import type { ClientDirectory } from './clients.js';
import { isTokenLogin } from './token_login.js';

export function grantLoader(services: Pick<Services, 'storage'>, clients: ClientDirectory, log: Logger) {
  return async (ctx: KoaContextWithOIDC): Promise<Grant | undefined> => {
    const { client, session, account, provider } = ctx.oidc;
    if (client === undefined || account === undefined || session === undefined) return undefined;

    const entity = await services.storage.get<EntityRecord>('entity', account.accountId);
    if (entity === undefined || entity.disabled) {
      await session.destroy();
      throw new errors.AccessDenied(entity === undefined ? 'identity entity associated with the request not found' : 'identity entity is disabled');
    }
    const known = clients.known(client.clientId) ?? (await clients.lookup(client.clientId));
    if (known === undefined || !(await entityIsAssigned(services.storage, log, known.record, entity))) {
      throw new errors.AccessDenied(NOT_ASSIGNED);
    }

    const grantId = ctx.oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
    let grant = typeof grantId === 'string' ? await provider.Grant.find(grantId) : undefined;
    // A grant left in the session by another account or client is not this request's consent.
    if (grant !== undefined && (grant.accountId !== account.accountId || grant.clientId !== client.clientId)) grant = undefined;

    if (isTokenLogin(ctx)) {
      grant ??= new provider.Grant({ accountId: account.accountId, clientId: client.clientId });
      const requested = [...ctx.oidc.requestParamOIDCScopes].join(' ');
      if (requested !== '') grant.addOIDCScope(requested);
      await grant.save();
    }
    return grant;
  };
}
