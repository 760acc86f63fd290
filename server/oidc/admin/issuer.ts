/**
 * Issuers. A provider (`identity/oidc/provider/:name`) and the identity-token feature
 * (`identity/oidc/config`) each take an optional `scheme://host[:port]` override; the effective
 * issuer is that base (or the server's api address) plus a fixed path:
 *
 *   provider:        <base>/v1/identity/oidc/provider/<name>
 *   identity tokens: <base>/v1/identity/oidc
 */
import type { Storage } from '../../../storage/types.js';
import type { OidcConfigRecord, ProviderRecord } from '../types.js';

export const INVALID_ISSUER_MESSAGE =
  'invalid issuer, which must include only a scheme, host, and optional port (e.g. https://example.com:8200)';

export const EXPLICIT_ISSUER_WARNING =
  'If "issuer" is set explicitly, all tokens must be validated against that address, including those issued by secondary clusters. ' +
  'Setting issuer to "" will restore the default behavior of using the cluster\'s api_addr as the issuer.';

/** Characters Go's url.Parse accepts in a host (plus any non-ASCII). */
const HOST = String.raw`(?:\[[0-9A-Za-z:.%]+\]|[A-Za-z0-9\-._~!$&'()*+,;=<>"\u0080-\uffff]+)`;
const ISSUER_BASE = new RegExp(String.raw`^[A-Za-z][A-Za-z0-9+.-]*://${HOST}(?::[0-9]*)?$`);

/**
 * Vault's rule: the value parses as a URL that has exactly a scheme (http or https) and a
 * non-empty host with an optional port — no path (not even `/`), query, fragment or user info.
 */
export function isValidIssuerBase(issuer: string): boolean {
  // Go's parser drops an empty fragment, so a single trailing `#` passes in Vault too.
  const text = issuer.endsWith('#') && issuer.indexOf('#') === issuer.length - 1 ? issuer.slice(0, -1) : issuer;
  if (!ISSUER_BASE.test(text)) return false;
  const scheme = text.slice(0, text.indexOf(':')).toLowerCase();
  return scheme === 'http' || scheme === 'https';
}

export function providerIssuer(apiAddr: string, provider: Pick<ProviderRecord, 'name' | 'issuer'>): string {
  return `${provider.issuer || apiAddr}/v1/identity/oidc/provider/${provider.name}`;
}

export function identityTokenIssuer(apiAddr: string, config: OidcConfigRecord): string {
  return `${config.issuer || apiAddr}/v1/identity/oidc`;
}

const CONFIG_KIND = 'system';
const CONFIG_ID = 'oidc_config';

/** The identity-token configuration; an unset one reads as `{issuer: ""}`. */
export async function readOidcConfig(storage: Storage): Promise<OidcConfigRecord> {
  return (await storage.get<OidcConfigRecord>(CONFIG_KIND, CONFIG_ID)) ?? { issuer: '' };
}

export function writeOidcConfig(storage: Storage, config: OidcConfigRecord): Promise<void> {
  return storage.put(CONFIG_KIND, CONFIG_ID, config);
}
