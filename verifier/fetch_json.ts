import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { SecureContext } from 'node:tls';
import { FetchError } from './fetch_error.js';
import { checkOutboundUrl, describeNetworkError, publicOnlyLookup } from './outbound_guard.js';

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
  checkOutboundUrl(url, options);
  const body = await fetchBody(url, options);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (cause) {
    throw new FetchError('invalid_json', `GET ${url.href}: the response is not JSON`, { cause });
  }
}

function fetchBody(url: URL, options: FetchJsonOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error: Error | undefined, body?: Buffer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      if (error === undefined) resolve(body!);
      else {
        reject(error);
        request.destroy();
      }
    };

    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(url, {
      method: 'GET',
      agent: false,
      headers: { accept: 'application/json', 'user-agent': 'lanyard-workload-jwt-verifier' },
      ...(options.allowPrivateNetwork ? {} : { lookup: publicOnlyLookup }),
      ...(options.secureContext === undefined ? {} : { secureContext: options.secureContext }),
    });

    const deadline = setTimeout(() => {
      settle(new FetchError('timeout', `GET ${url.href}: no complete response within ${options.timeoutMs} ms`));
    }, options.timeoutMs);

    request.on('error', (error) => {
      settle(error instanceof FetchError ? error : new FetchError('network', `GET ${url.href}: ${describeNetworkError(error)}`, { cause: error }));
    });
    request.on('response', (response) => {
      const problem = responseProblem(url, response, options.maxBytes);
      if (problem !== undefined) {
        settle(problem);
        return;
      }
      const chunks: Buffer[] = [];
      let received = 0;
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > options.maxBytes) {
          settle(new FetchError('too_large', `GET ${url.href}: response exceeds ${options.maxBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () => settle(undefined, Buffer.concat(chunks)));
      response.on('error', (error) => settle(new FetchError('network', `GET ${url.href}: ${describeNetworkError(error)}`, { cause: error })));
    });
    request.end();
  });
}

function responseProblem(url: URL, response: IncomingMessage, maxBytes: number): FetchError | undefined {
  const status = response.statusCode ?? 0;
  if (status >= 300 && status < 400) {
    return new FetchError('redirect', `GET ${url.href}: redirects are not followed (HTTP ${status} to ${String(response.headers.location)})`);
  }
  if (status !== 200) return new FetchError('http_status', `GET ${url.href}: HTTP ${status}`);
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    return new FetchError('too_large', `GET ${url.href}: declared length ${declared} exceeds ${maxBytes} bytes`);
  }
  return undefined;
}
