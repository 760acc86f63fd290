/**
 * The client's address. `X-Forwarded-For` is believed only hop by hop through configured trusted
 * proxies: starting from the socket peer, walk the header right to left while the current hop is a
 * trusted proxy; the first untrusted hop is the client. A client can prepend anything it likes to
 * the header, so nothing left of the first untrusted hop is ever used.
 */
import { anyCidrContains, canonicalIp, type Cidr } from '../util/cidr.js';

export function clientIp(peer: string | undefined, forwardedFor: string | string[] | undefined, trusted: readonly Cidr[]): string {
  let current = canonicalIp(peer ?? '');
  if (trusted.length === 0 || forwardedFor === undefined) return current;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');
  while (anyCidrContains(trusted, current) && hops.length > 0) {
    current = canonicalIp(hops.pop() as string);
  }
  return current;
}

/** Whether the request came through a trusted proxy (so X-Forwarded-Proto may be believed). */
export function viaTrustedProxy(peer: string | undefined, trusted: readonly Cidr[]): boolean {
  return trusted.length > 0 && anyCidrContains(trusted, canonicalIp(peer ?? ''));
}
