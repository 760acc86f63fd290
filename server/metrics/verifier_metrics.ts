/** Machine-login discovery/JWKS cache events as metrics, labelled by issuer (its discovery base). */
import type { CacheObserver } from '../../verifier/index.js';
import type { Metrics } from './metrics.js';

const WELL_KNOWN = '/.well-known/openid-configuration';

export function observeVerifierCache(metrics: Metrics): CacheObserver {
  return (event) => {
    const issuer = event.provider.endsWith(WELL_KNOWN) ? event.provider.slice(0, -WELL_KNOWN.length) : event.provider;
    metrics.verifierCache.inc({ issuer, cache: event.cache, result: event.result });
  };
}
