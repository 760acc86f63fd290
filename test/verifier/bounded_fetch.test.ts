/**
 * The bounded fetch every outbound request goes through (upstream IdP, discovery, JWKS): the outbound policy (scheme,
 * credentials in URLs, internal addresses, also behind a host name), no redirects, a size cap, a
 * deadline, and request bodies and headers passed on as openid-client sends them.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { boundedFetch, FetchError, type BoundedFetchOptions } from '../../verifier/index.js';

let server: Server;
let base: string;
let lastRequest: { method: string; headers: IncomingMessage['headers']; body: string } | undefined;
const stalled: ServerResponse[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      lastRequest = { method: req.method ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      if (req.url === '/redirect') return void res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' }).end();
      if (req.url === '/large') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ pad: 'x'.repeat(5000) }));
      if (req.url === '/stall') return void stalled.push(res);
      res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const res of stalled) res.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const options = (changes: Partial<BoundedFetchOptions> = {}): BoundedFetchOptions => ({ userAgent: 'lanyard-sso', allowHttp: true, allowPrivateNetwork: true, timeoutMs: 5000, maxBytes: 1024, ...changes });

async function failure(promise: Promise<unknown>): Promise<FetchError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(FetchError);
  return error as FetchError;
}

describe('the outbound policy', () => {
  it('refuses plain http unless allowed', async () => {
    expect((await failure(boundedFetch(options({ allowHttp: false }))(`${base}/`))).kind).toBe('url_not_allowed');
  });

  it('refuses credentials in the URL', async () => {
    expect((await failure(boundedFetch(options())(`http://user:pw@127.0.0.1:1/`))).kind).toBe('url_not_allowed');
  });

  it('refuses internal addresses, by literal and by name, unless allowed', async () => {
    const strict = boundedFetch(options({ allowPrivateNetwork: false }));
    expect((await failure(strict(`${base}/`))).kind).toBe('address_not_allowed');
    const port = new URL(base).port;
    const byName = await failure(strict(`http://localhost:${port}/`));
    expect(byName.kind).toBe('address_not_allowed');
    expect(lastRequest).toBeUndefined();
  });
});

describe('requests and answers', () => {
  it('sends the method, headers and form body it is given, and returns the answer as a Response', async () => {
    const res = await boundedFetch(options())(`${base}/token`, {
      method: 'POST',
      headers: { authorization: 'Basic abc', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'c1' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(lastRequest).toMatchObject({ method: 'POST', body: 'grant_type=authorization_code&code=c1', headers: { authorization: 'Basic abc', 'content-length': '37' } });
  });

  it('accepts a Headers object (as jose passes) and sends no body for a GET', async () => {
    await boundedFetch(options())(`${base}/jwks`, { method: 'GET', headers: new Headers({ accept: 'application/json' }) });
    expect(lastRequest).toMatchObject({ method: 'GET', body: '', headers: { accept: 'application/json', 'user-agent': 'lanyard-sso' } });
  });

  it('does not follow redirects', async () => {
    const res = await boundedFetch(options())(`${base}/redirect`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('http://169.254.169.254/latest/meta-data');
  });

  it('refuses answers over the size limit', async () => {
    expect((await failure(boundedFetch(options())(`${base}/large`))).kind).toBe('too_large');
  });

  it('gives up on an IdP that never answers, and when the caller aborts', async () => {
    expect((await failure(boundedFetch(options({ timeoutMs: 100 }))(`${base}/stall`))).kind).toBe('timeout');
    const controller = new AbortController();
    const pending = boundedFetch(options())(`${base}/stall`, { signal: controller.signal });
    controller.abort();
    expect((await failure(pending)).kind).toBe('timeout');
  });

  it('reports an unreachable IdP as a network failure', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failure(boundedFetch(options())(`http://127.0.0.1:${port}/`));
    expect(error.kind).toBe('network');
    expect(error.message).toContain('ECONNREFUSED');
  });
});
