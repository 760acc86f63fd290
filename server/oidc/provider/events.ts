/**
 * Logging of what a provider decides: every grant (token endpoint) success and failure, failed
 * authorizations and other endpoint errors, revocations and server errors. Each line carries the
 * request id (through the request's logger), the provider, the client id and, on failure, the
 * library's error, description and internal error_detail. No line carries a token, code, secret
 * or password: only identifiers and error texts the library writes for operators.
 */
import type { Request } from 'express';
import type { KoaContextWithOIDC, Provider, errors } from 'oidc-provider';
import { StorageClosedError } from '../../../storage/errors.js';
import { requestContext } from '../../http/request_context.js';
import type { Logger } from '../../log.js';

export function logProviderEvents(provider: Provider, providerName: string, fallback: Logger): void {
  const logOf = (ctx: KoaContextWithOIDC): Logger => {
    let log = fallback;
    try {
      log = requestContext(ctx.req as Request).log;
    } catch {
      // A request that did not come through the Express app (none in production) logs without an id.
    }
    return log.child({ provider: providerName, client_id: clientIdOf(ctx) });
  };
  const failure = (message: string) => (ctx: KoaContextWithOIDC, err: errors.OIDCProviderError) => {
    logOf(ctx).warn(message, {
      grant_type: ctx.oidc?.params?.grant_type,
      error: err.error ?? err.message,
      error_description: err.error_description,
      error_detail: err.error_detail,
    });
  };

  provider.on('grant.success', (ctx) => {
    logOf(ctx).info('oidc grant succeeded', { grant_type: ctx.oidc.params?.grant_type, account_id: ctx.oidc.account?.accountId });
  });
  provider.on('grant.error', failure('oidc grant failed'));
  provider.on('authorization.error', failure('oidc authorization failed'));
  provider.on('userinfo.error', failure('oidc userinfo failed'));
  provider.on('introspection.error', failure('oidc introspection failed'));
  provider.on('revocation.error', failure('oidc revocation failed'));
  provider.on('end_session.error', failure('oidc logout failed'));
  provider.on('grant.revoked', (ctx, grantId) => logOf(ctx).info('oidc grant revoked', { grant_id: grantId }));
  provider.on('server_error', (ctx, err) => {
    // A request still running when shutdown closed the storage: answered 503, nothing broke.
    if (err instanceof StorageClosedError) logOf(ctx).info('oidc request cut off by shutdown');
    else logOf(ctx).error('oidc provider error', { error: err.message, stack: err.stack });
  });
}

function clientIdOf(ctx: KoaContextWithOIDC): string | undefined {
  const fromClient = ctx.oidc?.client?.clientId;
  if (fromClient !== undefined) return fromClient;
  const param = ctx.oidc?.params?.client_id;
  return typeof param === 'string' ? param : undefined;
}
