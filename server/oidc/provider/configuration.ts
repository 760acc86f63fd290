/**
 * The node-oidc-provider configuration of one named provider. What is on is exactly what the
 * discovery document (discovery.ts) advertises, which is built from the same constants:
 *
 * - authorization code flow only (response type `code`), with refresh tokens for `offline_access`
 *   (rotated on every use; a replayed one revokes its grant);
 * - client authentication client_secret_basic / client_secret_post (confidential) or none
 *   (public, PKCE S256 required);
 * - userinfo, token revocation and introspection for the owning client, RP-initiated logout;
 * - Vault's endpoint paths (`/authorize`, `/token`, `/userinfo`, `/.well-known/keys`) plus
 *   `/revoke`, `/introspect` and `/logout`;
 * - everything else the library offers (PAR, DPoP, resource indicators, dynamic registration,
 *   device flow, its development login pages…) off.
 *
 * Per-provider cookie names and a cookie path at the provider's mount keep the sessions of two
 * providers on one host apart; the cookie keys are shared and persistent (cookie_keys.ts).
 */
import { errors, interactionPolicy, type Configuration, type ExternalSigningKey, type KoaContextWithOIDC } from 'oidc-provider';
import { SIGNING_ALGORITHMS } from '../../../keys/named_key_params.js';
import type { Logger } from '../../log.js';
import type { Services } from '../../services.js';
import { ACR_MULTI_FACTOR, ACR_VALUES, asksForSecondFactor } from './acr.js';
import { accountFinder, claimsConfiguration } from './claims.js';
import { resourceIndicatorsFeature } from './client_credentials.js';
import { DEVICE_CODE_TTL, DEVICE_ROUTES, deviceFlowFeature } from './device/feature.js';
import { introspectionPolicy } from './introspection_policy.js';
import { lanyardStateAdapter } from './state_adapters.js';
import { withUpstreamRevalidation } from './upstream_revalidation.js';
import type { ClientDirectory } from './clients.js';
import { grantLoader } from './grants.js';
import { renderProtocolError, setPage } from './pages.js';
import type { ProviderSnapshot } from './snapshot.js';
import type { StateProtection } from './state_protection.js';
import { TOKEN_LOGIN_HOOK, isTokenLogin, tokenLogin } from './token_login.js';
import { SCOPE_CLASH_HOOK, scopeClashCheck } from './scope_clash.js';
import { loggedOutPage, logoutPage } from './views/messages.js';

export const ROUTES = {
  authorization: '/authorize',
  token: '/token',
  userinfo: '/userinfo',
  jwks: '/.well-known/keys',
  revocation: '/revoke',
  introspection: '/introspect',
  end_session: '/logout',
  ...DEVICE_ROUTES,
} as const;

export const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'] as const;
export const PKCE_METHODS = ['S256'] as const;
/** Scopes every provider has besides its own: `openid` (required) and `offline_access` (refresh tokens). */
export const BUILT_IN_SCOPES = ['openid', 'offline_access'] as const;

const MINUTE = 60;
const DAY = 24 * 60 * MINUTE;
/** Vault keeps authorization codes for five minutes. */
const AUTHORIZATION_CODE_TTL = 5 * MINUTE;
const INTERACTION_TTL = 30 * MINUTE;
const SESSION_TTL = 14 * DAY;
const GRANT_TTL = 30 * DAY;
const REFRESH_TOKEN_TTL = 30 * DAY;
/** Vault's default client TTLs, for a client whose record has not been read in this request. */
const DEFAULT_TOKEN_TTL = DAY;

export interface ConfigurationParts {
  readonly services: Services;
  readonly name: string;
  readonly snapshot: ProviderSnapshot;
  readonly clients: ClientDirectory;
  readonly keys: readonly ExternalSigningKey[];
  readonly cookieKeys: readonly string[];
  readonly stateProtection: StateProtection;
  readonly log: Logger;
}

/** The path of the provider's issuer: its mount, where its cookies and interaction pages live. */
export function issuerPath(snapshot: ProviderSnapshot): string {
  return new URL(snapshot.issuer).pathname;
}

