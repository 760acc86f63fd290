/**
 * The outbound policy shared by every fetch Lanyard makes to a third party (discovery, JWKS,
 * upstream IdP token and userinfo endpoints): https only unless plain http is allowed, no
 * credentials in URLs, and no internal address unless private networks are allowed. Names are
 * checked inside the socket's own DNS lookup, so a name that resolves to an internal address only
 * at connect time (DNS rebinding) is still refused.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
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
