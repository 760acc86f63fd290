/** The verifier's view of a machine-login configuration. */
import type { BoundPolicy } from '../../verifier/index.js';
import type { OidcAuthSettings } from './types.js';

export function boundPolicyOf(settings: OidcAuthSettings): BoundPolicy {
  return {
    oidcDiscoveryUrl: settings.oidcDiscoveryUrl,
    boundIssuer: settings.boundIssuer,
    boundAudiences: settings.boundAudiences,
    boundSubject: settings.boundSubject,
    boundClaims: settings.boundClaims,
    ...(settings.caCert === '' ? {} : { caCert: settings.caCert }),
  };
}
