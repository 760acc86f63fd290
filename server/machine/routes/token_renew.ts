/**
 * `POST /api/v1/auth/token/renew {accessToken}`: extend a machine token by its TTL from now,
 * capped by its max TTL (Vault's and Infisical's current rule: capped, not refused). A token that
 * has expired, been revoked or spent its uses cannot be renewed (403 TokenError, as Infisical
 * answers for an expired token). Renewal is not a use, but it is subject to the trusted IPs.
 */
import { LanyardError } from '../../errors.js';
import { badRequest, ipNotAllowed, tokenError } from '../../http/infisical_errors.js';
import { requiredString } from '../../http/body_schema.js';
import type { InfisicalPath } from '../../http/infisical_path.js';
import type { MachineAuth } from '../machine_auth.js';
import { accessTokenGrant, isMachineToken } from '../machine_token.js';

export function tokenRenewPath(machine: MachineAuth): InfisicalPath {
  const { services } = machine;
  return {
    method: 'post',
    pattern: '/api/v1/auth/token/renew',
    lean: true,
    body: 'public',
    async handle({ body, ctx }) {
      const accessToken = requiredString(body, 'accessToken');
      const found = await services.tokens.lookup(accessToken);
      if (found === undefined) throw tokenError('renew: unknown, expired, exhausted or revoked token');
      if (!isMachineToken(found.record)) throw badRequest('Token is not an identity access token');
      if (!services.tokens.addressAllowed(found.record, ctx.clientIp)) throw ipNotAllowed(`renew from ${ctx.clientIp}`);
      let renewed;
      try {
        renewed = await services.tokens.renew(found.id);
      } catch (error) {
        // Expired or revoked between the lookup and the renewal.
        if (error instanceof LanyardError && error.code === 'permission_denied') throw tokenError(`renew: ${error.detail ?? error.message}`);
        throw error;
      }
      return accessTokenGrant(services, accessToken, renewed);
    },
  };
}
