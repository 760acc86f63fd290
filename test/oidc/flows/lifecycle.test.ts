/**
 * The provider over time and across its surroundings: discovery and unknown providers, expiry
 * by the server clock (codes, sign-in pages), state that survives a restart (refresh tokens,
 * sessions), and X-Forwarded-* believed only from configured proxies.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import { api, startTestServer, type TestServer } from '../../support/server.js';
import {
  Browser,
  REDIRECT_URI,
  authorizationRequest,
  createClient,
  createKey,
  createProvider,
  createUser,
  exchange,
  relyingParty,
  signIn,
  type ClientCredentials,
  type TestUser,
} from '../../support/relying_party.js';

describe('discovery and unknown providers', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterAll(async () => {
    await server?.destroy();
  });

  it('publishes an empty key set for the default provider of a fresh server', async () => {
    const res = await fetch(`${server.url}/v1/identity/oidc/provider/default/.well-known/keys`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ keys: [] });
  });

  it('describes exactly what a provider supports, with endpoints under its issuer', async () => {
    const issuer = await createProvider(server, 'described', { allowed_client_ids: '*' });
    const { headers, body } = await getWithHost(`${issuer}/.well-known/openid-configuration`, 'attacker.example.com');
    expect(headers['cache-control']).toBe('max-age=3600');
    const doc = JSON.parse(body);
    expect(doc).toEqual(
      expect.objectContaining({
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        userinfo_endpoint: `${issuer}/userinfo`,
        jwks_uri: `${issuer}/.well-known/keys`,
        revocation_endpoint: `${issuer}/revoke`,
        introspection_endpoint: `${issuer}/introspect`,
        end_session_endpoint: `${issuer}/logout`,
        response_types_supported: ['code'],
        grant_types_supported: ['authorization_code', 'refresh_token'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
        scopes_supported: ['openid', 'offline_access'],
      }),
    );
  });

  it('answers 404 for a provider that does not exist, in the shape of each endpoint', async () => {
    const base = `${server.url}/v1/identity/oidc/provider/nope`;
    const discovery = await fetch(`${base}/.well-known/openid-configuration`);
    expect(discovery.status).toBe(404);
    expect(await discovery.json()).toEqual({ errors: [] });
    const token = await fetch(`${base}/token`, { method: 'POST' });
    expect(token.status).toBe(404);
    expect(await token.json()).toEqual({ error: 'invalid_request', error_description: 'provider not found' });
    const authorize = await fetch(`${base}/authorize?client_id=x`);
    expect(authorize.status).toBe(404);
    expect(await authorize.text()).toContain('Unknown sign-in service');
  });

  it('leaves the provider’s admin path to the admin API', async () => {
    const read = await api(server, 'GET', '/v1/identity/oidc/provider/default');
    expect(read.status).toBe(200);
    expect(read.body.data.allowed_client_ids).toEqual(['*']);
  });
});

describe('expiry by the server clock', () => {
  let server: TestServer;
  let offset = 0;
  let config: oidc.Configuration;
  let alice: TestUser;

  beforeAll(async () => {
    server = await startTestServer({ now: () => Date.now() + offset });
    await createKey(server, 'k1');
    const client = await createClient(server, 'web', { key: 'k1', redirect_uris: REDIRECT_URI, assignments: 'allow_all' });
    config = await relyingParty(await createProvider(server, 'p1', { allowed_client_ids: '*' }), client);
    alice = await createUser(server, 'alice');
  });

  afterAll(async () => {
    await server?.destroy();
  });

  it('refuses an authorization code after five minutes', async () => {
    const request = await authorizationRequest(config);
    const { callback } = await signIn(new Browser(), request.url, { username: 'alice', password: alice.password });
    offset += 5 * 60 * 1000 + 1000;
    const failure = await exchange(config, callback, request).catch((err: unknown) => err);
    expect((failure as oidc.ResponseBodyError).error).toBe('invalid_grant');
  });

  it('explains an expired sign-in page instead of redirecting anywhere', async () => {
    const browser = new Browser();
    const start = await browser.request((await authorizationRequest(config)).url);
    const page = new URL(start.headers.get('location') as string, start.url);
    expect((await browser.request(page)).status).toBe(200);
    offset += 31 * 60 * 1000;
    const expired = await browser.request(page);
    expect(expired.status).toBe(400);
    expect(expired.headers.get('location')).toBeNull();
    expect(await expired.text()).toContain('This sign-in has expired');
  });
});

describe('a restart', () => {
  it('keeps refresh tokens and browser sessions working', async () => {
    const first = await startTestServer();
    const dataDir = first.dataDir;
    let second: TestServer | undefined;
    try {
      await createKey(first, 'k1');
      const client: ClientCredentials = await createClient(first, 'web', { key: 'k1', redirect_uris: REDIRECT_URI, assignments: 'allow_all' });
      const alice = await createUser(first, 'alice');
      const before = await relyingParty(await createProvider(first, 'p1', { allowed_client_ids: '*' }), client);
      const browser = new Browser();
      const request = await authorizationRequest(before, { scope: 'openid offline_access', prompt: 'consent' });
      const tokens = await exchange(before, (await signIn(browser, request.url, { username: 'alice', password: alice.password })).callback, request);
      await first.stop();

      second = await startTestServer({ dataDir });
      // The new server listens elsewhere; the provider's issuer follows it.
      const after = await relyingParty(await createProvider(second, 'p1', { allowed_client_ids: '*' }), client);
      const refreshed = await oidc.refreshTokenGrant(after, tokens.refresh_token as string);
      expect(refreshed.claims()?.sub).toBe(alice.entityId);
      expect((await oidc.fetchUserInfo(after, refreshed.access_token, alice.entityId)).sub).toBe(alice.entityId);

      const silent = await authorizationRequest(after, { prompt: 'none' });
      const { callback } = await signIn(browser, silent.url);
      expect(callback.searchParams.get('code')).toBeTruthy();
    } finally {
      await first.destroy();
      await second?.destroy();
    }
  });
});

describe('behind a TLS-terminating proxy', () => {
  const secureCookies = async (server: TestServer): Promise<boolean> => {
    await createKey(server, 'k1');
    const client = await createClient(server, 'web', { key: 'k1', redirect_uris: REDIRECT_URI, assignments: 'allow_all' });
    const rp = await relyingParty(await createProvider(server, 'p1', { allowed_client_ids: '*' }), client);
    const res = await fetch((await authorizationRequest(rp)).url, { headers: { 'x-forwarded-proto': 'https' }, redirect: 'manual' });
    expect(res.status).toBe(303);
    const cookies = res.headers.getSetCookie();
    expect(cookies.length).toBeGreaterThan(0);
    return cookies.every((cookie) => /;\s*secure/i.test(cookie));
  };

  it('believes X-Forwarded-Proto from a trusted proxy', async () => {
    const server = await startTestServer({ settings: { 'trusted-proxies': '127.0.0.1/32' } });
    try {
      expect(await secureCookies(server)).toBe(true);
    } finally {
      await server.destroy();
    }
  });

  it('ignores X-Forwarded-Proto from anyone else', async () => {
    const server = await startTestServer({ settings: { 'trusted-proxies': '10.0.0.0/8' } });
    try {
      expect(await secureCookies(server)).toBe(false);
    } finally {
      await server.destroy();
    }
  });
});

/** A GET with a Host header of our choosing (fetch does not let a caller set Host). */
function getWithHost(url: string, host: string): Promise<{ headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
