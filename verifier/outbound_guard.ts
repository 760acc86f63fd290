/**
 * The outbound policy shared by every fetch Lanyard makes to a third party (discovery, JWKS,
 * upstream IdP token and userinfo endpoints): https only unless plain http is allowed, no
 * credentials in URLs, and no internal address unless private networks are allowed. Names are
 * checked inside the socket's own DNS lookup, so a name that resolves to an internal address only
 * at connect time (DNS rebinding) is still refused.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { lookup as resolveAll } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import { FetchError } from './fetch_error.js';
import { isInternalAddress } from './internal_address.js';

export interface OutboundPolicy {
  readonly allowHttp?: boolean;
  readonly allowPrivateNetwork?: boolean;
}

/** Throws FetchError when the URL itself breaks the policy (scheme, credentials, IP literal). */
export function checkOutboundUrl(url: URL, policy: OutboundPolicy): void {
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
    throw new FetchError('url_not_allowed', `${url.protocol} URLs are not allowed: ${url.origin}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new FetchError('url_not_allowed', 'URLs with user credentials are not allowed');
  }
  // An IP literal never goes through DNS, so the lookup guard would not see it.
  const literal = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!policy.allowPrivateNetwork && isIP(literal) !== 0 && isInternalAddress(literal)) {
    throw new FetchError('address_not_allowed', `${url.host} is an internal address`);
  }
}

/** A DNS lookup for sockets that refuses names resolving to any internal address. */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err) {
      callback(err, '');
      return;
    }
    const refused = addresses.find((entry) => isInternalAddress(entry.address));
    if (refused !== undefined || addresses.length === 0) {
      const error = new FetchError(
        'address_not_allowed',
        `${hostname} resolves to an internal address${refused === undefined ? '' : ` (${refused.address})`}`,
      );
      callback(Object.assign(error, { code: 'EADDRNOTALLOWED' }), '');
      return;
    }
    if (options.all === true) callback(null, addresses);
    else callback(null, addresses[0]!.address, addresses[0]!.family);
  });
};

/** A network error as one line: its code (ECONNREFUSED…) and message. */
export function describeNetworkError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === undefined ? error.message : `${code}: ${error.message}`;
}

/** Why a configured URL would be refused when fetched, found ahead of time. */
export type OutboundProblem =
  | { readonly kind: 'credentials' | 'plain_http' }
  | { readonly kind: 'internal_address' | 'unresolvable'; readonly detail: string };

/**
 * The same policy, checked when a URL is configured rather than fetched, so that an admin hears
 * about a refused URL when saving it and not from the first failing login: it also resolves the
 * host now. The fetch checks again inside its own DNS lookup, so a name that resolves differently
 * later (DNS rebinding) gains nothing. Non-http(s) URLs are left to the caller's validation.
 */
export async function outboundProblem(url: URL, policy: OutboundPolicy): Promise<OutboundProblem | undefined> {
  if (url.username !== '' || url.password !== '') return { kind: 'credentials' };
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (url.protocol === 'http:' && policy.allowHttp !== true) return { kind: 'plain_http' };
  if (policy.allowPrivateNetwork === true) return undefined;

  const host = url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host === 'host.docker.internal') {
    return { kind: 'internal_address', detail: `${url.host} is a local host name` };
  }
  if (isIP(host) !== 0) return isInternalAddress(host) ? { kind: 'internal_address', detail: `${url.host} is an internal address` } : undefined;
  let addresses: LookupAddress[];
  try {
    addresses = await resolveAll(host, { all: true, verbatim: true });
  } catch (error) {
    return { kind: 'unresolvable', detail: `${host}: ${(error as NodeJS.ErrnoException).code ?? 'lookup failed'}` };
  }
  const internal = addresses.find((entry) => isInternalAddress(entry.address));
  if (internal !== undefined || addresses.length === 0) return { kind: 'internal_address', detail: `${host} resolves to ${internal?.address ?? 'nothing'}` };
  return undefined;
}
