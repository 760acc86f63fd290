/**
 * The fetch every request to the upstream IdP goes through (discovery, token, userinfo, JWKS),
 * handed to openid-client and jose as their custom fetch. It applies the verifier's outbound
 * policy (verifier/internal_address.ts, the same rules machine login uses): plain http only with
 * `allow-http-outbound`, and no loopback, private, link-local or other internal address unless
 * `allow-private-network` (dev mode sets both). The address check runs inside the socket's own DNS
 * lookup, so a name that resolves to 127.0.0.1 only at login time (DNS rebinding) is still
 * refused. Redirects are never followed, bodies are capped while they stream in, and every
 * exchange has a deadline.
 *
 * Failures reject with the verifier's FetchError, whose `kind` says what went wrong.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { FetchError, checkOutboundUrl, describeNetworkError, publicOnlyLookup } from '../../verifier/index.js';

export interface OutboundOptions {
  readonly allowHttp: boolean;
  readonly allowPrivateNetwork: boolean;
  /** Deadline for one whole exchange. */
  readonly timeoutMs: number;
  /** Largest accepted response body. */
  readonly maxBytes: number;
}

/** What openid-client and jose pass to a custom fetch. */
export interface OutboundInit {
  readonly method?: string;
  readonly headers?: ConstructorParameters<typeof Headers>[0];
  readonly body?: unknown;
  readonly signal?: AbortSignal | null;
}

export type OutboundFetch = (url: string, init?: OutboundInit) => Promise<Response>;

export function outboundFetch(options: OutboundOptions): OutboundFetch {
  return async (href, init = {}) => {
    const url = new URL(href);
    checkOutboundUrl(url, options);
    const body = requestBody(init.body);
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    if (body !== undefined) headers['content-length'] = String(body.length);
    headers['user-agent'] ??= 'lanyard-sso';
    const answer = await exchange(url, init.method ?? 'GET', headers, body, init.signal ?? undefined, options);
    return new Response(answer.status === 204 || answer.status === 304 ? null : answer.body, { status: answer.status, headers: responseHeaders(answer.headers) });
  };
}

function requestBody(body: unknown): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof URLSearchParams) return Buffer.from(body.toString(), 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  // Nothing Lanyard sends upstream streams; refusing keeps the size of every request known.
  throw new TypeError('unsupported request body type for an outbound request');
}

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

function exchange(url: URL, method: string, headers: Record<string, string>, body: Buffer | undefined, signal: AbortSignal | undefined, options: OutboundOptions): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error: Error | undefined, answer?: Answer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      signal?.removeEventListener('abort', onAbort);
      if (error === undefined) resolve(answer!);
      else {
        reject(error);
        request.destroy();
      }
    };
    const onAbort = (): void => settle(new FetchError('timeout', `${method} ${url.origin}${url.pathname}: aborted`));

    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(url, {
      method,
      headers,
      agent: false,
      ...(options.allowPrivateNetwork ? {} : { lookup: publicOnlyLookup }),
    });
    const deadline = setTimeout(() => {
      settle(new FetchError('timeout', `${method} ${url.origin}${url.pathname}: no complete response within ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort);

    request.on('error', (error) => {
      settle(error instanceof FetchError ? error : new FetchError('network', `${method} ${url.origin}${url.pathname}: ${describeNetworkError(error)}`, { cause: error }));
    });
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      const declared = Number(response.headers['content-length']);
      if (Number.isFinite(declared) && declared > options.maxBytes) {
        settle(new FetchError('too_large', `${method} ${url.origin}${url.pathname}: declared length ${declared} exceeds ${options.maxBytes} bytes`));
        return;
      }
      const chunks: Buffer[] = [];
      let received = 0;
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > options.maxBytes) {
          settle(new FetchError('too_large', `${method} ${url.origin}${url.pathname}: response exceeds ${options.maxBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () => settle(undefined, { status, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', (error) => settle(new FetchError('network', `${method} ${url.origin}${url.pathname}: ${describeNetworkError(error)}`, { cause: error })));
    });
    request.end(body);
  });
}

function responseHeaders(headers: IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) out.append(name, item);
  }
  return out;
}
