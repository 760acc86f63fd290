/**
 * Checks on what the operator configured, made before any request so that a mistake is reported
 * as a mistake (and never as a network failure that quotes the token).
 */
import { ClientConfigError } from './errors.js';

/** Validate and normalise a base address (a path prefix is kept, the trailing slash dropped). */
export function parseAddress(address: string): string {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new ClientConfigError(`invalid address ${JSON.stringify(address)}: expected a URL such as http://127.0.0.1:8200`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ClientConfigError(`invalid address ${JSON.stringify(address)}: the scheme must be http or https`);
  }
  if (url.username !== '' || url.password !== '') throw new ClientConfigError('invalid address: credentials do not belong in the address');
  if (url.search !== '' || url.hash !== '') throw new ClientConfigError(`invalid address ${JSON.stringify(address)}: no query or fragment allowed`);
  return url.href.replace(/\/+$/, '');
}

/**
 * fetch would reject a token with control characters with an error that may quote the header;
 * check first so no token text ever reaches an error message.
 */
export function assertHeaderSafe(token: string): void {
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new ClientConfigError('the token contains spaces or characters that cannot be sent in an HTTP header');
  }
}
