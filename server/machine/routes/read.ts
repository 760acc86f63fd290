/** `GET /api/v1/auth/oidc-auth/identities/:identityId`: the configuration, CA certificate included. */
import { badRequest } from '../../http/infisical_errors.js';
import type { InfisicalPath } from '../../http/infisical_path.js';
import { configView } from '../config_view.js';
import { identityAclPath, identityIdParam, requireIdentity } from '../identity.js';
import type { MachineAuth } from '../machine_auth.js';

export function readPath(machine: MachineAuth): InfisicalPath {
  const { services, configs } = machine;
  return {
    method: 'get',
    pattern: '/api/v1/auth/oidc-auth/identities/:identityId',
    acl: { path: identityAclPath(), capability: 'read' },
    async handle({ params }) {
      const identityId = identityIdParam(params);
      await requireIdentity(services.storage, identityId);
      const config = await configs.get(identityId);
      if (config === undefined) throw badRequest('The identity does not have OIDC Auth attached');
      return configView(config);
    },
  };
}
