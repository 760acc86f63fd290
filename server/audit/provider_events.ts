/**
 * What each OIDC provider decides, noted on the request it decided it for: grants (with their
 * type, client, entity and scopes), refreshes, revocations and failures. The generic HTTP audit
 * writes the note into the request's response entry (`oidc`), and the metrics count grants.
 */
import type { IncomingMessage } from 'node:http';
import { Provider, type KoaContextWithOIDC } from 'oidc-provider';
import type { ProviderNote } from './entry.js';

const notes = new WeakMap<IncomingMessage, ProviderNote>();

export function providerNoteOf(req: IncomingMessage): ProviderNote | undefined {
  return notes.get(req);
}

export type GrantListener = (note: ProviderNote) => void;

type ProviderError = { error?: string; message?: string; error_description?: string };

export function noteProviderEvents(provider: Provider, providerName: string, onNote?: GrantListener): void {
  const note = (ctx: KoaContextWithOIDC | undefined, event: string, error?: ProviderError): void => {
    if (!ctx?.req) return;
    const oidc = ctx.oidc;
    const entities = oidc?.entities as Record<string, { scope?: string; accountId?: string } | undefined> | undefined;
    const params = oidc?.params as Record<string, unknown> | undefined;
    const clientId = oidc?.client?.clientId ?? (typeof params?.client_id === 'string' ? params.client_id : undefined);
    const scope = typeof params?.scope === 'string' ? params.scope : (entities?.AuthorizationCode?.scope ?? entities?.RefreshToken?.scope);
    const entry: ProviderNote = {
      provider: providerName,
      event,
      ...(clientId ? { client_id: clientId } : {}),
      ...(typeof params?.grant_type === 'string' ? { grant_type: params.grant_type } : {}),
      ...(scope ? { scope } : {}),
      ...(oidc?.account?.accountId ? { entity_id: oidc.account.accountId } : entities?.Account?.accountId ? { entity_id: entities.Account.accountId } : {}),
      ...(error ? { error: [error.error ?? error.message, error.error_description].filter(Boolean).join(': ') } : {}),
    };
    notes.set(ctx.req, entry);
    onNote?.(entry);
  };

  provider.on('grant.success', (ctx) => note(ctx, 'grant.success'));
  provider.on('grant.error', (ctx, err) => note(ctx, 'grant.error', err as ProviderError));
  provider.on('authorization.success', (ctx) => note(ctx, 'authorization.success'));
  provider.on('authorization.error', (ctx, err) => note(ctx, 'authorization.error', err as ProviderError));
  provider.on('userinfo.error', (ctx, err) => note(ctx, 'userinfo.error', err as ProviderError));
  provider.on('introspection.error', (ctx, err) => note(ctx, 'introspection.error', err as ProviderError));
  provider.on('revocation.error', (ctx, err) => note(ctx, 'revocation.error', err as ProviderError));
  provider.on('end_session.error', (ctx, err) => note(ctx, 'end_session.error', err as ProviderError));
  provider.on('grant.revoked', (ctx) => note(ctx, 'grant.revoked'));
  // A token destroyed at the revocation endpoint: the model event has no context, the library's
  // request-scoped storage does.
  const revoked = (): void => {
    const ctx = Provider.ctx as KoaContextWithOIDC | undefined;
    if (ctx?.oidc?.route === 'revocation') note(ctx, 'revocation.success');
  };
  provider.on('access_token.destroyed', revoked);
  provider.on('refresh_token.destroyed', revoked);
}
