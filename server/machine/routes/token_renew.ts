/**
 * `POST /api/v1/auth/token/renew {accessToken}`: extend a machine token by its TTL from now,
 * capped by its max TTL (Vault's and Infisical's current rule: capped, not refused). A token that
 * has expired, been revoked or spent its uses cannot be renewed (403 TokenError, as Infisical
 * answers for an expired token). Renewal is not a use, but it is subject to the trusted IPs.
 */
import type { Express } from 'express';
import { LanyardError } from '../../errors.js';
import { badRequest, ipNotAllowed, tokenError } from '../infisical_errors.js';
import { infisicalRoute, PUBLIC_BODY_LIMIT, readBody, requiredString } from '../infisical_route.js';
import type { MachineAuth } from '../machine_auth.js';
import { accessTokenGrant, isMachineToken } from '../machine_token.js';

export function mountTokenRenew(app: Express, machine: MachineAuth): void {
  const { services } = machine;
  app.post(
    '/api/v1/auth/token/renew',
    infisicalRoute(async (req, ctx) => {
      const accessToken = requiredString(await readBody(req, PUBLIC_BODY_LIMIT), 'accessToken');
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
    }),
  );
}
