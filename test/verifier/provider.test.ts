import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { VerificationError, WorkloadJwtVerifier, type VerifierOptions } from '../../verifier/index.js';
import { TestIssuer } from '../support/jwt_issuer.js';

// Machine-auth reference §5.5 (#44–54): reaching the provider's discovery document and JWKS.
const LOOPBACK: VerifierOptions = { allowPrivateNetwork: true, allowHttp: true };
const DISCOVERY = '/.well-known/openid-configuration';

async function refusal(verifier: WorkloadJwtVerifier, token: string, policy: Parameters<WorkloadJwtVerifier['verify']>[1]): Promise<VerificationError> {
  const error = await verifier.verify(token, policy).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof VerificationError)) throw new Error(`expected a VerificationError, got ${String(error)}`);
  return error;
}

describe('discovery and JWKS fetches', () => {
  let idp: TestIssuer;

  beforeAll(async () => {
    idp = await TestIssuer.start({ keys: ['ES256'] });
  });
  afterAll(() => idp.close());

  it('accepts the discovery URL as a base URL, with a trailing slash, or as the full well-known URL', async () => {
    for (const oidcDiscoveryUrl of [idp.baseUrl, `${idp.baseUrl}/`, idp.discoveryUrl, `${idp.discoveryUrl}/`]) {
      await expect(new WorkloadJwtVerifier(LOOPBACK).verify(await idp.token(), idp.policy({ oidcDiscoveryUrl }))).resolves.toBeDefined();
    }
  });

  it('fails cleanly when the provider is down (connection refused)', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const error = await refusal(new WorkloadJwtVerifier(LOOPBACK), await idp.token(), idp.policy({ oidcDiscoveryUrl: `http://127.0.0.1:${port}` }));
    expect(error.reason).toBe('discovery_document_fetch_failed');
    expect(error.detail).toContain('ECONNREFUSED');
    expect(error.message).not.toContain(String(port));
  });

  it('fails cleanly on an HTTP error status, a redirect, or a non-JSON body', async () => {
    const answers: Array<[number, Record<string, string>, string]> = [
      [500, {}, 'boom'],
      [302, { location: `${idp.baseUrl}/elsewhere` }, ''],
      [200, { 'content-type': 'application/json' }, '<html>'],
    ];
    for (const [status, headers, body] of answers) {
      idp.route(DISCOVERY, (_request, response) => response.writeHead(status, headers).end(body));
      const error = await refusal(new WorkloadJwtVerifier(LOOPBACK), await idp.token(), idp.policy());
      expect(error.reason).toBe('discovery_document_fetch_failed');
    }
    idp.route(DISCOVERY);
    expect(idp.requestCount('/elsewhere')).toBe(0);
  });

  it('gives up on a provider that never answers, after the timeout', async () => {
    idp.route(DISCOVERY, () => {
      // never answer
    });
    try {
      const error = await refusal(new WorkloadJwtVerifier({ ...LOOPBACK, timeoutMs: 200 }), await idp.token(), idp.policy());
      expect(error.reason).toBe('discovery_document_fetch_failed');
      expect(error.detail).toContain('no complete response within 200 ms');
    } finally {
      idp.route(DISCOVERY);
    }
  });

  it('refuses a discovery document without jwks_uri, or with an unusable one', async () => {
    idp.setDiscovery({ jwks_uri: undefined });
    expect((await refusal(new WorkloadJwtVerifier(LOOPBACK), await idp.token(), idp.policy())).reason).toBe('missing_jwks_uri');
    idp.setDiscovery({ jwks_uri: '/keys' });
    expect((await refusal(new WorkloadJwtVerifier(LOOPBACK), await idp.token(), idp.policy())).reason).toBe('discovery_document_invalid');
    idp.setDiscovery({ jwks_uri: idp.jwksUri });
    idp.route(DISCOVERY, (_request, response) => response.writeHead(200).end('[1,2]'));
    expect((await refusal(new WorkloadJwtVerifier(LOOPBACK), await idp.token(), idp.policy())).reason).toBe('discovery_document_invalid');
    idp.route(DISCOVERY);
  });

  it('refuses an oversized JWKS, with or without a declared length', async () => {
    const huge = JSON.stringify({ keys: [], padding: 'x'.repeat(8192) });
    const verifierWithLimit = () => new WorkloadJwtVerifier({ ...LOOPBACK, maxResponseBytes: 4096 });
    idp.route('/keys', (_request, response) => response.writeHead(200, { 'content-length': Buffer.byteLength(huge) }).end(huge));
    let error = await refusal(verifierWithLimit(), await idp.token(), idp.policy());
    expect(error.reason).toBe('signing_key_retrieval_failed');
    expect(error.detail).toContain('exceeds 4096 bytes');
    idp.route('/keys', (_request, response) => {
      response.writeHead(200);
      for (let sent = 0; sent < huge.length; sent += 1024) response.write(huge.slice(sent, sent + 1024));
      response.end();
    });
    error = await refusal(verifierWithLimit(), await idp.token(), idp.policy());
    expect(error.reason).toBe('signing_key_retrieval_failed');
    expect(error.detail).toContain('exceeds 4096 bytes');
    idp.route('/keys');
    await expect(verifierWithLimit().verify(await idp.token(), idp.policy())).resolves.toBeDefined();
  });

  it('refuses a JWKS document without a keys array', async () => {
    idp.route('/keys', (_request, response) => response.writeHead(200).end('{"keys":"none"}'));
    expect((await refusal(new WorkloadJwtVerifier(LOOPBACK), await idp.token(), idp.policy())).reason).toBe('signing_key_retrieval_failed');
    idp.route('/keys');
  });
});

describe('address policy (SSRF guard)', () => {
  let idp: TestIssuer;

  beforeAll(async () => {
    idp = await TestIssuer.start({ keys: ['ES256'] });
  });
  afterAll(() => idp.close());

  it('refuses loopback discovery URLs unless private networks are allowed', async () => {
    const strict = new WorkloadJwtVerifier({ allowHttp: true });
    const port = new URL(idp.baseUrl).port;
    for (const host of ['127.0.0.1', 'localhost', '[::1]', '[::ffff:127.0.0.1]', '0.0.0.0']) {
      const error = await refusal(strict, await idp.token(), idp.policy({ oidcDiscoveryUrl: `http://${host}:${port}` }));
      expect(error).toMatchObject({ reason: 'url_not_allowed', status: 400 });
    }
    expect(idp.requestCount(DISCOVERY)).toBe(0);
    expect(strict.stats().discoveryFetches).toBe(5);
  });

  it('refuses plain http unless allowed', async () => {
    const error = await refusal(new WorkloadJwtVerifier({ allowPrivateNetwork: true }), await idp.token(), idp.policy());
    expect(error.reason).toBe('url_not_allowed');
    expect(error.detail).toContain('http: URLs are not allowed');
  });

  it('refuses credentials in a jwks_uri', async () => {
    idp.setDiscovery({ jwks_uri: 'http://user:pass@127.0.0.1:1/keys' });
    try {
      const error = await refusal(new WorkloadJwtVerifier(LOOPBACK), await idp.token(), idp.policy());
      expect(error.reason).toBe('url_not_allowed');
      expect(error.detail).not.toContain('pass');
    } finally {
      idp.setDiscovery({ jwks_uri: idp.jwksUri });
    }
  });
});
