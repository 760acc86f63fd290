/** `GET /api/v1/auth/oidc-auth/identities/:identityId`: the configuration, CA certificate included. */
import type { Express } from 'express';
import { authorizeAdmin, identityAclPath } from '../admin_auth.js';
import { configView } from '../config_view.js';
import { identityIdParam, requireIdentity } from '../identity.js';
import { badRequest } from '../infisical_errors.js';
import { infisicalRoute } from '../infisical_route.js';
import type { MachineAuth } from '../machine_auth.js';

export function mountRead(app: Express, machine: MachineAuth): void {
  const { services, configs } = machine;
  app.get(
    '/api/v1/auth/oidc-auth/identities/:identityId',
    infisicalRoute(async (req, ctx) => {
      const identityId = identityIdParam(req);
      await authorizeAdmin(services, req, ctx, identityAclPath(identityId), 'read');
      await requireIdentity(services.storage, identityId);
      const config = await configs.get(identityId);
      if (config === undefined) throw badRequest('The identity does not have OIDC Auth attached');
      return configView(config);
    }),
  );
}
