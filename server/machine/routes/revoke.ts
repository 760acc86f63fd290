/**
 * `DELETE /api/v1/auth/oidc-auth/identities/:identityId` (Infisical calls it "revoke"): remove
 * the configuration and revoke every token of the identity, as Infisical does, so detaching the
 * login method also ends the access it granted. The answer omits the CA certificate.
 *
 * A configuration whose entity was deleted meanwhile can still be removed.
 */
import { badRequest } from '../../http/infisical_errors.js';
import type { InfisicalPath } from '../../http/infisical_path.js';
import { configView } from '../config_view.js';
import { identityAclPath, identityIdParam, requireIdentity } from '../identity.js';
import type { MachineAuth } from '../machine_auth.js';

export function revokePath(machine: MachineAuth): InfisicalPath {
  const { services, configs } = machine;
  return {
    method: 'delete',
    pattern: '/api/v1/auth/oidc-auth/identities/:identityId',
    acl: { path: identityAclPath(), capability: 'delete' },
    async handle({ params, ctx }) {
      const identityId = identityIdParam(params);
      const removed = await configs.delete(identityId);
      if (removed === undefined) {
        await requireIdentity(services.storage, identityId);
        throw badRequest('The identity does not have OIDC auth');
      }
      const revoked = await services.tokens.revokeByEntity(identityId);
      ctx.log.info('machine login detached', { identity_id: identityId, tokens_revoked: revoked });
      return configView(removed, { withCaCert: false });
    },
  };
}
