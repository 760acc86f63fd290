/**
 * Authorisation of the Infisical-shaped admin calls (machine-login configuration, SSO
 * configuration). They take the same tokens as the rest of the admin API (`X-Vault-Token` or
 * `Authorization: Bearer`) and are checked against the same ACL, on the path each route declares
 * (infisical_path.ts). A token's use limit is spent once the ACL allows the call, as on the
 * Vault-shaped API. Failures use Infisical's statuses: no token 401 "Token missing"; an unknown or expired token 403
 * TokenError; a token used from outside its trusted IPs 403; a policy that does not allow the call
 * 403 PermissionDenied.
 */
import type { Request } from 'express';
import { tokenFromHeaders } from '../auth/authenticator.js';
import type { AuthContext } from '../auth/context.js';
import type { RequestContext } from './request_context.js';
import type { Capability } from '../policy/index.js';
import type { Services } from '../services.js';
import { InfisicalError, ipNotAllowed, tokenError, unauthorized } from './infisical_errors.js';

export async function authorizeAdmin(
  services: Pick<Services, 'authenticator' | 'tokens'>,
  req: Request,
  ctx: RequestContext,
  path: string,
  capability: Capability,
): Promise<AuthContext> {
  const token = tokenFromHeaders(req.headers);
  if (token === undefined) throw unauthorized('Token missing');
  const auth = await services.authenticator.authenticate(token, ctx.clientIp);
  if (auth === undefined) {
    // Tell a token used from the wrong network apart from a dead one: the fix differs.
    const found = await services.tokens.lookup(token);
    if (found !== undefined && !services.tokens.addressAllowed(found.record, ctx.clientIp)) {
      throw ipNotAllowed(`client ${ctx.clientIp} is outside the token's bound CIDRs`);
    }
    throw tokenError('unknown, expired or revoked token, or its entity is disabled or gone');
  }
  if (!auth.acl.allows(path, capability)) {
    throw new InfisicalError(403, 'PermissionDenied', `You are not allowed to ${capability} on ${path}`, {
      detail: `policies ${[...auth.token.policies, ...auth.identityPolicies].join(', ')} deny ${capability} on ${path}`,
    });
  }
  if (!(await services.authenticator.consumeUse(auth))) throw unauthorized('Failed to authorize: token usage limit reached');
  return auth;
}
