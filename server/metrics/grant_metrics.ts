/** OIDC token-endpoint outcomes as metrics: grants and refreshes by provider, client and type. */
import type { GrantListener } from '../audit/provider_events.js';
import type { Metrics } from './metrics.js';

const GRANT_TYPES = new Set(['authorization_code', 'refresh_token', 'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code', 'urn:openid:params:grant-type:ciba']);

export function countGrants(metrics: Metrics): GrantListener {
  return (note, clientKnown) => {
    if (note.event !== 'grant.success' && note.event !== 'grant.error') return;
    // Only registered clients and known grant types become label values: callers choose the rest.
    const grantType = note.grant_type !== undefined && GRANT_TYPES.has(note.grant_type) ? note.grant_type : 'other';
    metrics.oidcGrants.inc({
      provider: note.provider,
      client_id: clientKnown ? (note.client_id ?? 'unknown') : 'unknown',
      grant_type: grantType,
      outcome: note.event === 'grant.success' ? 'success' : 'failure',
    });
  };
}
