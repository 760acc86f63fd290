/**
 * Starting an upstream sign-in: the authorization URL of the configured IdP for an authorization
 * code flow with PKCE (S256), a fresh `state` and `nonce`, the fixed callback URL as
 * redirect_uri, and the scopes `openid profile email`. Groups are not requested as a scope:
 * IdPs that send a groups claim add it to these (and Okta, Google and Entra ID refuse scopes they
 * do not know). The state is recorded server-side (pending_logins.ts) with what the sign-in is for.
 */
import * as oidc from 'openid-client';
import type { Services } from '../services.js';
import { ssoContext, type SsoContext } from './context.js';
import { SsoLoginError } from './failures.js';
import type { LoginPurpose } from './pending_logins.js';
import type { SsoConfig } from './types.js';

export const UPSTREAM_SCOPE = 'openid profile email';

export interface BeginOptions {
  /**
   * Ask the IdP to authenticate the person again (`prompt=login`) rather than reuse its own
   * session: for an application that asked Lanyard for a fresh sign-in (prompt=login, max_age).
   */
  readonly freshLogin?: boolean;
}

/** The URL to send the browser to; SsoLoginError when SSO is off or its IdP cannot be reached. */
export async function beginUpstreamLogin(services: Services, purpose: LoginPurpose, options: BeginOptions = {}): Promise<URL> {
  const sso = ssoContext(services);
  const config = await activeConfiguration(sso);
  const upstream = await sso.upstreams.get(config);
  const started = await sso.pending.start(purpose, config.updatedAt);
  return oidc.buildAuthorizationUrl(upstream.configuration, {
    redirect_uri: sso.callbackUrl,
    response_type: 'code',
    // Re-validation at refresh (upstream_sessions.ts) needs the IdP's refresh token.
    scope: services.config.ssoRevalidateInterval > 0 ? `${UPSTREAM_SCOPE} offline_access` : UPSTREAM_SCOPE,
    state: started.state,
    nonce: started.nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(started.codeVerifier),
    code_challenge_method: 'S256',
    ...(options.freshLogin === true ? { prompt: 'login' } : {}),
  });
}

/** The organisation's configuration when it exists and is active. */
export async function activeConfiguration(sso: SsoContext): Promise<SsoConfig> {
  const config = await sso.configuration();
  if (config === undefined) throw new SsoLoginError('sso_not_configured', 'no SSO configuration exists for the organisation');
  if (!config.isActive) throw new SsoLoginError('sso_inactive', 'the SSO configuration is not active');
  return config;
}
