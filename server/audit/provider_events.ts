/**
 * What each OIDC provider decides, noted on the request it decided it for: grants (with their
 * type, client, entity and scopes), refreshes, revocations and failures. The generic HTTP audit
 * writes the note into the request's response entry (`oidc`), and the metrics count grants.
 */
import type { IncomingMessage } from 'node:http';
import { Provider, type KoaContextWithOIDC } from 'oidc-provider';
import type { ProviderNote } from './entry.js';

const notes = new WeakMap<IncomingMessage, ProviderNote>();
/** The parameters the library parsed (its own body parser), for the audit entry's `request.data`. */
const params = new WeakMap<IncomingMessage, Record<string, unknown>>();

export function providerParamsOf(req: IncomingMessage): Record<string, unknown> | undefined {
  return params.get(req);
}

export function providerNoteOf(req: IncomingMessage): ProviderNote | undefined {
  return notes.get(req);
}

/** `clientKnown`: the client id is a registered client's, not whatever the caller sent. */
export type GrantListener = (note: ProviderNote, clientKnown: boolean) => void;

type ProviderError = { error?: string; message?: string; error_description?: string };

export function noteProviderEvents(provider: Provider, providerName: string, onNote?: GrantListener): void {
  const note = (ctx: KoaContextWithOIDC | undefined, event: string, error?: ProviderError): void => {
    if (!ctx?.req) return;
    const oidc = ctx.oidc;
    if (oidc?.params) params.set(ctx.req, { ...oidc.params });
    const entities = oidc?.entities;
    const given = oidc?.params;
    const clientId = oidc?.client?.clientId ?? (typeof given?.client_id === 'string' ? given.client_id : undefined);
    const scope = typeof given?.scope === 'string' ? given.scope : (entities?.AuthorizationCode?.scope ?? entities?.RefreshToken?.scope);
    const entry: ProviderNote = {
      provider: providerName,
      event,
      ...(clientId ? { client_id: clientId } : {}),
      ...(typeof given?.grant_type === 'string' ? { grant_type: given.grant_type } : {}),
      ...(scope ? { scope } : {}),
      ...(oidc?.account?.accountId ? { entity_id: oidc.account.accountId } : entities?.Account?.accountId ? { entity_id: entities.Account.accountId } : {}),
      ...(error ? { error: [error.error ?? error.message, error.error_description].filter(Boolean).join(': ') } : {}),
    };
    // A failure stays the request's story even when the library then revokes the grant.
    if (notes.get(ctx.req)?.error !== undefined && entry.error === undefined) return;
    notes.set(ctx.req, entry);
    onNote?.(entry, oidc?.client !== undefined);
  };

  provider.on('grant.success', (ctx) => note(ctx, 'grant.success'));
  provider.on('grant.error', (ctx, err) => note(ctx, 'grant.error', err as ProviderError));
  provider.on('authorization.success', (ctx) => note(ctx, 'authorization.success'));
  provider.on('authorization.error', (ctx, err) => note(ctx, 'authorization.error', err as ProviderError));
  provider.on('userinfo.error', (ctx, err) => note(ctx, 'userinfo.error', err as ProviderError));
  provider.on('introspection.error', (ctx, err) => note(ctx, 'introspection.error', err as ProviderError));
  provider.on('revocation.error', (ctx, err) => note(ctx, 'revocation.error', err as ProviderError));
  provider.on('end_session.error', (ctx, err) => note(ctx, 'end_session.error', err as ProviderError));
  provider.on('grant.revoked', (ctx) => note(ctx, ctx?.oidc?.route === 'revocation' ? 'revocation.success' : 'grant.revoked'));
  // A token destroyed at the revocation endpoint: the model event has no context, the library's
  // request-scoped storage does.
  const revoked = (): void => {
    const ctx = Provider.ctx;
    if (ctx?.oidc?.route === 'revocation') note(ctx, 'revocation.success');
  };
  provider.on('access_token.destroyed', revoked);
  provider.on('refresh_token.destroyed', revoked);
}
