/**
 * The outbound policy for a discovery URL, checked when a configuration is saved: plain http only
 * with `allow-http-outbound`, and hosts that are or resolve to loopback, private, link-local or
 * other internal addresses only with `allow-private-network` (dev mode sets both). The verifier
 * applies the same rules again on every fetch, inside the socket's own DNS lookup, so a name that
 * resolves differently later (DNS rebinding) gains nothing; this check is there so an admin hears
 * about a refused URL when saving it rather than from the first failing login.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isInternalAddress } from '../../verifier/index.js';
import { badRequest } from './infisical_errors.js';

export interface OutboundSettings {
  readonly allowPrivateNetwork: boolean;
  readonly allowHttpOutbound: boolean;
}

/** Infisical's message for an internal address. */
const LOCAL_ADDRESS = 'Local IPs not allowed as URL';

/**
 * Resolves when `configured` may be fetched; otherwise throws a 400. URLs that are not absolute
 * http(s) URLs are left to the configuration's own validation (a 422 naming the problem).
 */
export async function checkOutboundUrl(configured: string, settings: OutboundSettings): Promise<void> {
  if (!URL.canParse(configured)) return;
  const url = new URL(configured);
  if (url.username !== '' || url.password !== '') throw badRequest('URLs with user credentials (e.g. user:pass@host) are not allowed');
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return;
  if (url.protocol === 'http:' && !settings.allowHttpOutbound) {
    throw badRequest('Plain http discovery URLs are not allowed: use https, or start the server with allow-http-outbound');
  }
  if (settings.allowPrivateNetwork) return;

  const host = url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host === 'host.docker.internal') {
    throw badRequest(LOCAL_ADDRESS, { detail: `${url.host} is a local host name` });
  }
  if (isIP(host) !== 0) {
    if (isInternalAddress(host)) throw badRequest(LOCAL_ADDRESS, { detail: `${url.host} is an internal address` });
    return;
  }
  let addresses: Array<{ address: string }>;
  try {
    addresses = await lookup(host, { all: true, verbatim: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'lookup failed';
    throw badRequest(`The host of the discovery URL could not be resolved (${code})`, { detail: `${host}: ${code}` });
  }
  const internal = addresses.find((entry) => isInternalAddress(entry.address));
  if (internal !== undefined || addresses.length === 0) {
    throw badRequest(LOCAL_ADDRESS, { detail: `${host} resolves to ${internal?.address ?? 'nothing'}` });
  }
}
