/**
 * Authorization with a Lanyard token (DESIGN: "an authorize request carrying a valid entity-bound
 * token skips login and consent"), as Vault's authorize endpoint takes the caller's Vault token.
 *
 * The token comes in `X-Vault-Token` or `Authorization: Bearer`. It must be live, bound to an
 * enabled entity, allowed to authorize at this provider by its policies (Vault's default policy
 * grants `identity/oidc/provider/+/authorize`), and not older than a requested max_age (its
 * creation is the authentication time, as in Vault). The entity is then signed in to the
 * provider's session for this request, and loadExistingGrant (grants.ts) consents for it: the
 * answer is the usual redirect to the client with a code. A token that fails any of these
 * answers with an error sent to the client's redirect URI, never with a login page.
 *
 * Where it runs: node-oidc-provider calls `extraParams` validators on every authorization request
 * after it has loaded the session and before it loads the account, which is exactly where a
 * sign-in has to happen for the rest of the request to see it. The parameter the validator is
 * registered under carries nothing; only the headers matter.
 */
import type { Request } from 'express';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import { tokenFromHeaders } from '../../auth/authenticator.js';
import { requestContext } from '../../http/request_context.js';
import type { Services } from '../../services.js';

/** The (otherwise unused) authorization parameter name the validator hooks onto. */
export const TOKEN_LOGIN_HOOK = 'lanyard_token_login';

const tokenLogins = new WeakSet<KoaContextWithOIDC>();

/** Whether this request signed in with a Lanyard token (so the token is also the consent). */
export function isTokenLogin(ctx: KoaContextWithOIDC): boolean {
  return tokenLogins.has(ctx);
}

export function tokenLogin(services: Pick<Services, 'authenticator' | 'now'>, providerName: string) {
  return async (ctx: KoaContextWithOIDC): Promise<void> => {
    const token = tokenFromHeaders(ctx.req.headers);
    if (token === undefined) return;
    const auth = await services.authenticator.authenticate(token, requestContext(ctx.req as Request).clientIp);
    if (auth === undefined) throw new errors.AccessDenied('the Lanyard token on the request is not valid');
    if (auth.entity === undefined) throw new errors.AccessDenied('identity entity must be associated with the request');
    const capability = ctx.method === 'POST' ? 'update' : 'read';
    if (!auth.acl.allows(`identity/oidc/provider/${providerName}/authorize`, capability)) {
      throw new errors.AccessDenied('the Lanyard token is not allowed to authorize at this provider');
    }
    const { params, session, prompts } = ctx.oidc;
    if (params === undefined || session === undefined) return;
    const authTime = auth.token.creation_time;
    // A token cannot show a login page: re-authentication demands are answered, not prompted.
    if (prompts.has('login')) throw new errors.LoginRequired('prompt=login needs an interactive sign-in');
    if (params.max_age !== undefined && Math.floor(services.now() / 1000) - authTime > Number(params.max_age)) {
      throw new errors.LoginRequired('active re-authentication is required by max_age');
    }
    // The token is also the consent (offline_access, which needs prompt=consent, is kept by now).
    if (prompts.has('consent')) {
      const others = [...prompts].filter((prompt) => prompt !== 'consent');
      params.prompt = others.length > 0 ? others.join(' ') : undefined;
    }

    // Only a request that will be answered spends one of a limited token's uses.
    if (!(await services.authenticator.consumeUse(auth))) throw new errors.AccessDenied('the Lanyard token on the request is not valid');
    if (session.accountId !== auth.entity.id) {
      session.loginAccount({ accountId: auth.entity.id, loginTs: authTime, transient: true });
    }
    tokenLogins.add(ctx);
  };
}
