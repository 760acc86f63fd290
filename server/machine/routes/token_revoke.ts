/**
 * `POST /api/v1/auth/token/revoke {accessToken}`: revoke a machine token. Idempotent, as in
 * Infisical: a token that is already gone (revoked, expired, spent) is answered with the same
 * success. Holding the token is the authority to revoke it, from any address: revoking only takes
 * access away, and a leaked token must be revocable from wherever the leak is noticed.
 */
import type { Express } from 'express';
import { badRequest } from '../infisical_errors.js';
import { infisicalRoute, PUBLIC_BODY_LIMIT, readBody, requiredString } from '../infisical_route.js';
import type { MachineAuth } from '../machine_auth.js';
import { isMachineToken } from '../machine_token.js';

export function mountTokenRevoke(app: Express, machine: MachineAuth): void {
  const { services } = machine;
  app.post(
    '/api/v1/auth/token/revoke',
    infisicalRoute(async (req) => {
      const accessToken = requiredString(await readBody(req, PUBLIC_BODY_LIMIT), 'accessToken');
      const found = await services.tokens.lookup(accessToken);
      if (found !== undefined) {
        if (!isMachineToken(found.record)) throw badRequest('Token is not an identity access token');
        await services.tokens.revoke(found.id);
      }
      return { message: 'Successfully revoked access token' };
    }),
  );
}
