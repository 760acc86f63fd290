/**
 * `POST /api/v1/auth/token/revoke {accessToken}`: revoke a machine token. Idempotent, as in
 * Infisical: a token that is already gone (revoked, expired, spent) is answered with the same
 * success. Holding the token is the authority to revoke it, from any address: revoking only takes
 * access away, and a leaked token must be revocable from wherever the leak is noticed.
 */
import { badRequest } from '../../http/infisical_errors.js';
import { requiredString } from '../../http/body_schema.js';
import type { InfisicalPath } from '../../http/infisical_path.js';
import type { MachineAuth } from '../machine_auth.js';
import { isMachineToken } from '../machine_token.js';

export function tokenRevokePath(machine: MachineAuth): InfisicalPath {
  const { services } = machine;
  return {
    method: 'post',
    pattern: '/api/v1/auth/token/revoke',
    lean: true,
    body: 'public',
    async handle({ body }) {
      const accessToken = requiredString(body, 'accessToken');
      const found = await services.tokens.lookup(accessToken);
      if (found !== undefined) {
        if (!isMachineToken(found.record)) throw badRequest('Token is not an identity access token');
        await services.tokens.revoke(found.id);
      }
      return { message: 'Successfully revoked access token' };
    },
  };
}
