/**
 * SSO re-validation: a person who signed in through the upstream IdP keeps Lanyard grants (and
 * refresh tokens) long after that sign-in. With `sso-revalidate-interval` set, the IdP's refresh
 * token from the sign-in is kept sealed per entity (kind `sso_upstream_session`, sealing context
 * `sso-upstream-refresh:<entity id>`), and a Lanyard refresh by that entity, once the last check is
 * older than the interval, first refreshes at the IdP:
 *
 *   - the IdP answers with tokens → the check time (and a rotated refresh token) is stored;
 *   - the IdP refuses (an OAuth error such as invalid_grant: the person was removed or the session
 *     revoked upstream) → every grant of the entity ends (grant_revocation.ts) and the refresh
 *     fails with invalid_grant;
 *   - the IdP cannot be reached, or SSO is no longer configured → the grant is kept and a warning
 *     logged (an IdP outage must not sign everyone out).
 *
 * Entities without a record (local userpass sign-ins) are never checked.
 */
import * as oidc from 'openid-client';
import type { Services } from '../services.js';
import { ssoContext } from './context.js';
import { activeConfiguration } from './begin.js';

export const UPSTREAM_SESSION_KIND = 'sso_upstream_session';

interface UpstreamSession {
  /** Sealed. */
  readonly refresh_token: string;
  /** Milliseconds (server clock) of the sign-in or the last successful check. */
  readonly validated_at: number;
}

const context = (entityId: string) => `sso-upstream-refresh:${entityId}`;

/** After an SSO sign-in: keep the IdP's refresh token when re-validation is on. */
export async function rememberUpstreamSession(services: Pick<Services, 'storage' | 'seal' | 'now' | 'config'>, entityId: string, refreshToken: string | undefined): Promise<void> {
  if (services.config.ssoRevalidateInterval <= 0 || refreshToken === undefined) return;
  const record: UpstreamSession = { refresh_token: services.seal.seal(refreshToken, context(entityId)), validated_at: services.now() };
  await services.storage.put(UPSTREAM_SESSION_KIND, entityId, record);
}

export type Revalidation = 'valid' | 'refused';

/** Whether the entity's upstream sign-in still stands (checked at most once per interval). */
export async function revalidateUpstreamSession(services: Services, entityId: string): Promise<Revalidation> {
  const interval = services.config.ssoRevalidateInterval;
  if (interval <= 0) return 'valid';
  const record = await services.storage.get<UpstreamSession>(UPSTREAM_SESSION_KIND, entityId);
  if (record === undefined || services.now() - record.validated_at < interval * 1000) return 'valid';

  const sso = ssoContext(services);
  let tokens: Awaited<ReturnType<typeof oidc.refreshTokenGrant>>;
  try {
    const upstream = await sso.upstreams.get(await activeConfiguration(sso));
    tokens = await oidc.refreshTokenGrant(upstream.configuration, services.seal.open(record.refresh_token, context(entityId)));
  } catch (error) {
    if (error instanceof oidc.ResponseBodyError) {
      services.log.info('sso re-validation: the upstream IdP refused the refresh; ending the entity’s grants', { entity_id: entityId, error: error.error });
      await services.storage.delete(UPSTREAM_SESSION_KIND, entityId);
      return 'refused';
    }
    services.log.warn('sso re-validation could not reach the upstream IdP; the grant is kept', { entity_id: entityId, error: error instanceof Error ? error.message : String(error) });
    return 'valid';
  }
  const refreshToken = tokens.refresh_token ?? services.seal.open(record.refresh_token, context(entityId));
  await services.storage.put(UPSTREAM_SESSION_KIND, entityId, { refresh_token: services.seal.seal(refreshToken, context(entityId)), validated_at: services.now() } satisfies UpstreamSession);
  return 'valid';
}
