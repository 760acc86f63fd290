/**
 * `PATCH /api/v1/auth/oidc-auth/identities/:identityId`: change some fields, keep the others.
 * The TTL order is checked on the merged result (Infisical compares a new TTL with the *old* max
 * TTL's fallback, so lowering only the max TTL was refused even when the stored TTL fit). Changed
 * trusted IPs also apply to the identity's tokens already issued.
 */
import { NotFoundError } from '../../../storage/errors.js';
import { badRequest } from '../../http/infisical_errors.js';
import type { InfisicalPath } from '../../http/infisical_path.js';
import { configView } from '../config_view.js';
import { identityAclPath, identityIdParam, requireIdentity } from '../identity.js';
import type { MachineAuth } from '../machine_auth.js';
import { checkOutboundUrl } from '../../http/outbound_url_check.js';
import { rebindMachineTokens } from '../token_rebind.js';
import { boundCidrsOf } from '../trusted_ips.js';
import type { OidcAuthConfig } from '../types.js';
import { checkTtlOrder, parsePatchBody } from '../validate_config.js';
import { assertUsable } from './attach.js';

export function updatePath(machine: MachineAuth): InfisicalPath {
  const { services, configs } = machine;
  return {
    method: 'patch',
    pattern: '/api/v1/auth/oidc-auth/identities/:identityId',
    acl: { path: identityAclPath(), capability: 'update' },
    body: 'admin',
    async handle({ params, body, ctx }) {
      const identityId = identityIdParam(params);
      const changes = parsePatchBody(body);
      await requireIdentity(services.storage, identityId);
      if (changes.oidcDiscoveryUrl !== undefined) await checkOutboundUrl(changes.oidcDiscoveryUrl, services.config);

      let updated: OidcAuthConfig;
      try {
        updated = await configs.update(identityId, (current) => {
          const merged: OidcAuthConfig = { ...current, ...changes, updatedAt: new Date(services.now()).toISOString() };
          checkTtlOrder(merged);
          assertUsable(merged);
          return merged;
        });
      } catch (error) {
        if (error instanceof NotFoundError) throw badRequest('Failed to update OIDC Auth');
        throw error;
      }
      if (changes.accessTokenTrustedIps !== undefined) {
        const rebound = await rebindMachineTokens(services.storage, identityId, boundCidrsOf(updated.accessTokenTrustedIps));
        if (rebound > 0) ctx.log.info('trusted IPs applied to issued machine tokens', { identity_id: identityId, count: rebound });
      }
      return configView(updated);
    },
  };
}
