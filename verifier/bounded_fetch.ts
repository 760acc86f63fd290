/**
 * The one HTTP exchange Lanyard makes with third parties (discovery documents, JWKS, upstream
 * IdP token and userinfo endpoints, back-channel calls): the outbound policy of outbound_guard.ts
 * (scheme, credentials, internal addresses checked inside the socket's own DNS lookup), one
 * deadline for the whole exchange (DNS, connect, TLS, headers, body), a body cap enforced while
 * the body streams in, no redirects followed, and a fresh connection per exchange (a pooled socket
 * could have been opened under another policy).
 *
 * `boundedExchange` answers with status, headers and body; `boundedFetch` wraps it as the WHATWG
 * fetch that openid-client and jose accept as their custom fetch. Failures reject with FetchError,
 * whose `kind` says what went wrong.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { SecureContext } from 'node:tls';
import { FetchError } from './fetch_error.js';
import { checkOutboundUrl, describeNetworkError, publicOnlyLookup } from './outbound_guard.js';

export interface BoundedFetchOptions {
  readonly allowHttp: boolean;
  readonly allowPrivateNetwork: boolean;
  /** Deadline for one whole exchange. */
  readonly timeoutMs: number;
  /** Largest accepted response body. */
  readonly maxBytes: number;
  /** TLS trust for https URLs; Node's default roots when absent. */
  readonly secureContext?: SecureContext;
  /** Sent unless the request sets its own. */
  readonly userAgent?: string;
}

export interface BoundedRequest {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer;
  readonly signal?: AbortSignal | undefined;
}

export interface BoundedAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export function boundedExchange(url: URL, request: BoundedRequest, options: BoundedFetchOptions): Promise<BoundedAnswer> {
  checkOutboundUrl(url, options);
  const method = request.method ?? 'GET';
  const what = `${method} ${url.origin}${url.pathname}`;
  const headers: Record<string, string> = { ...request.headers };
  if (request.body !== undefined) headers['content-length'] = String(request.body.length);
  if (options.userAgent !== undefined && headers['user-agent'] === undefined) headers['user-agent'] = options.userAgent;

  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error: Error | undefined, answer?: BoundedAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      request.signal?.removeEventListener('abort', onAbort);
      if (error === undefined) resolve(answer as BoundedAnswer);
      else {
        reject(error);
        outgoing.destroy();
      }
    };
    const onAbort = (): void => settle(new FetchError('timeout', `${what}: aborted`));

    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const outgoing = send(url, {
      method,
      headers,
      agent: false,
      ...(options.allowPrivateNetwork ? {} : { lookup: publicOnlyLookup }),
      ...(options.secureContext === undefined ? {} : { secureContext: options.secureContext }),
    });
    const deadline = setTimeout(() => settle(new FetchError('timeout', `${what}: no complete response within ${options.timeoutMs} ms`)), options.timeoutMs);
    if (request.signal?.aborted === true) onAbort();
    request.signal?.addEventListener('abort', onAbort);

    outgoing.on('error', (error) => {
      settle(error instanceof FetchError ? error : new FetchError('network', `${what}: ${describeNetworkError(error)}`, { cause: error }));
    });
    outgoing.on('response', (response) => {
      const declared = Number(response.headers['content-length']);
      if (Number.isFinite(declared) && declared > options.maxBytes) {
        settle(new FetchError('too_large', `${what}: declared length ${declared} exceeds ${options.maxBytes} bytes`));
        return;
      }
      const chunks: Buffer[] = [];
      let received = 0;
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > options.maxBytes) {
          settle(new FetchError('too_large', `${what}: response exceeds ${options.maxBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () => settle(undefined, { status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', (error) => settle(new FetchError('network', `${what}: ${describeNetworkError(error)}`, { cause: error })));
    });
    outgoing.end(request.body);
  });
}

/** What openid-client and jose pass to a custom fetch. */
export interface FetchInit {
  readonly method?: string;
  readonly headers?: ConstructorParameters<typeof Headers>[0];
  readonly body?: unknown;
  readonly signal?: AbortSignal | null;
}

export type BoundedFetch = (url: string, init?: FetchInit) => Promise<Response>;

/** boundedExchange as a WHATWG fetch (for openid-client and jose). */
export function boundedFetch(options: BoundedFetchOptions): BoundedFetch {
  return async (href, init = {}) => {
    const body = requestBody(init.body);
    const answer = await boundedExchange(
      new URL(href),
      { method: init.method ?? 'GET', headers: Object.fromEntries(new Headers(init.headers).entries()), ...(body === undefined ? {} : { body }), signal: init.signal ?? undefined },
      options,
    );
    const empty = answer.status === 204 || answer.status === 304;
    return new Response(empty ? null : answer.body, { status: answer.status, headers: responseHeaders(answer.headers) });
  };
}

function requestBody(body: unknown): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof URLSearchParams) return Buffer.from(body.toString(), 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  // Nothing Lanyard sends streams; refusing keeps the size of every request known.
  throw new TypeError('unsupported request body type for an outbound request');
}

function responseHeaders(headers: IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) out.append(name, item);
  }
  return out;
}
