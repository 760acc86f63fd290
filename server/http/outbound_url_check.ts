/**
 * The verifier's outbound policy applied to a discovery URL when a configuration is saved
 * (verifier/outbound_guard.ts, `outboundProblem`), with Infisical's messages: plain http only with
 * `allow-http-outbound`, and hosts that are or resolve to loopback, private, link-local or other
 * internal addresses only with `allow-private-network` (dev mode sets both).
 */
import { outboundProblem } from '../../verifier/index.js';
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
  const problem = await outboundProblem(new URL(configured), { allowHttp: settings.allowHttpOutbound, allowPrivateNetwork: settings.allowPrivateNetwork });
  switch (problem?.kind) {
    case undefined:
      return;
    case 'credentials':
      throw badRequest('URLs with user credentials (e.g. user:pass@host) are not allowed');
    case 'plain_http':
      throw badRequest('Plain http discovery URLs are not allowed: use https, or start the server with allow-http-outbound');
    case 'internal_address':
      throw badRequest(LOCAL_ADDRESS, { detail: problem.detail });
    case 'unresolvable':
      throw badRequest(`The host of the discovery URL could not be resolved (${problem.detail.slice(problem.detail.lastIndexOf(' ') + 1)})`, { detail: problem.detail });
  }
}
