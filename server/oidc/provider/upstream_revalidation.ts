/**
 * findAccount with SSO re-validation (server/sso/upstream_sessions.ts): before a refresh token of
 * an entity that signed in through the upstream IdP is honoured, the upstream sign-in is checked
 * when the last check is older than `sso-revalidate-interval`. When the IdP refuses, every grant of
 * the entity ends (with back-channel logouts) and this refresh fails with invalid_grant.
 */
import { errors, type FindAccount } from 'oidc-provider';
import type { Services } from '../../services.js';

export function withUpstreamRevalidation(find: FindAccount, services: Services): FindAccount {
  return async (ctx, sub, token) => {
    if (token?.kind === 'RefreshToken' && services.config.ssoRevalidateInterval > 0) {
      const { revalidateUpstreamSession } = await import('../../sso/upstream_sessions.js');
      if ((await revalidateUpstreamSession(services, sub)) === 'refused') {
        const { revokeAllEntityGrants } = await import('../grant_revocation.js');
        await revokeAllEntityGrants(services, sub);
        throw new errors.InvalidGrant('the upstream identity provider ended the sign-in');
      }
    }
    return find(ctx, sub, token);
  };
}
