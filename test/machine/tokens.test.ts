/**
 * The token a machine login issues (reference/machine-auth.md §5.10): TTL and max TTL over
 * simulated time, renew, revoke, use limits under concurrency, trusted IPs at login and on every
 * use (IPv4, IPv6, IPv4-mapped, with and without a trusted proxy), detaching the configuration, and
 * the token on the admin API and for identity tokens.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { identityPaths } from '../../server/identity/routes/index.js';
import { identityTokenPaths } from '../../server/oidc/admin/routes/identity_token.js';
import { keyPaths } from '../../server/oidc/admin/routes/keys.js';
import { rolePaths } from '../../server/oidc/admin/routes/roles.js';
import { TestIssuer } from '../support/jwt_issuer.js';
import { api, type TestServer } from '../support/server.js';
import {
  baseConfig,
  configPath,
  configuredIdentity,
  expectInfisicalError,
  login,
  loginToken,
  lookupSelf,
  MACHINE_FEATURES,
  post,
  startMachineServer,
} from './machine_support.js';

const SERVER_MAX_TTL = 768 * 3600;
const ANYWHERE_BUT_HERE = 'You are not allowed to access this resource from the current IP address';

const renew = (server: TestServer, accessToken: string, headers: Record<string, string> = {}) => post(server, '/api/v1/auth/token/renew', { accessToken }, headers);
const revoke = (server: TestServer, accessToken: string) => post(server, '/api/v1/auth/token/revoke', { accessToken });
const from = (ip: string) => ({ 'X-Forwarded-For': ip });

describe('lifetime over simulated time', () => {
  let server: TestServer;
  let idp: TestIssuer;
  // Starts at the real time and only moves forward: storage judges record expiry by the real clock.
  let clock = Date.now();
  const advance = (seconds: number) => {
    clock += seconds * 1000;
  };

  beforeAll(async () => {
    server = await startMachineServer({ now: () => clock });
    idp = await TestIssuer.start({ keys: ['ES256'], now: () => clock });
  });
  afterAll(async () => {
    await server.destroy();
    await idp.close();
  });

  const identity = (changes: Record<string, unknown> = {}, policies: string[] = []) => configuredIdentity(server, baseConfig(idp, changes), policies);

  it('renews up to the max TTL, then the token ends and cannot be renewed (#98, #100)', async () => {
    const id = await identity({ accessTokenTTL: 60, accessTokenMaxTTL: 100 });
    const granted = await login(server, id, await idp.token());
    expect(granted.body).toMatchObject({ expiresIn: 60, accessTokenMaxTTL: 100 });
    const token = granted.body.accessToken as string;

    advance(50);
    const renewed = await renew(server, token);
    expect(renewed.status).toBe(200);
    expect(renewed.body).toEqual({ accessToken: token, expiresIn: 50, accessTokenMaxTTL: 100, tokenType: 'Bearer' });
    expect((await lookupSelf(server, token)).body.data.ttl).toBe(50);

    advance(51);
    expect((await lookupSelf(server, token)).status).toBe(403);
    expectInfisicalError(await renew(server, token), 403, 'TokenError', 'Your token has expired or is invalid. Please re-authenticate.');
  });

  it('renews by the full TTL each time when there is no max TTL (#99)', async () => {
    const id = await identity({ accessTokenTTL: 60, accessTokenMaxTTL: 0 });
    const token = await loginToken(server, id, await idp.token());
    for (let round = 0; round < 3; round++) {
      advance(45);
      const renewed = await renew(server, token);
      expect(renewed.body).toMatchObject({ expiresIn: 60, accessTokenMaxTTL: SERVER_MAX_TTL });
    }
  });

  it('reads TTL 0 as "up to the server maximum" and caps longer TTLs there', async () => {
    const zero = await identity({ accessTokenTTL: 0, accessTokenMaxTTL: 0 });
    expect((await login(server, zero, await idp.token())).body).toMatchObject({ expiresIn: SERVER_MAX_TTL, accessTokenMaxTTL: SERVER_MAX_TTL });
    const long = await identity({ accessTokenTTL: 315360000, accessTokenMaxTTL: 315360000 });
    expect((await login(server, long, await idp.token())).body).toMatchObject({ expiresIn: SERVER_MAX_TTL, accessTokenMaxTTL: SERVER_MAX_TTL });
  });

  it('ends an unrenewed token at its TTL (#94)', async () => {
    const id = await identity({ accessTokenTTL: 2, accessTokenMaxTTL: 120 });
    const token = await loginToken(server, id, await idp.token());
    expect((await lookupSelf(server, token)).status).toBe(200);
    advance(3);
    expect((await lookupSelf(server, token)).status).toBe(403);
  });

  it('refuses a JWT that expired on the simulated clock', async () => {
    const id = await identity();
    const jwt = await idp.token();
    advance(300 + 61);
    expectInfisicalError(await login(server, id, jwt), 401, 'UnauthorizedError', 'Access denied: jwt expired');
  });
});

describe('use limits, renew and revoke', () => {
  let server: TestServer;
  let idp: TestIssuer;

  beforeAll(async () => {
    // Named keys and roles too: the machine token must work for identity tokens.
    server = await startMachineServer({ features: { ...MACHINE_FEATURES, vaultPaths: [identityPaths, keyPaths, rolePaths, identityTokenPaths] } });
    idp = await TestIssuer.start();
  });
  afterAll(async () => {
    await server.destroy();
    await idp.close();
  });

  const identity = (changes: Record<string, unknown> = {}, policies: string[] = []) => configuredIdentity(server, baseConfig(idp, changes), policies);

  it('allows exactly N uses (#95); renewal does not spend one (#96) and an exhausted token cannot renew (#97)', async () => {
    const id = await identity({ accessTokenNumUsesLimit: 2 });
    const token = await loginToken(server, id, await idp.token());
    expect((await lookupSelf(server, token)).status).toBe(200);
    expect((await renew(server, token)).status).toBe(200);
    expect((await lookupSelf(server, token)).status).toBe(200);
    expect((await lookupSelf(server, token)).status).toBe(403);
    expectInfisicalError(await renew(server, token), 403, 'TokenError');
  });

  it('spends uses atomically under concurrency', async () => {
    const id = await identity({ accessTokenNumUsesLimit: 5 });
    const token = await loginToken(server, id, await idp.token());
    const statuses = await Promise.all(Array.from({ length: 25 }, async () => (await lookupSelf(server, token)).status));
    expect(statuses.filter((status) => status === 200)).toHaveLength(5);
    expect(statuses.filter((status) => status === 403)).toHaveLength(20);
  });

  it('revokes idempotently; a revoked token is dead for use and renewal (#102, #103, #104)', async () => {
    const id = await identity();
    const token = await loginToken(server, id, await idp.token());
    expect((await renew(server, token)).status).toBe(200);
    const first = await revoke(server, token);
    expect(first).toEqual({ status: 200, body: { message: 'Successfully revoked access token' } });
    expect((await lookupSelf(server, token)).status).toBe(403);
    expectInfisicalError(await renew(server, token), 403, 'TokenError');
    expect(await revoke(server, token)).toEqual(first);
  });

  it('renews and revokes machine tokens only (#101), and validates the body', async () => {
    expectInfisicalError(await renew(server, server.rootToken), 400, 'BadRequest', 'Token is not an identity access token');
    expectInfisicalError(await revoke(server, server.rootToken), 400, 'BadRequest', 'Token is not an identity access token');
    expect((await lookupSelf(server, server.rootToken)).status).toBe(200);
    expectInfisicalError(await post(server, '/api/v1/auth/token/renew', {}), 422, 'ValidationFailure');
    expectInfisicalError(await post(server, '/api/v1/auth/token/revoke', { accessToken: 5 }), 422, 'ValidationFailure');
  });

  it('revokes every token of the identity when the configuration is deleted (#105)', async () => {
    const id = await identity();
    const tokens = [await loginToken(server, id, await idp.token()), await loginToken(server, id, await idp.token())];
    expect((await api(server, 'DELETE', configPath(id))).status).toBe(200);
    for (const token of tokens) expect((await lookupSelf(server, token)).status).toBe(403);
    expectInfisicalError(await login(server, id, await idp.token()), 404, 'NotFound');
  });

  it('is a token of the entity: its policies apply on the admin API, the machine API and for identity tokens', async () => {
    const policy = [
      'path "identity/oidc/token/machine-role" { capabilities = ["read"] }',
      'path "auth/oidc-auth/identities/*" { capabilities = ["read"] }',
    ].join('\n');
    expect((await api(server, 'PUT', '/v1/sys/policies/acl/machine-role-reader', { policy })).status).toBe(204);
    expect((await api(server, 'POST', '/v1/identity/oidc/key/machine-key', { allowed_client_ids: '*' })).status).toBeLessThan(300);
    expect((await api(server, 'POST', '/v1/identity/oidc/role/machine-role', { key: 'machine-key' })).status).toBeLessThan(300);
    const id = await identity({}, ['machine-role-reader']);
    const token = await loginToken(server, id, await idp.token());

    const signed = await api(server, 'GET', '/v1/identity/oidc/token/machine-role', undefined, token);
    expect(signed.status).toBe(200);
    const payload = JSON.parse(Buffer.from((signed.body.data.token as string).split('.')[1]!, 'base64url').toString('utf8'));
    expect(payload.sub).toBe(id);

    expect((await fetch(`${server.url}${configPath(id)}`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
    expectInfisicalError(await api(server, 'DELETE', configPath(id), undefined, token), 403, 'PermissionDenied');
    expect((await api(server, 'GET', '/v1/sys/policies/acl/default', undefined, token)).status).toBe(403);
  });

  it('spends a use on the machine admin API too', async () => {
    expect((await api(server, 'PUT', '/v1/sys/policies/acl/oidc-auth-read', { policy: 'path "auth/oidc-auth/identities/*" { capabilities = ["read"] }' })).status).toBe(204);
    const id = await identity({ accessTokenNumUsesLimit: 1 }, ['oidc-auth-read']);
    const token = await loginToken(server, id, await idp.token());
    expect((await api(server, 'GET', configPath(id), undefined, token)).status).toBe(200);
    expectInfisicalError(await api(server, 'GET', configPath(id), undefined, token), 403, 'TokenError');
  });
});

describe('trusted IPs', () => {
  let proxied: TestServer;
  let direct: TestServer;
  let idp: TestIssuer;

  beforeAll(async () => {
    proxied = await startMachineServer({ settings: { 'trusted-proxies': '127.0.0.1/32' } });
    direct = await startMachineServer();
    idp = await TestIssuer.start();
  });
  afterAll(async () => {
    await proxied.destroy();
    await direct.destroy();
    await idp.close();
  });

  const identity = (server: TestServer, trusted: string[]) =>
    configuredIdentity(server, baseConfig(idp, { accessTokenTrustedIps: trusted.map((ipAddress) => ({ ipAddress })) }));

  it('gates login and every use by IPv4 range through a trusted proxy (#107, #112)', async () => {
    const id = await identity(proxied, ['10.0.0.0/8']);
    expectInfisicalError(await login(proxied, id, await idp.token(), from('192.0.2.1')), 403, 'ForbiddenError', ANYWHERE_BUT_HERE);
    const token = await loginToken(proxied, id, await idp.token(), from('10.1.2.3'));
    expect((await lookupSelf(proxied, token, from('10.9.9.9'))).status).toBe(200);
    expect((await lookupSelf(proxied, token, from('192.0.2.1'))).status).toBe(403);
    expectInfisicalError(await renew(proxied, token, from('192.0.2.1')), 403, 'ForbiddenError', ANYWHERE_BUT_HERE);
    expect((await renew(proxied, token, from('10.1.2.3'))).status).toBe(200);
  });

  it('matches IPv6 ranges, not IPv4 clients against them (#108), and IPv4-mapped clients against IPv4 ranges (#109)', async () => {
    const v6 = await identity(proxied, ['2001:db8::/32']);
    const token = await loginToken(proxied, v6, await idp.token(), from('2001:db8::1'));
    expect((await lookupSelf(proxied, token, from('2001:db8:ffff::7'))).status).toBe(200);
    expect((await lookupSelf(proxied, token, from('2001:db9::1'))).status).toBe(403);
    expect((await lookupSelf(proxied, token, from('10.1.2.3'))).status).toBe(403);

    const v4 = await identity(proxied, ['10.0.0.0/8']);
    expect((await login(proxied, v4, await idp.token(), from('::ffff:10.1.2.3'))).status).toBe(200);
    expect((await login(proxied, v4, await idp.token(), from('::ffff:192.0.2.1'))).status).toBe(403);
  });

  it('matches a single address exactly (#110)', async () => {
    const id = await identity(proxied, ['203.0.113.7']);
    expect((await login(proxied, id, await idp.token(), from('203.0.113.7'))).status).toBe(200);
    expect((await login(proxied, id, await idp.token(), from('203.0.113.8'))).status).toBe(403);
  });

  it('believes X-Forwarded-For only hop by hop from trusted proxies (#111)', async () => {
    const onDirect = await identity(direct, ['10.0.0.0/8']);
    expectInfisicalError(await login(direct, onDirect, await idp.token(), from('10.1.2.3')), 403, 'ForbiddenError');
    const local = await identity(direct, ['127.0.0.1']);
    expect((await login(direct, local, await idp.token(), from('10.1.2.3'))).status).toBe(200);

    const onProxy = await identity(proxied, ['10.0.0.0/8']);
    // The client wrote the first entry itself; the proxy appended the address it saw.
    expect((await login(proxied, onProxy, await idp.token(), from('10.1.2.3, 192.0.2.1'))).status).toBe(403);
  });

  it('applies a changed trusted-IP list to tokens already issued (#113)', async () => {
    const id = await identity(proxied, ['0.0.0.0/0', '::/0']);
    const token = await loginToken(proxied, id, await idp.token(), from('192.0.2.1'));
    expect((await lookupSelf(proxied, token, from('192.0.2.1'))).status).toBe(200);
    const patched = await api(proxied, 'PATCH', configPath(id), { accessTokenTrustedIps: [{ ipAddress: '10.0.0.0/8' }] });
    expect(patched.status).toBe(200);
    expect((await lookupSelf(proxied, token, from('192.0.2.1'))).status).toBe(403);
    expect((await lookupSelf(proxied, token, from('10.1.2.3'))).status).toBe(200);
    expectInfisicalError(await api(proxied, 'GET', configPath(id), undefined, token), 403, 'ForbiddenError', ANYWHERE_BUT_HERE);
  });
});
