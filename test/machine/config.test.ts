/** Machine-login configuration over HTTP: reference/machine-auth.md §5.1, plus sealing and ACL paths. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TestIssuer } from '../support/jwt_issuer.js';
import { api, type TestServer } from '../support/server.js';
import { attach, baseConfig, configPath, configuredIdentity, createIdentity, expectInfisicalError, startMachineServer } from './machine_support.js';

let server: TestServer;
let issuer: TestIssuer;
let httpsIssuer: TestIssuer;

beforeAll(async () => {
  server = await startMachineServer();
  issuer = await TestIssuer.start();
  httpsIssuer = await TestIssuer.start({ https: true });
});
afterAll(async () => {
  await server.destroy();
  await issuer.close();
  await httpsIssuer.close();
});

describe('attach', () => {
  it('applies Infisical’s defaults and answers {identityOidcAuth} (#1)', async () => {
    const id = await createIdentity(server);
    const res = await attach(server, id, { oidcDiscoveryUrl: issuer.baseUrl, boundIssuer: issuer.issuer, boundClaims: {} });
    expect(res.status).toBe(200);
    expect(res.body.identityOidcAuth).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      identityId: id,
      oidcDiscoveryUrl: issuer.baseUrl,
      boundIssuer: issuer.issuer,
      boundAudiences: '',
      boundClaims: {},
      claimMetadataMapping: null,
      boundSubject: '',
      accessTokenTTL: 2592000,
      accessTokenMaxTTL: 2592000,
      accessTokenNumUsesLimit: 0,
      accessTokenTrustedIps: [
        { ipAddress: '0.0.0.0', type: 'ipv4', prefix: 0 },
        { ipAddress: '::', type: 'ipv6', prefix: 0 },
      ],
      caCert: '',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const read = await api(server, 'GET', configPath(id));
    expect(read.status).toBe(200);
    expect(read.body).toEqual(res.body);
  });

  it('refuses a second attach with 400 (#2)', async () => {
    const id = await configuredIdentity(server, baseConfig(issuer));
    expectInfisicalError(await attach(server, id, baseConfig(issuer)), 400, 'BadRequest', 'Failed to add OIDC Auth to already configured identity');
  });

  it('answers 404 for an identity that does not exist', async () => {
    const res = await attach(server, '8a6f5f0e-0000-4000-8000-000000000000', baseConfig(issuer));
    expectInfisicalError(res, 404, 'NotFound', 'Failed to find identity with ID 8a6f5f0e-0000-4000-8000-000000000000');
  });

  it('refuses TTL above max TTL with 422 ValidationFailure (#3) but allows max TTL 0 with any TTL', async () => {
    const id = await createIdentity(server);
    const res = await attach(server, id, baseConfig(issuer, { accessTokenTTL: 7200, accessTokenMaxTTL: 3600 }));
    expectInfisicalError(res, 422, 'ValidationFailure');
    expect(res.body.message).toEqual([{ code: 'custom', path: [], message: 'Access Token TTL cannot be greater than Access Token Max TTL.' }]);
    const unlimited = await attach(server, id, baseConfig(issuer, { accessTokenTTL: 60, accessTokenMaxTTL: 0 }));
    expect(unlimited.status).toBe(200);
  });

  it.each([315360001, -1, 1.5, 'ten', null])('refuses accessTokenTTL %p with 422 (#4)', async (ttl) => {
    const id = await createIdentity(server);
    const res = await attach(server, id, baseConfig(issuer, { accessTokenTTL: ttl, accessTokenMaxTTL: 0 }));
    expectInfisicalError(res, 422, 'ValidationFailure');
    expect(res.body.message[0].path).toEqual(['accessTokenTTL']);
  });

  it.each(['10.0.0.0/33', '1.2.3', 'fe80::/129', '10.0.0.0/8abc', ''])('refuses trusted IP %p with 400 (#5)', async (ipAddress) => {
    const id = await createIdentity(server);
    const res = await attach(server, id, baseConfig(issuer, { accessTokenTrustedIps: [{ ipAddress }] }));
    expectInfisicalError(res, 400, 'BadRequest', 'The IP is not a valid IPv4, IPv6, or CIDR block');
  });

  it('refuses an empty trusted-IP list with 422', async () => {
    const id = await createIdentity(server);
    expectInfisicalError(await attach(server, id, baseConfig(issuer, { accessTokenTrustedIps: [] })), 422, 'ValidationFailure');
  });

  it('stores trusted IPs parsed; strings and a comma list are accepted too', async () => {
    const id = await configuredIdentity(server, baseConfig(issuer, { accessTokenTrustedIps: '10.0.0.0/8, 2001:db8::/32 ,203.0.113.7' }));
    const read = await api(server, 'GET', configPath(id));
    expect(read.body.identityOidcAuth.accessTokenTrustedIps).toEqual([
      { ipAddress: '10.0.0.0', type: 'ipv4', prefix: 8 },
      { ipAddress: '2001:db8::', type: 'ipv6', prefix: 32 },
      { ipAddress: '203.0.113.7', type: 'ipv4' },
    ]);
  });

  it('normalises comma lists to Infisical’s ", " form (#6)', async () => {
    const id = await createIdentity(server);
    const res = await attach(server, id, baseConfig(issuer, { boundAudiences: ' a , b,c ', boundClaims: { repository: 'acme/app ,acme/lib' } }));
    expect(res.status).toBe(200);
    expect(res.body.identityOidcAuth).toMatchObject({ boundAudiences: 'a, b, c', boundClaims: { repository: 'acme/app, acme/lib' } });
  });

  it('accepts lists as JSON arrays and refuses entries that are empty or hold a comma', async () => {
    const id = await createIdentity(server);
    const res = await attach(server, id, baseConfig(issuer, { boundAudiences: ['a', 'b'], boundClaims: { groups: ['admins', 'ops'] } }));
    expect(res.status).toBe(200);
    expect(res.body.identityOidcAuth).toMatchObject({ boundAudiences: 'a, b', boundClaims: { groups: 'admins, ops' } });

    const other = await createIdentity(server);
    const comma = await attach(server, other, baseConfig(issuer, { boundAudiences: ['a,b'] }));
    expectInfisicalError(comma, 422, 'ValidationFailure');
    expect(comma.body.message[0]).toMatchObject({ path: ['boundAudiences', 0] });
    expectInfisicalError(await attach(server, other, baseConfig(issuer, { boundClaims: { groups: [''] } })), 422, 'ValidationFailure');
  });

  it('refuses an empty bound-claim value at write time with 422 (#13)', async () => {
    const id = await createIdentity(server);
    const res = await attach(server, id, baseConfig(issuer, { boundClaims: { x: '' } }));
    expectInfisicalError(res, 422, 'ValidationFailure');
    expect(res.body.message[0].path).toEqual(['boundClaims', 'x']);
  });

  it('refuses a malformed URL and a missing boundIssuer with 422 (#8)', async () => {
    const id = await createIdentity(server);
    const bad = await attach(server, id, baseConfig(issuer, { oidcDiscoveryUrl: 'not a url' }));
    expectInfisicalError(bad, 422, 'ValidationFailure');
    expect(bad.body.message).toEqual([{ code: 'invalid_string', path: ['oidcDiscoveryUrl'], message: 'Invalid url' }]);
    const { boundIssuer: _omitted, ...rest } = baseConfig(issuer);
    const missing = await attach(server, id, rest);
    expect(missing.body.message).toEqual([{ code: 'invalid_type', path: ['boundIssuer'], message: 'Required' }]);
  });

  it('refuses a caCert that is not a certificate, and one that holds a private key', async () => {
    const id = await createIdentity(server);
    const garbage = await attach(server, id, baseConfig(issuer, { caCert: 'hello' }));
    expectInfisicalError(garbage, 422, 'ValidationFailure');
    expect(garbage.body.message[0].message).toMatch(/caCert contains no PEM certificate/);
    const key = `${httpsIssuer.caCert}\n-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n`;
    const res = await attach(server, id, baseConfig(issuer, { caCert: key }));
    expectInfisicalError(res, 422, 'ValidationFailure');
    expect(JSON.stringify(res.body)).not.toContain('MIIB');
  });

  it('seals caCert at rest and returns it on read, not on delete', async () => {
    const id = await configuredIdentity(server, baseConfig(httpsIssuer));
    const read = await api(server, 'GET', configPath(id));
    expect(read.body.identityOidcAuth.caCert).toBe(httpsIssuer.caCert!.trim());
    const file = await readFile(join(server.dataDir, 'config.json'), 'utf8');
    const body = httpsIssuer.caCert!.split('\n')[1]!;
    expect(file).not.toContain(body);
    expect(file).toContain('lyseal:v1:');
    const removed = await api(server, 'DELETE', configPath(id));
    expect(removed.status).toBe(200);
    expect(removed.body.identityOidcAuth).not.toHaveProperty('caCert');
    expect(removed.body.identityOidcAuth.identityId).toBe(id);
  });

  it('accepts a form-encoded attach with integers as text', async () => {
    const id = await createIdentity(server);
    const form = new URLSearchParams({ oidcDiscoveryUrl: issuer.baseUrl, boundIssuer: issuer.issuer, accessTokenTTL: '30', accessTokenMaxTTL: '60' });
    // boundClaims is required and cannot be expressed in a form: Infisical answers 422 the same.
    const res = await fetch(`${server.url}${configPath(id)}`, {
      method: 'POST',
      headers: { 'X-Vault-Token': server.rootToken, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    const body = (await res.json()) as { message: Array<{ path: string[] }> };
    expect(res.status).toBe(422);
    expect(body.message.map((issue) => issue.path)).toEqual([['boundClaims']]);
  });
});

describe('update, read, delete', () => {
  it('PATCH changes only the given fields (#9)', async () => {
    const id = await configuredIdentity(server, baseConfig(issuer, { boundClaims: { repository: 'acme/app' } }));
    const before = (await api(server, 'GET', configPath(id))).body.identityOidcAuth;
    const res = await api(server, 'PATCH', configPath(id), { boundSubject: 'repo:acme/app:*' });
    expect(res.status).toBe(200);
    const { boundSubject, updatedAt, ...rest } = res.body.identityOidcAuth;
    const { boundSubject: _old, updatedAt: _oldTime, ...restBefore } = before;
    expect(boundSubject).toBe('repo:acme/app:*');
    expect(rest).toEqual(restBefore);
  });

  it('PATCH of only a lower max TTL compares it with the stored TTL (#10)', async () => {
    const id = await configuredIdentity(server, baseConfig(issuer, { accessTokenTTL: 60, accessTokenMaxTTL: 120 }));
    const lower = await api(server, 'PATCH', configPath(id), { accessTokenMaxTTL: 100 });
    expect(lower.status).toBe(200);
    expect(lower.body.identityOidcAuth).toMatchObject({ accessTokenTTL: 60, accessTokenMaxTTL: 100 });
    expectInfisicalError(await api(server, 'PATCH', configPath(id), { accessTokenMaxTTL: 30 }), 400, 'BadRequest', 'Access token TTL cannot be greater than max TTL');
    expectInfisicalError(await api(server, 'PATCH', configPath(id), { accessTokenTTL: 90, accessTokenMaxTTL: 80 }), 422, 'ValidationFailure');
    const read = await api(server, 'GET', configPath(id));
    expect(read.body.identityOidcAuth).toMatchObject({ accessTokenTTL: 60, accessTokenMaxTTL: 100 });
  });

  it('answers 400 for an identity without machine login (#11)', async () => {
    const id = await createIdentity(server);
    expectInfisicalError(await api(server, 'GET', configPath(id)), 400, 'BadRequest', 'The identity does not have OIDC Auth attached');
    expectInfisicalError(await api(server, 'PATCH', configPath(id), { boundSubject: 'x' }), 400, 'BadRequest', 'Failed to update OIDC Auth');
    expectInfisicalError(await api(server, 'DELETE', configPath(id)), 400, 'BadRequest', 'The identity does not have OIDC auth');
  });

  it('answers 404 for unknown identities on every method', async () => {
    const path = configPath('00000000-0000-4000-8000-000000000000');
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      expectInfisicalError(await api(server, method, path, method === 'PATCH' ? { boundSubject: 'x' } : undefined), 404, 'NotFound');
    }
    expectInfisicalError(await api(server, 'GET', configPath('bad*id')), 404, 'NotFound');
  });

  it('answers unknown routes under the prefix in Infisical’s shape', async () => {
    expectInfisicalError(await api(server, 'PUT', configPath('x')), 404, 'NotFound', 'Route PUT:/api/v1/auth/oidc-auth/identities/x not found');
  });
});

describe('authorisation', () => {
  it('needs a token: 401 "Token missing" (#12), 403 TokenError for a bad one', async () => {
    const id = await configuredIdentity(server, baseConfig(issuer));
    for (const method of ['GET', 'PATCH', 'DELETE', 'POST']) {
      expectInfisicalError(await api(server, method, configPath(id), method === 'GET' || method === 'DELETE' ? undefined : {}, null), 401, 'UnauthorizedError', 'Token missing');
    }
    expectInfisicalError(await api(server, 'GET', configPath(id), undefined, 'lys.not-a-token'), 403, 'TokenError');
  });

  it('checks the ACL on auth/oidc-auth/identities/<id> like every admin path', async () => {
    const id = await configuredIdentity(server, baseConfig(issuer));
    const policy = await api(server, 'PUT', '/v1/sys/policies/acl/oidc-auth-readers', {
      policy: 'path "auth/oidc-auth/identities/*" { capabilities = ["read"] }',
    });
    expect(policy.status).toBe(204);
    const created = await api(server, 'POST', '/v1/auth/token/create', { policies: ['oidc-auth-readers'] });
    const reader = created.body.auth.client_token as string;

    const bearer = await fetch(`${server.url}${configPath(id)}`, { headers: { Authorization: `Bearer ${reader}` } });
    expect(bearer.status).toBe(200);
    const denied = await api(server, 'PATCH', configPath(id), { boundSubject: 'x' }, reader);
    expectInfisicalError(denied, 403, 'PermissionDenied', `You are not allowed to update on auth/oidc-auth/identities/${id}`);
    expectInfisicalError(await api(server, 'DELETE', configPath(id), undefined, reader), 403, 'PermissionDenied');
    expectInfisicalError(await api(server, 'POST', `${configPath(id)}/explain`, { jwt: 'x.y.z' }, reader), 403, 'PermissionDenied');
    expect((await api(server, 'GET', configPath(id))).body.identityOidcAuth.boundSubject).toBe('repo:acme/app:ref:refs/heads/main');
  });
});

describe('outbound policy outside dev mode (#7)', () => {
  let strict: TestServer;
  beforeAll(async () => {
    strict = await startMachineServer({ settings: { 'allow-private-network': false, 'allow-http-outbound': false } });
  });
  afterAll(async () => strict.destroy());

  it.each([
    ['https://10.0.0.5', 'Local IPs not allowed as URL'],
    ['https://127.0.0.1:8443', 'Local IPs not allowed as URL'],
    ['https://[::ffff:169.254.169.254]', 'Local IPs not allowed as URL'],
    ['https://localhost:8443', 'Local IPs not allowed as URL'],
    ['https://u:p@idp.example.com', 'URLs with user credentials (e.g. user:pass@host) are not allowed'],
    ['http://idp.example.com', 'Plain http discovery URLs are not allowed: use https, or start the server with allow-http-outbound'],
  ])('refuses %s with 400', async (url, message) => {
    const id = await createIdentity(strict);
    expectInfisicalError(await attach(strict, id, baseConfig(issuer, { oidcDiscoveryUrl: url })), 400, 'BadRequest', message);
    const ok = await attach(strict, id, baseConfig(issuer, { oidcDiscoveryUrl: 'https://93.184.215.14' }));
    expect(ok.status).toBe(200);
    expectInfisicalError(await api(strict, 'PATCH', configPath(id), { oidcDiscoveryUrl: url }), 400, 'BadRequest', message);
  });
});
