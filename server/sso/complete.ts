/**
 * Finishing an upstream sign-in, once its pending record has been consumed: the IdP's answer is
 * checked and turned into a Lanyard entity.
 *
 * 1. The configuration must still be active and the one the sign-in started under.
 * 2. An `error` from the IdP ends it (`access_denied` when the person declined or was refused).
 * 3. The code is exchanged (openid-client: state, `iss`, PKCE verifier, nonce, the ID token's
 *    iss/aud/exp/azp and that its `alg` is the configured one). openid-client does not check ID
 *    token signatures (it trusts the TLS channel), so Lanyard does: with the configured algorithm
 *    only, HS256 against the client secret, the others against the IdP's JWKS.
 * 4. Claims: the ID token's, completed from userinfo when the ID token lacks the email (or the
 *    groups, when group sync is on), userinfo's `sub` being required to match.
 * 5. An email is required, `email_verified` must not be false, and its domain must be allowed.
 * 6. The entity is found or created by the IdP's `sub` (link_entity.ts), then group sync runs.
 */
import { jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { FetchError } from '../../verifier/index.js';
import type { EntityRecord } from '../identity/types.js';
import type { Logger } from '../log.js';
import { activeConfiguration } from './begin.js';
import type { SsoContext } from './context.js';
import { emailDomain, emailDomainAllowed } from './domains.js';
import { SsoLoginError } from './failures.js';
import { syncGroups, type GroupSyncResult } from './group_sync.js';
import { linkEntity } from './link_entity.js';
import { codeVerifierOf, type PendingLogin } from './pending_logins.js';
import type { SsoConfig } from './types.js';
import { causedBy, messageOf } from './error_chain.js';
import type { Upstream } from './upstream_client.js';
import { rememberUpstreamSession } from './upstream_sessions.js';

const MAX_EMAIL_LENGTH = 320;

export interface UpstreamSignIn {
  readonly entity: EntityRecord;
  readonly email: string;
  /** The IdP's subject (the alias name). */
  readonly subject: string;
  /** What group sync changed; undefined when it is off. */
  readonly groups: GroupSyncResult | undefined;
}

/**
 * `params` is the query string the IdP sent to the callback (code, state, iss, or error).
 * Throws SsoLoginError for every refusal.
 */
export async function completeUpstreamLogin(sso: SsoContext, pending: PendingLogin, params: URLSearchParams, log: Logger): Promise<UpstreamSignIn> {
  const config = await activeConfiguration(sso);
  if (config.updatedAt !== pending.configVersion) {
    throw new SsoLoginError('config_changed', `sign-in started under configuration version ${pending.configVersion}, now ${config.updatedAt}`);
  }
  const upstreamError = params.get('error');
  if (upstreamError !== null) {
    const description = (params.get('error_description') ?? '').slice(0, 300);
    const reason = upstreamError === 'access_denied' ? 'access_denied' : 'upstream_error';
    throw new SsoLoginError(reason, `the IdP answered error=${upstreamError.slice(0, 100)}${description === '' ? '' : ` (${description})`}`);
  }

  const upstream = await sso.upstreams.get(config);
  const state = params.get('state') ?? '';
  const tokens = await exchangeCode(upstream, sso.callbackUrl, params, {
    pkceCodeVerifier: codeVerifierOf(state, pending.pkceSalt),
    expectedNonce: pending.nonce,
    expectedState: state,
    idTokenExpected: true,
  });
  await verifySignature(tokens.id_token as string, upstream, config);

  const claims = await claimsOf(upstream, tokens, config);
  const email = checkedEmail(claims, config);
  const mount = await sso.identity.mounts.byType('oidc');
  if (mount === undefined) throw new Error('the oidc auth mount is missing from the instance record');
  const entity = await linkEntity(sso.services.storage, sso.identity, mount, { sub: claims.sub, email, ...(typeof claims.name === 'string' ? { name: claims.name } : {}) }, sso.services.now);

  await rememberUpstreamSession(sso.services, entity.id, tokens.refresh_token);

  let groups: GroupSyncResult | undefined;
  if (config.manageGroupMemberships) {
    groups = await syncGroups(sso.services.storage, sso.identity.groups, entity.id, claims.groups, log, sso.services.now);
    if (groups.added.length > 0 || groups.removed.length > 0) {
      log.info('sso group sync changed memberships', { entity_id: entity.id, added: groups.added, removed: groups.removed });
    }
  }
  return { entity, email, subject: claims.sub, groups };
}

type TokenResponse = Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;

async function exchangeCode(upstream: Upstream, callbackUrl: string, params: URLSearchParams, checks: oidc.AuthorizationCodeGrantChecks): Promise<TokenResponse> {
  const current = new URL(callbackUrl);
  for (const [name, value] of params) current.searchParams.append(name, value);
  try {
    return await oidc.authorizationCodeGrant(upstream.configuration, current, checks);
  } catch (error) {
    throw exchangeFailure(error);
  }
}

/** What a failed code exchange means for the person, with the library's reason for the operator. */
function exchangeFailure(error: unknown): SsoLoginError {
  const detail = `code exchange failed: ${messageOf(error)}`;
  if (error instanceof oidc.ResponseBodyError || error instanceof oidc.WWWAuthenticateChallengeError) {
    const code = error instanceof oidc.ResponseBodyError ? error.error : 'invalid_client';
    if (code === 'invalid_client' || error.status === 401) return new SsoLoginError('client_rejected', `${detail} (HTTP ${error.status}, ${code})`, { cause: error });
    if (code === 'invalid_grant') return new SsoLoginError('code_rejected', `${detail} (${code})`, { cause: error });
    return new SsoLoginError('upstream_error', `${detail} (HTTP ${error.status}, ${code})`, { cause: error });
  }
  if (causedBy(error, FetchError)) return new SsoLoginError('upstream_unreachable', detail, { cause: error });
  // Everything else is an answer that failed validation: state, iss, nonce, ID token claims or alg.
  return new SsoLoginError('invalid_id_token', detail, { cause: error });
}

async function verifySignature(idToken: string, upstream: Upstream, config: SsoConfig): Promise<void> {
  try {
    // Overloads of jwtVerify differ by key type; both forms are the same call.
    if (upstream.idTokenKey instanceof Uint8Array) await jwtVerify(idToken, upstream.idTokenKey, { algorithms: [config.jwtSignatureAlgorithm] });
    else await jwtVerify(idToken, upstream.idTokenKey, { algorithms: [config.jwtSignatureAlgorithm] });
  } catch (error) {
    if (causedBy(error, FetchError)) throw new SsoLoginError('upstream_unreachable', `the IdP's JWKS could not be fetched: ${messageOf(error)}`, { cause: error });
    throw new SsoLoginError('invalid_id_token', `ID token signature check (${config.jwtSignatureAlgorithm}) failed: ${messageOf(error)}`, { cause: error });
  }
}

interface PersonClaims {
  readonly sub: string;
  readonly [claim: string]: unknown;
}

async function claimsOf(upstream: Upstream, tokens: TokenResponse, config: SsoConfig): Promise<PersonClaims> {
  const idClaims = tokens.claims() as PersonClaims;
  const needsEmail = idClaims.email === undefined;
  const needsGroups = config.manageGroupMemberships && idClaims.groups === undefined;
  if ((!needsEmail && !needsGroups) || upstream.configuration.serverMetadata().userinfo_endpoint === undefined) return idClaims;

  let userinfo: Record<string, unknown>;
  try {
    userinfo = await oidc.fetchUserInfo(upstream.configuration, tokens.access_token, idClaims.sub);
  } catch (error) {
    if (causedBy(error, FetchError)) throw new SsoLoginError('upstream_unreachable', `userinfo failed: ${messageOf(error)}`, { cause: error });
    throw new SsoLoginError('upstream_misconfigured', `userinfo answer not usable: ${messageOf(error)}`, { cause: error });
  }
  return {
    ...idClaims,
    // The email and whether it is verified come from the same answer.
    ...(needsEmail ? { email: userinfo.email, email_verified: userinfo.email_verified } : {}),
    ...(needsGroups && userinfo.groups !== undefined ? { groups: userinfo.groups } : {}),
    ...(idClaims.name === undefined && typeof userinfo.name === 'string' ? { name: userinfo.name } : {}),
  };
}

function checkedEmail(claims: PersonClaims, config: SsoConfig): string {
  const email = typeof claims.email === 'string' ? claims.email.trim() : '';
  if (email === '' || email.length > MAX_EMAIL_LENGTH || /[\p{Cc}\s]/u.test(email) || emailDomain(email) === undefined) {
    throw new SsoLoginError('missing_email', `sub ${JSON.stringify(claims.sub)}: no usable email claim (${claims.email === undefined ? 'absent' : 'malformed'})`);
  }
  if (claims.email_verified === false || claims.email_verified === 'false') {
    throw new SsoLoginError('email_not_verified', `sub ${JSON.stringify(claims.sub)}: email_verified is false`);
  }
  if (!emailDomainAllowed(email, config.allowedEmailDomains)) {
    throw new SsoLoginError('domain_not_allowed', `sub ${JSON.stringify(claims.sub)}: domain ${emailDomain(email)} is not in allowedEmailDomains`);
  }
  return email;
}
