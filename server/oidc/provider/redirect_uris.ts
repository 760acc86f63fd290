/**
 * Vault stores a client's redirect URIs without validating them and matches them exactly, except
 * that a loopback redirect (localhost, 127.0.0.1, [::1]) matches on any port (RFC 8252 §7.3).
 * node-oidc-provider validates redirect URIs and applies the any-port rule only to clients of
 * application type `native`, whose rules are: http only on loopback hosts, https never on them.
 *
 * So a client is presented to the library as `native` when it has an http loopback redirect and
 * all its URIs fit the native rules; otherwise as `web`, where matching is exact. URIs the library
 * would refuse (unparsable, with a fragment, an unusable scheme) are left out rather than making
 * the whole client unusable: in Vault such a URI simply never matches anything.
 */

export type ApplicationType = 'web' | 'native';

export interface RedirectUriPolicy {
  readonly applicationType: ApplicationType;
  readonly redirectUris: string[];
  readonly postLogoutRedirectUris: string[];
  /** URIs left out, for the operator's log. */
  readonly dropped: string[];
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
/** Schemes the library never accepts for a native client's redirect. */
const FORBIDDEN_NATIVE_SCHEMES = new Set(['javascript:', 'vbscript:', 'data:', 'blob:', 'file:', 'about:']);

export function redirectUriPolicy(redirectUris: readonly string[], postLogoutRedirectUris: readonly string[]): RedirectUriPolicy {
  const parsed = new Map([...redirectUris, ...postLogoutRedirectUris].map((uri) => [uri, wellFormed(uri)]));
  const urls = [...parsed.values()].filter((url): url is URL => url !== undefined);
  const native = redirectUris.some((uri) => isHttpLoopback(parsed.get(uri))) && urls.every(fitsNative);
  const fits = (uri: string): boolean => {
    const url = parsed.get(uri);
    if (url === undefined) return false;
    return native ? fitsNative(url) : url.protocol === 'https:' || url.protocol === 'http:';
  };
  return {
    applicationType: native ? 'native' : 'web',
    redirectUris: redirectUris.filter(fits),
    postLogoutRedirectUris: postLogoutRedirectUris.filter(fits),
    dropped: [...parsed.keys()].filter((uri) => !fits(uri)),
  };
}

function wellFormed(uri: string): URL | undefined {
  return URL.canParse(uri) && !uri.includes('#') ? new URL(uri) : undefined;
}

function isHttpLoopback(url: URL | undefined): boolean {
  return url !== undefined && url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

function fitsNative(url: URL): boolean {
  if (url.protocol === 'http:') return LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol === 'https:') return !LOOPBACK_HOSTS.has(url.hostname);
  return !FORBIDDEN_NATIVE_SCHEMES.has(url.protocol);
}
