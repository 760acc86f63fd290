/**
 * What the machine-login endpoints share for the life of a server: the configuration store and
 * ONE workload-JWT verifier, so discovery documents and JWKS are cached across all logins (and
 * fetched once per cache period, not once per login as in Infisical). The verifier follows the
 * server's outbound settings and clock.
 */
import { WorkloadJwtVerifier } from '../../verifier/index.js';
import type { Services } from '../services.js';
import { observeVerifierCache } from '../metrics/verifier_metrics.js';
import { oidcAuthConfigStore, type OidcAuthConfigStore } from './config_store.js';

export interface MachineAuth {
  readonly services: Services;
  readonly configs: OidcAuthConfigStore;
  readonly verifier: WorkloadJwtVerifier;
}

export function createMachineAuth(services: Services): MachineAuth {
  return {
    services,
    configs: oidcAuthConfigStore(services.storage, services.seal),
    verifier: new WorkloadJwtVerifier({
      allowPrivateNetwork: services.config.allowPrivateNetwork,
      allowHttp: services.config.allowHttpOutbound,
      now: services.now,
      ...(services.metrics ? { observeCache: observeVerifierCache(services.metrics) } : {}),
    }),
  };
}
