/**
 * `DELETE /api/v1/auth/oidc-auth/identities/:identityId` (Infisical calls it "revoke"): remove
 * the configuration and revoke every token of the identity, as Infisical does, so detaching the
 * login method also ends the access it granted. The answer omits the CA certificate.
 *
 * A configuration whose entity was deleted meanwhile can still be removed.
 */
import type { Express } from 'express';
import { authorizeAdmin, identityAclPath } from '../admin_auth.js';
import { configView } from '../config_view.js';
import { identityIdParam, requireIdentity } from '../identity.js';
import { badRequest } from '../infisical_errors.js';
import { infisicalRoute } from '../infisical_route.js';
import type { MachineAuth } from '../machine_auth.js';

export function mountRevoke(app: Express, machine: MachineAuth): void {
  const { services, configs } = machine;
  app.delete(
    '/api/v1/auth/oidc-auth/identities/:identityId',
    infisicalRoute(async (req, ctx) => {
      const identityId = identityIdParam(req);
      await authorizeAdmin(services, req, ctx, identityAclPath(identityId), 'delete');
      const removed = await configs.delete(identityId);
      if (removed === undefined) {
        await requireIdentity(services.storage, identityId);
        throw badRequest('The identity does not have OIDC auth');
      }
      const revoked = await services.tokens.revokeByEntity(identityId);
      ctx.log.info('machine login detached', { identity_id: identityId, tokens_revoked: revoked });
      return configView(removed, { withCaCert: false });
    }),
  );
}
