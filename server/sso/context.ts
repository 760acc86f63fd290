/**
 * What upstream sign-in shares for the life of a server: the configuration store, the sign-ins
 * in progress, ONE upstream client cache (so discovery and the IdP's keys are fetched once per
 * cache period, not per sign-in), the identity store, and the fixed callback URL registered at
 * the IdP (`<api-addr>/api/v1/sso/oidc/callback`, Infisical's path).
 *
 * `ssoContext(services)` returns the same context for the same services, so the admin routes, the
 * callback and the sign-in page all use one cache.
 */
import { boundedFetch } from '../../verifier/index.js';
import { identityStore, type IdentityStore } from '../identity/identity_store.js';
import type { Services } from '../services.js';
import { ssoConfigStore, type SsoConfigStore } from './config_store.js';
import { PendingLogins } from './pending_logins.js';
import type { SsoConfig } from './types.js';
import { UpstreamClients } from './upstream_client.js';

export const CALLBACK_PATH = '/api/v1/sso/oidc/callback';
const OUTBOUND_TIMEOUT_MS = 10_000;
const OUTBOUND_MAX_BYTES = 1024 * 1024;

export interface SsoContext {
  readonly services: Services;
  readonly configs: SsoConfigStore;
  readonly pending: PendingLogins;
  readonly upstreams: UpstreamClients;
  readonly identity: IdentityStore;
  /** The redirect URI registered at the upstream IdP. */
  readonly callbackUrl: string;
  /** The organisation's configuration, or undefined when there is none (or the server is uninitialised). */
  configuration(): Promise<SsoConfig | undefined>;
}

const contexts = new WeakMap<Services, SsoContext>();

export function ssoContext(services: Services): SsoContext {
  let context = contexts.get(services);
  if (context === undefined) {
    context = createContext(services);
    contexts.set(services, context);
  }
  return context;
}

function createContext(services: Services): SsoContext {
  const configs = ssoConfigStore(services.storage, services.seal);
  const fetch = boundedFetch({
    userAgent: 'lanyard-sso',
    allowHttp: services.config.allowHttpOutbound,
    allowPrivateNetwork: services.config.allowPrivateNetwork,
    timeoutMs: OUTBOUND_TIMEOUT_MS,
    maxBytes: OUTBOUND_MAX_BYTES,
  });
  return {
    services,
    configs,
    pending: new PendingLogins(services.storage, services.now),
    upstreams: new UpstreamClients({ fetch, allowHttp: services.config.allowHttpOutbound, now: services.now }),
    identity: identityStore(services),
    callbackUrl: `${services.config.apiAddr}${CALLBACK_PATH}`,
    async configuration() {
      const instance = await services.init.instance();
      return instance === undefined ? undefined : configs.get(instance.organization_id);
    },
  };
}
