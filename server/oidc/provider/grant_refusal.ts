/**
 * node-oidc-provider answers a client that uses a grant its metadata does not list with
 * invalid_request; RFC 6749 §5.2 (and RFC 8628 §3.2 by reference) name that case
 * `unauthorized_client`, which is what clients and tests look for. Only the error code changes.
 */
import type { KoaContextWithOIDC } from 'oidc-provider';

const NOT_ALLOWED = /(?:^requested grant type|^[\w:.-]+) is not allowed for this client$/;

export function unauthorizedClientAnswer() {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
    await next();
    const route = ctx.oidc?.route;
    if ((route !== 'token' && route !== 'device_authorization') || ctx.status !== 400) return;
    const body = ctx.body as { error?: unknown; error_description?: unknown } | undefined;
    if (body?.error === 'invalid_request' && typeof body.error_description === 'string' && NOT_ALLOWED.test(body.error_description)) {
      body.error = 'unauthorized_client';
    }
  };
}
