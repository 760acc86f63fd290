/** SPIRE JWT-SVIDs through machine login (reference/machine-auth.md §5.11). */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TestIssuer } from '../support/jwt_issuer.js';
import { api, type TestServer } from '../support/server.js';
import { configuredIdentity, expectInfisicalError, login, lookupSelf, startMachineServer } from './machine_support.js';

let server: TestServer;
let spire: TestIssuer;
let identityId: string;
const JWT_ISSUER = 'https://oidc-discovery.example.org';

beforeAll(async () => {
  server = await startMachineServer();
  // SPIRE's default JWT key is EC P-256; its discovery provider serves the server's jwt_issuer.
  spire = await TestIssuer.start({ https: true, keys: ['ES256'], issuer: JWT_ISSUER });
  identityId = await configuredIdentity(server, {
    oidcDiscoveryUrl: spire.baseUrl,
    caCert: spire.caCert,
    boundIssuer: JWT_ISSUER,
    boundAudiences: 'lanyard',
    boundSubject: 'spiffe://example.org/ns/*/sa/web',
    boundClaims: {},
    claimMetadataMapping: { spiffe_id: 'sub' },
    accessTokenTTL: 300,
    accessTokenMaxTTL: 900,
  });
});
afterAll(async () => {
  await server.destroy();
  await spire.close();
});

/** A JWT-SVID as SPIRE mints it: sub = SPIFFE ID, aud always an array, 5-minute lifetime, typ JWT. */
function svid(overrides: Record<string, unknown> = {}, header: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return spire.token({ sub: 'spiffe://example.org/ns/prod/sa/web', aud: ['lanyard'], iat: now, exp: now + 300, ...overrides }, { header: { typ: 'JWT', ...header } });
}

describe('JWT-SVID login', () => {
  it('accepts an ES256 JWT-SVID with an audience array and records the SPIFFE ID (#114)', async () => {
    const res = await login(server, identityId, await svid());
    expect(res.status).toBe(200);
    expect((await lookupSelf(server, res.body.accessToken)).body.data.meta).toEqual({ spiffe_id: 'spiffe://example.org/ns/prod/sa/web' });
    const entity = (await api(server, 'GET', `/v1/identity/entity/id/${identityId}`)).body.data;
    expect(entity.aliases[0].metadata).toEqual({ spiffe_id: 'spiffe://example.org/ns/prod/sa/web' });
  });

  it('refuses a JWT-SVID without iss (SPIRE without jwt_issuer) (#115)', async () => {
    expectInfisicalError(await login(server, identityId, await svid({ iss: undefined })), 401, 'UnauthorizedError', `Access denied: jwt issuer invalid. expected: ${JWT_ISSUER}`);
  });

  it('refuses a JWT-SVID past its lifetime (#117)', async () => {
    const now = Math.floor(Date.now() / 1000);
    expectInfisicalError(await login(server, identityId, await svid({ iat: now - 600, exp: now - 300 })), 401, 'UnauthorizedError', 'Access denied: jwt expired');
  });

  it('accepts typ JOSE (#118) and a discovery issuer that differs from jwt_issuer (spiffe/spire#7038)', async () => {
    expect((await login(server, identityId, await svid({}, { typ: 'JOSE' }))).status).toBe(200);
    spire.setDiscovery({ issuer: 'https://spire-oidc.spire.svc.cluster.local' });
    spire.route('/.well-known/openid-configuration');
    const other = await configuredIdentity(server, {
      oidcDiscoveryUrl: `${spire.baseUrl}/`,
      caCert: spire.caCert,
      boundIssuer: JWT_ISSUER,
      boundAudiences: 'lanyard',
      boundSubject: 'spiffe://example.org/ns/prod/sa/web',
      boundClaims: {},
    });
    expect((await login(server, other, await svid())).status).toBe(200);
  });

  it('refuses a workload outside the subject pattern and another audience', async () => {
    expectInfisicalError(await login(server, identityId, await svid({ sub: 'spiffe://example.org/ns/prod/sa/db' })), 403, 'ForbiddenError');
    expectInfisicalError(await login(server, identityId, await svid({ sub: 'spiffe://other.org/ns/prod/sa/web' })), 403, 'ForbiddenError');
    expectInfisicalError(await login(server, identityId, await svid({ aud: ['spiffe://example.org/reports'] })), 401, 'UnauthorizedError', 'Access denied: OIDC audience not allowed.');
  });
});