export function providerConfiguration(parts: ConfigurationParts): Configuration {
  const { services, name, snapshot, clients, log } = parts;
  const mount = issuerPath(snapshot);
  const ttlOf = (clientId: string, field: 'access_token_ttl' | 'id_token_ttl'): number =>
    Math.max(1, clients.known(clientId)?.record[field] ?? DEFAULT_TOKEN_TTL);

  const policy = interactionPolicy.base();
  // The library asks native clients for consent on every authorization. Clients are "native" here
  // only to get RFC 8252's any-port loopback redirects (redirect_uris.ts), not for that.
  policy.get('consent')?.checks.remove('native_client_prompt');
  // Step-up: an application asking for two factors (`acr_values`) while the person's session
  // has one gets the sign-in again, with the second factor, instead of the one-factor session.
  policy.get('login')?.checks.add(
    new interactionPolicy.Check('acr_step_up', 'a second factor is required', (ctx) => {
      if (!asksForSecondFactor(ctx.oidc.params?.acr_values)) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      // Just signed in during this interaction: what it gave stands (the sign-in pages asked
      // for the second factor, or explained why there is none).
      if (ctx.oidc.result?.login !== undefined) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      return ctx.oidc.session?.acr === ACR_MULTI_FACTOR ? interactionPolicy.Check.NO_NEED_TO_PROMPT : interactionPolicy.Check.REQUEST_PROMPT;
    }),
  );

  // Rendered once: the library's claims and the scope-clash check read the same table.
  const claims = claimsConfiguration(snapshot.scopes, log);
  return {
    adapter: (model: string) => (model === 'Client' ? clients.adapter() : lanyardStateAdapter(model, { storage: services.storage, provider: name, now: services.now, protection: parts.stateProtection })),
    jwks: { keys: parts.keys },
    enabledJWA: { idTokenSigningAlgValues: [...SIGNING_ALGORITHMS] },
    responseTypes: ['code'],
    clientAuthMethods: [...CLIENT_AUTH_METHODS],
    pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
    scopes: [...BUILT_IN_SCOPES, ...snapshot.scopes.map((scope) => scope.name)],
    claims,
    // Vault puts scope claims in the ID token too, not only in the userinfo answer.
    conformIdTokenClaims: false,
    acrValues: [...ACR_VALUES],
    rotateRefreshToken: true,
    allowOmittingSingleRegisteredRedirectUri: false,
    // Browsers may call the token endpoint for public clients (single-page apps) and userinfo for
    // anyone, from the origin of a registered redirect URI; a confidential client runs on a server.
    clientBasedCORS: (ctx, origin, client) =>
      origin !== 'null' &&
      (ctx.oidc.route === 'userinfo' || client.clientAuthMethod === 'none') &&
      (client.redirectUris ?? []).some((uri) => URL.canParse(uri) && new URL(uri).origin === origin),
    routes: { ...ROUTES },
    findAccount: withUpstreamRevalidation(accountFinder({ services, log, snapshot, clients }), services),
    loadExistingGrant: grantLoader(services, clients, log),
    // Validators run in this order: a scope clash is refused before a token sign-in spends a use.
    extraParams: { [SCOPE_CLASH_HOOK]: scopeClashCheck(claims), [TOKEN_LOGIN_HOOK]: tokenLogin(services, name) },
    interactions: {
      policy,
      url: (_ctx: KoaContextWithOIDC, interaction) => `${mount}/interaction/${interaction.uid}`,
    },
    cookies: {
      names: {
        session: `lanyard_session.${name}`,
        interaction: `lanyard_interaction.${name}`,
        resume: `lanyard_resume.${name}`,
      },
      // The session cookie is only sent to this provider's paths; the library scopes the
      // interaction and resume cookies to their own URLs.
      long: { httpOnly: true, sameSite: 'lax', path: mount, signed: true },
      short: { httpOnly: true, sameSite: 'lax', signed: true },
      keys: [...parts.cookieKeys],
    },
    ttl: {
      AccessToken: (_ctx, _token, client) => ttlOf(client.clientId, 'access_token_ttl'),
      IdToken: (_ctx, _token, client) => ttlOf(client.clientId, 'id_token_ttl'),
      AuthorizationCode: AUTHORIZATION_CODE_TTL,
      ClientCredentials: (_ctx, _token, client) => ttlOf(client.clientId, 'access_token_ttl'),
      DeviceCode: DEVICE_CODE_TTL,
      RefreshToken: REFRESH_TOKEN_TTL,
      // A sign-in with a Lanyard token makes a session and a grant per request. They only need to
      // outlive the access tokens bound to them (refresh tokens need the grant, not the session).
      Grant: (ctx, grant) =>
        ctx !== undefined && isTokenLogin(ctx) && ctx.oidc.client !== undefined && !grant.getOIDCScope().split(' ').includes('offline_access')
          ? ttlOf(ctx.oidc.client.clientId, 'access_token_ttl')
          : GRANT_TTL,
      Session: (ctx) => (isTokenLogin(ctx) && ctx.oidc.client !== undefined ? ttlOf(ctx.oidc.client.clientId, 'access_token_ttl') : SESSION_TTL),
      Interaction: INTERACTION_TTL,
    },
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: true },
      revocation: {
        enabled: true,
        // RFC 7009 §2.1: a token of another client is refused, with an error.
        allowedPolicy: (_ctx, client, token) => {
          if (token.clientId !== client.clientId) throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
          return true;
        },
      },
      introspection: {
        enabled: true,
        // Only the client a token belongs to learns anything about it, and only while its entity may
        // still use the client (introspection_policy.ts).
        allowedPolicy: introspectionPolicy(services, clients, log),
      },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => setPage(ctx, logoutPage({ form, ...(ctx.oidc.client?.clientName ? { clientName: ctx.oidc.client.clientName } : {}) })),
        postLogoutSuccessSource: (ctx) => setPage(ctx, loggedOutPage()),
      },
      externalSigningSupport: { enabled: true, ack: 'experimental-01' },
      pushedAuthorizationRequests: { enabled: false },
      dPoP: { enabled: false },
      // Only for client credentials tokens (format, audience, scope): client_credentials.ts.
      resourceIndicators: resourceIndicatorsFeature({ snapshot, clients }),
      claimsParameter: { enabled: false },
      requestObjects: { enabled: false },
      registration: { enabled: false },
      deviceFlow: deviceFlowFeature(),
      clientCredentials: { enabled: true },
      // Logout tokens are signed and sent by server/oidc/backchannel (backchannel_hook.ts).
      backchannelLogout: { enabled: true },
    },
    renderError: (ctx, out) => renderProtocolError(ctx, out),
  };
}
