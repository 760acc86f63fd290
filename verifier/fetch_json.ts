import type { SecureContext } from 'node:tls';
import { boundedExchange, type BoundedAnswer } from './bounded_fetch.js';
import { FetchError } from './fetch_error.js';

export { FetchError, type FetchErrorKind } from './fetch_error.js';

export interface FetchJsonOptions {
  /** Deadline for the whole exchange: DNS, connect, TLS, headers and body. */
  readonly timeoutMs: number;
  /** Largest accepted body, enforced while it streams in. */
  readonly maxBytes: number;
  readonly allowHttp: boolean;
  readonly allowPrivateNetwork: boolean;
  /** TLS trust for https URLs; Node's default roots when absent. */
  readonly secureContext?: SecureContext;
}

/**
 * GETs a JSON document from an identity provider with the limits an unauthenticated login
 * endpoint needs: a total deadline, a body size cap, no redirects at all (a 3xx is an error, as in
 * Infisical, so neither the scheme nor the host can change under us), and, unless private networks
 * are allowed, an address policy applied to the addresses the connection actually uses. The check
 * runs inside the socket's DNS lookup, so a name that resolved to a public address when a config
 * was saved and to 127.0.0.1 now (DNS rebinding) is still refused. Each fetch opens its own
 * connection: a pooled socket could have been opened under a different policy.
 */
export async function fetchJson(url: URL, options: FetchJsonOptions): Promise<unknown> {
  const answer = await boundedExchange(url, { headers: { accept: 'application/json' } }, { ...options, userAgent: 'lanyard-workload-jwt-verifier' });
  checkStatus(url, answer);
  try {
    return JSON.parse(answer.body.toString('utf8'));
  } catch (cause) {
    throw new FetchError('invalid_json', `GET ${url.href}: the response is not JSON`, { cause });
  }
}

function checkStatus(url: URL, answer: BoundedAnswer): void {
  if (answer.status >= 300 && answer.status < 400) {
    throw new FetchError('redirect', `GET ${url.href}: redirects are not followed (HTTP ${answer.status} to ${String(answer.headers.location)})`);
  }
  if (answer.status !== 200) throw new FetchError('http_status', `GET ${url.href}: HTTP ${answer.status}`);
}
