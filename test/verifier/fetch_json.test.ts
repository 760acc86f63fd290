import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { rootCertificates } from 'node:tls';
import { createTrustContext, parseCaBundle, trustAnchorsWith } from '../../verifier/ca_bundle.js';
import { FetchError, fetchJson, type FetchJsonOptions } from '../../verifier/fetch_json.js';
import { generateTlsCredentials, type TlsCredentials } from '../support/jwt_issuer.js';

const OPEN: FetchJsonOptions = { timeoutMs: 2000, maxBytes: 1024, allowHttp: true, allowPrivateNetwork: true };

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function close(server: Server): Promise<void> {
  const closed = new Promise((resolve) => server.close(resolve));
  server.closeAllConnections();
  await closed;
}

async function failure(url: string, options: FetchJsonOptions): Promise<FetchError> {
  const error = await fetchJson(new URL(url), options).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof FetchError)) throw new Error(`expected a FetchError, got ${String(error)}`);
  return error;
}

describe('fetchJson over http', () => {
  let server: Server;
  let base: string;
  const hits = new Map<string, number>();
  const routes: Record<string, (request: IncomingMessage, response: ServerResponse) => void> = {
    '/ok': (_q, r) => r.writeHead(200, { 'content-type': 'application/json' }).end('{"hello":"world"}'),
    '/redirect': (_q, r) => r.writeHead(302, { location: '/ok' }).end(),
    '/missing': (_q, r) => r.writeHead(404).end(),
    '/html': (_q, r) => r.writeHead(200).end('<html></html>'),
    '/declared-large': (_q, r) => r.writeHead(200, { 'content-length': 4096 }).end('x'.repeat(4096)),
    '/streamed-large': (_q, r) => {
      r.writeHead(200);
      for (let i = 0; i < 8; i += 1) r.write('x'.repeat(512));
      r.end();
    },
    '/stalled-body': (_q, r) => {
      r.writeHead(200, { 'content-length': 100 });
      r.write('{"partial":');
    },
  };

  beforeAll(async () => {
    server = createServer((request, response) => {
      const path = request.url ?? '/';
      hits.set(path, (hits.get(path) ?? 0) + 1);
      (routes[path] ?? ((_q, r) => r.writeHead(404).end()))(request, response);
    });
    base = `http://127.0.0.1:${await listen(server)}`;
  });
  afterAll(() => close(server));

  it('returns the parsed JSON body', async () => {
    await expect(fetchJson(new URL(`${base}/ok`), OPEN)).resolves.toEqual({ hello: 'world' });
  });

  it('never follows redirects', async () => {
    const before = hits.get('/ok') ?? 0;
    const error = await failure(`${base}/redirect`, OPEN);
    expect(error.kind).toBe('redirect');
    expect(hits.get('/ok') ?? 0).toBe(before);
  });

  it('reports HTTP errors and non-JSON bodies', async () => {
    expect((await failure(`${base}/missing`, OPEN)).kind).toBe('http_status');
    expect((await failure(`${base}/html`, OPEN)).kind).toBe('invalid_json');
  });

  it('enforces the size limit from the declared length and while streaming', async () => {
    expect((await failure(`${base}/declared-large`, OPEN)).kind).toBe('too_large');
    expect((await failure(`${base}/streamed-large`, OPEN)).kind).toBe('too_large');
    await expect(fetchJson(new URL(`${base}/streamed-large`), { ...OPEN, maxBytes: 8192 })).rejects.toMatchObject({ kind: 'invalid_json' });
  });

  it('applies the deadline to the body, not only to the connection', async () => {
    const error = await failure(`${base}/stalled-body`, { ...OPEN, timeoutMs: 150 });
    expect(error.kind).toBe('timeout');
  });

  it('refuses http unless allowed, and credentials always', async () => {
    expect((await failure(`${base}/ok`, { ...OPEN, allowHttp: false })).kind).toBe('url_not_allowed');
    expect((await failure(base.replace('http://', 'http://u:p@') + '/ok', OPEN)).kind).toBe('url_not_allowed');
    expect((await failure('file:///etc/passwd', OPEN)).kind).toBe('url_not_allowed');
  });

  it('refuses internal addresses: IP literals up front, names at connect time', async () => {
    const strict = { ...OPEN, allowPrivateNetwork: false };
    const port = new URL(base).port;
    const before = hits.get('/ok') ?? 0;
    for (const host of ['127.0.0.1', '[::1]', '[::ffff:7f00:1]', '169.254.169.254', '10.0.0.5']) {
      const error = await failure(`http://${host}:${port}/ok`, strict);
      expect(error.kind).toBe('address_not_allowed');
      expect(error.message).toContain('is an internal address');
    }
    const byName = await failure(`http://localhost:${port}/ok`, strict);
    expect(byName.kind).toBe('address_not_allowed');
    expect(byName.message).toContain('localhost resolves to an internal address');
    expect(hits.get('/ok') ?? 0).toBe(before);
  });

  it('reports connection failures as network errors', async () => {
    const closed = createServer();
    const port = await listen(closed);
    await close(closed);
    const error = await failure(`http://127.0.0.1:${port}/`, OPEN);
    expect(error.kind).toBe('network');
    expect(error.message).toContain('ECONNREFUSED');
  });
});

describe('fetchJson over https with a private CA', () => {
  let tls: TlsCredentials;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    tls = await generateTlsCredentials();
    server = createHttpsServer({ key: tls.key, cert: tls.cert }, (_request, response) => response.writeHead(200).end('{"tls":true}'));
    base = `https://127.0.0.1:${await listen(server)}`;
  });
  afterAll(() => close(server));

  it('fails without the CA and succeeds with it', async () => {
    const untrusted = await failure(`${base}/`, OPEN);
    expect(untrusted.kind).toBe('network');
    expect(untrusted.message).toMatch(/certificate/i);
    const secureContext = createTrustContext([tls.caCert]);
    await expect(fetchJson(new URL(`${base}/`), { ...OPEN, secureContext })).resolves.toEqual({ tls: true });
    await expect(fetchJson(new URL(`https://localhost:${new URL(base).port}/`), { ...OPEN, secureContext })).resolves.toEqual({ tls: true });
  });

  it('adds the CA to the system roots instead of replacing them', () => {
    const anchors = trustAnchorsWith([tls.caCert]);
    expect(anchors).toHaveLength(rootCertificates.length + 1);
    expect(anchors).toEqual(expect.arrayContaining([...rootCertificates, tls.caCert]));
  });

  it('validates PEM bundles instead of ignoring garbage', async () => {
    const other = await generateTlsCredentials();
    expect(parseCaBundle(`${tls.caCert}\n${other.caCert}`)).toEqual({ certificates: [tls.caCert.trim(), other.caCert.trim()] });
    expect(parseCaBundle('not a certificate')).toEqual({ problem: 'caCert contains no PEM certificate' });
    expect(parseCaBundle('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----')).toMatchObject({ problem: expect.stringContaining('#1') });
  });
});
