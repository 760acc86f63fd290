/**
 * One running node-oidc-provider instance for one named provider, built from a snapshot. An
 * instance holds nothing that must survive it: state lives in storage, cookie keys are persistent,
 * so replacing it (registry.ts) loses nothing, and requests already inside it finish there.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Provider } from 'oidc-provider';
import type { Logger } from '../../log.js';
import type { Services } from '../../services.js';
import type { ClientKeys } from './client_keys.js';
import { ClientDirectory } from './clients.js';
import { providerConfiguration } from './configuration.js';
import { logProviderEvents } from './events.js';
import { noteProviderEvents } from '../../audit/provider_events.js';
import { forceSecureCookies, requiresSecureCookies } from './secure_cookies.js';
import { countGrants } from '../../metrics/grant_metrics.js';
import { installBackchannelLogout } from './backchannel_hook.js';
import { installProtocolHooks } from './protocol_hooks.js';
import { PublishedKey, clientKeySigners } from './signing.js';
import type { StateProtection } from './state_protection.js';
import type { ProviderSnapshot, PublishedKeys } from './snapshot.js';
import { mountPathFromRequestEnd } from './url_for.js';

export interface ProviderInstance {
  readonly name: string;
  readonly snapshot: ProviderSnapshot;
  /** The public keys the instance verifies id_token_hint values with. */
  readonly published: PublishedKeys;
  readonly provider: Provider;
  readonly clients: ClientDirectory;
  /** Node's request handler of the instance (cached: the library composes it on every call). */
  readonly handle: (req: IncomingMessage, res: ServerResponse) => void;
}

export interface InstanceDependencies {
  readonly services: Services;
  readonly keys: ClientKeys;
  readonly cookieKeys: readonly string[];
  readonly stateProtection: StateProtection;
  readonly log: Logger;
}

export function createProviderInstance(deps: InstanceDependencies, name: string, snapshot: ProviderSnapshot, published: PublishedKeys): ProviderInstance {
  const log = deps.log.child({ provider: name });
  const clients = new ClientDirectory(deps.services, snapshot, deps.keys, log);
  // Signers first, so the library always signs with the requesting client's own key; then the
  // published keys, which only verify (signing.ts).
  const keystore = [...clientKeySigners((clientId) => clients.known(clientId)?.key.signing), ...published.keys.map((jwk) => new PublishedKey(jwk))];
  const provider = new Provider(snapshot.issuer, providerConfiguration({ services: deps.services, name, snapshot, clients, keys: keystore, cookieKeys: deps.cookieKeys, stateProtection: deps.stateProtection, log }));
  // X-Forwarded-* reach the provider only from configured proxies (the mount strips them otherwise).
  provider.proxy = deps.services.config.trustedProxies.length > 0;
  if (requiresSecureCookies(deps.services.config.apiAddr, snapshot.issuer)) forceSecureCookies(provider);
  logProviderEvents(provider, name, log);
  noteProviderEvents(provider, name, deps.services.metrics ? countGrants(deps.services.metrics) : undefined);
  installProtocolHooks(provider, deps.services, name);
  installBackchannelLogout(provider, deps.services, name);
  mountPathFromRequestEnd(provider);
  return { name, snapshot, published, provider, clients, handle: provider.callback() };
}
