/**
 * Behind a TLS-terminating proxy the provider must see the original scheme and host (secure
 * cookies, https URLs), which Koa reads from X-Forwarded-* once `provider.proxy` is on. Koa then
 * believes them from anyone, so they are removed here from every request whose peer is not a
 * configured trusted proxy: a client talking to the server directly cannot claim to be on https
 * or on another host.
 */
import type { IncomingMessage } from 'node:http';
import { viaTrustedProxy } from '../../http/client_ip.js';
import type { Cidr } from '../../util/cidr.js';

const FORWARDED_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port', 'x-forwarded-prefix'];

export function dropUntrustedForwardedHeaders(req: IncomingMessage, trustedProxies: readonly Cidr[]): void {
  if (viaTrustedProxy(req.socket.remoteAddress, trustedProxies)) return;
  for (const name of FORWARDED_HEADERS) delete req.headers[name];
}
