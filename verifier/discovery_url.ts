const WELL_KNOWN = '/.well-known/openid-configuration';

/**
 * The URL of the discovery document for a configured `oidcDiscoveryUrl`. Operators paste either
 * the issuer base URL (what Infisical expects) or the full well-known URL (what several IdP
 * consoles show, and what Infisical's SPIRE guide tells them to enter); both work here, with or
 * without a trailing slash. Infisical appends the suffix by string concatenation, so the second
 * form and a trailing slash both fail there. Throws a TypeError naming the problem for anything
 * that is not an absolute http(s) URL without credentials, query or fragment.
 */
export function discoveryDocumentUrl(configured: string): URL {
  let url: URL;
  try {
    url = new URL(configured);
  } catch {
    throw new TypeError('oidcDiscoveryUrl is not an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TypeError('oidcDiscoveryUrl must be an http(s) URL');
  }
  if (url.username !== '' || url.password !== '') {
    throw new TypeError('oidcDiscoveryUrl must not contain user credentials');
  }
  if (url.search !== '' || url.hash !== '') {
    throw new TypeError('oidcDiscoveryUrl must not have a query or fragment');
  }
  let base = url.pathname.replace(/\/+$/, '');
  if (base.endsWith(WELL_KNOWN)) base = base.slice(0, -WELL_KNOWN.length).replace(/\/+$/, '');
  url.pathname = `${base}${WELL_KNOWN}`;
  return url;
}
