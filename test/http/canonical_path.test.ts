/**
 * The defects of the security review, reproduced through HTTP: other spellings of a path must not
 * slip past a deny rule, hostile bodies get a 4xx, and a client that writes a whole oversized body
 * before reading still sees the 413.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { nonCanonicalReason } from '../../server/http/canonical_path.js';
import { rawRequest } from '../support/raw_http.js';
import { api, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let attacker: string;

// Everything is allowed except the default policy, one entity and one userpass user.
const ATTACKER_POLICY = `
path "*" { capabilities = ["create", "read", "update", "delete", "list"] }
path "sys/policies/acl/default" { capabilities = ["deny"] }
path "sys/policy/default" { capabilities = ["deny"] }
path "identity/entity/name/admin" { capabilities = ["deny"] }
path "auth/userpass/users/alice" { capabilities = ["deny"] }
`;
const ROGUE_POLICY = JSON.stringify({ policy: 'path "*" { capabilities = ["create", "read", "update", "delete", "list", "sudo"] }' });

beforeAll(async () => {
  server = await startTestServer();
  expect((await api(server, 'PUT', '/v1/sys/policies/acl/attacker', { policy: ATTACKER_POLICY })).status).toBe(204);
  expect((await api(server, 'POST', '/v1/identity/entity/name/admin', { policies: ['admin'] })).status).toBeLessThan(300);
  expect((await api(server, 'POST', '/v1/auth/userpass/users/alice', { password: 'correct-horse-battery' })).status).toBe(204);
  attacker = (await api(server, 'POST', '/v1/auth/token/create', { policies: ['attacker'] })).body.auth.client_token as string;
});
afterAll(async () => server.destroy());

const defaultPolicy = async (): Promise<string> => (await api(server, 'GET', '/v1/sys/policies/acl/default')).body.data.policy as string;

describe('spellings of a denied path', () => {
  it('denies the plain path (the baseline the others must match)', async () => {
    const res = await rawRequest(server.url, { method: 'PUT', path: '/v1/sys/policies/acl/default', token: attacker, body: ROGUE_POLICY });
    expect(res.status).toBe(403);
  });

  it.each([
    ['prefix case', '/V1/sys/policies/acl/default'],
    ['percent-encoded letter', '/v1/sys/policies/acl/%64efault'],
    ['percent-encoded slash', '/v1/sys%2fpolicies/acl/default'],
    ['letter case of a folded name', '/v1/sys/policies/acl/DEFAULT'],
    ['static segment case', '/v1/SYS/policies/acl/default'],
    ['double slash', '/v1//sys/policies/acl/default'],
    ['dot segment', '/v1/./sys/policies/acl/default'],
    ['dot-dot segment', '/v1/x/../sys/policies/acl/default'],
    ['path parameter', '/v1/sys/policies/acl/default;x=1'],
    ['trailing slash', '/v1/sys/policies/acl/default/'],
  ])('cannot rewrite the default policy through %s (%s)', async (_name, path) => {
    const before = await defaultPolicy();
    const res = await rawRequest(server.url, { method: 'PUT', path, token: attacker, body: ROGUE_POLICY });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(await defaultPolicy()).toBe(before);
  });

  it('cannot read the default policy through another spelling either', async () => {
    for (const path of ['/V1/sys/policies/acl/default', '/v1/sys/policies/acl/%64efault', '/v1/sys/policies/acl/DEFAULT']) {
      const res = await rawRequest(server.url, { method: 'GET', path, token: attacker });
      expect([path, res.status]).toEqual([path, expect.any(Number)]);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.text).not.toContain('capabilities');
    }
  });

  it('cannot rewrite a denied entity through percent-encoding or letter case', async () => {
    for (const path of ['/v1/identity/entity/name/adm%69n', '/v1/identity/entity/name/ADMIN', '/v1/identity/entity/name/Admin']) {
      const res = await rawRequest(server.url, { method: 'POST', path, token: attacker, body: JSON.stringify({ policies: ['rogue'] }) });
      expect([path, res.status]).toEqual([path, res.status >= 400 && res.status < 500 ? res.status : 'not a 4xx']);
    }
    expect((await api(server, 'GET', '/v1/identity/entity/name/admin')).body.data.policies).toEqual(['admin']);
  });

  it('cannot change a denied userpass user through letter case', async () => {
    const res = await rawRequest(server.url, { method: 'POST', path: '/v1/auth/userpass/users/ALICE', token: attacker, body: JSON.stringify({ password: 'stolen-password-1' }) });
    expect(res.status).toBe(403);
    const login = await api(server, 'POST', '/v1/auth/userpass/login/alice', { password: 'correct-horse-battery' }, null);
    expect(login.status).toBe(200);
  });

  it('says why a spelling is refused, in the shape of the API it addresses', async () => {
    const vault = await rawRequest(server.url, { method: 'GET', path: '/v1/sys/policies/acl/%64efault', token: server.rootToken });
    expect(vault.status).toBe(400);
    expect(vault.json).toEqual({ errors: ['non-canonical request path: percent-encoded characters are not accepted in the path'] });
    const infisical = await rawRequest(server.url, { method: 'POST', path: '/api/v1/auth/oidc-auth/%6cogin', body: '{}' });
    expect(infisical.status).toBe(400);
    expect(infisical.json).toMatchObject({ statusCode: 400, error: 'BadRequest' });
    const cased = await rawRequest(server.url, { method: 'GET', path: '/V1/sys/policies/acl/default', token: server.rootToken });
    expect(cased.status).toBe(404);
  });

  it('still serves the canonical spellings, including a folded name written in capitals by its owner', async () => {
    expect((await api(server, 'PUT', '/v1/sys/policies/acl/Mixed', { policy: 'path "a" { capabilities = ["read"] }' })).status).toBe(204);
    expect((await api(server, 'GET', '/v1/sys/policies/acl/mixed')).body.data.name).toBe('mixed');
    expect((await rawRequest(server.url, { method: 'GET', path: '/v1/sys/policies/acl?list=true', token: server.rootToken })).status).toBe(200);
    expect((await rawRequest(server.url, { method: 'GET', path: '/v1/identity/oidc/.well-known/openid-configuration' })).status).toBe(200);
  });
});

describe('nonCanonicalReason', () => {
  it.each([
    ['/v1/sys/health', undefined],
    ['/v1/sys/policies/acl/', undefined],
    ['/', undefined],
    ['/v1/identity/oidc/.well-known/keys', undefined],
    ['/v1//x', "empty segments ('//') are not accepted in the path"],
    ['/v1/x//', "empty segments ('//') are not accepted in the path"],
    ['/v1/%2e%2e/x', 'percent-encoded characters are not accepted in the path'],
    ['/v1/..', "'.' and '..' segments are not accepted in the path"],
    ['/v1/a\\b', "the path contains a character outside [A-Za-z0-9-._~!$&'()*+,=:@/]"],
  ])('%s', (path, reason) => {
    expect(nonCanonicalReason(path)).toBe(reason);
  });
});

describe('hostile bodies', () => {
  const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

  it('answers 400 to 100,000 nested arrays on the unauthenticated userpass login', async () => {
    const body = `{"password": ${nested(100_000)}}`;
    const res = await rawRequest(server.url, { method: 'POST', path: '/v1/auth/userpass/login/alice', body });
    expect(res.status).toBe(400);
    expect(res.json.errors[0]).toMatch(/nesting depth/);
  });

  it('answers 400 to deep nesting inside a JSON string given for a map field', async () => {
    const body = JSON.stringify({ metadata: `{"a": ${nested(50_000)}}` });
    const res = await rawRequest(server.url, { method: 'POST', path: '/v1/identity/entity/name/deep', token: server.rootToken, body });
    expect(res.status).toBe(400);
    expect((await api(server, 'GET', '/v1/identity/entity/name/deep')).status).toBe(404);
  });

  it('answers 400 to deep nesting on the Infisical-shaped login', async () => {
    const res = await rawRequest(server.url, { method: 'POST', path: '/api/v1/auth/oidc-auth/login', body: `{"identityId": ${nested(100_000)}}` });
    expect(res.status).toBe(400);
  });

  it('answers 400 to too many form parameters', async () => {
    const body = Array.from({ length: 20_000 }, (_, i) => `k${i}=v`).join('&');
    const res = await rawRequest(server.url, { method: 'POST', path: '/v1/auth/userpass/login/alice', body, contentType: 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(400);
  });

  it('never echoes a huge or nested value in a field error', async () => {
    const res = await rawRequest(server.url, {
      method: 'POST',
      path: '/v1/auth/token/create',
      token: server.rootToken,
      body: JSON.stringify({ ttl: [[['x'.repeat(100_000)]]] }),
    });
    expect(res.status).toBe(400);
    expect(res.text.length).toBeLessThan(500);
  });
});

describe('413 for clients that write the whole body first', () => {
  it('the admin API answers 413 that the client reads', async () => {
    const body = JSON.stringify({ policy: 'x'.repeat(33 * 1024 * 1024) });
    const res = await rawRequest(server.url, { method: 'PUT', path: '/v1/sys/policies/acl/huge', token: server.rootToken, body });
    expect(res.status).toBe(413);
    expect(res.headers.connection).toBe('close');
  });

  it('machine login answers 413 to a 2 MB JWT', async () => {
    const body = JSON.stringify({ identityId: 'x', jwt: 'a'.repeat(2 * 1024 * 1024) });
    const res = await rawRequest(server.url, { method: 'POST', path: '/api/v1/auth/oidc-auth/login', body });
    expect(res.status).toBe(413);
  });
});
