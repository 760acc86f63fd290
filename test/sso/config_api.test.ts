/**
 * The SSO OIDC configuration API (`/api/v1/sso/oidc/config`) over HTTP: Infisical's fields,
 * defaults and answer shape, validation that names the wrong field, the organisation check, the
 * ACL on `sso/oidc/config`, the outbound policy of the URLs, and the client secret: sealed at rest
 * and never returned.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { api, startTestServer, type TestServer } from '../support/server.js';
import { organizationId } from './sso_support.js';

const PATH = '/api/v1/sso/oidc/config';
const SECRET = 'upstream-client-secret-0123456789abcdef';

let server: TestServer;
let orgId: string;

beforeAll(async () => {
  server = await startTestServer();
  orgId = await organizationId(server);
});
afterAll(async () => {
  await server.destroy();
});

const custom = (changes: Record<string, unknown> = {}): Record<string, unknown> => ({
  configurationType: 'custom',
  issuer: 'https://idp.example.com',
  authorizationEndpoint: 'https://idp.example.com/authorize',
  tokenEndpoint: 'https://idp.example.com/token',
  userinfoEndpoint: 'https://idp.example.com/userinfo',
  jwksUri: 'https://idp.example.com/keys',
  clientId: 'lanyard-client',
  clientSecret: SECRET,
  isActive: true,
  organizationId: orgId,
  ...changes,
});

/** The `path` and `message` of each issue of a 422. */
function issuesOf(res: { status: number; body: any }): Array<{ path: string; message: string }> {
  expect(res.status).toBe(422);
  expect(res.body).toMatchObject({ statusCode: 422, error: 'ValidationFailure' });
  return (res.body.message as Array<{ path: string[]; message: string }>).map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

describe('before any configuration exists', () => {
  it('answers GET and PATCH with 404 in Infisical’s error shape', async () => {
    const read = await api(server, 'GET', `${PATH}?organizationId=${orgId}`);
    expect(read.status).toBe(404);
    expect(read.body).toEqual({ reqId: expect.any(String), statusCode: 404, error: 'NotFound', message: expect.stringContaining('OIDC configuration not found') });
    expect((await api(server, 'PATCH', PATH, { organizationId: orgId, isActive: false })).status).toBe(404);
  });
});

describe('validation (422 naming the field)', () => {
  it('lists every missing required field of an empty body', async () => {
    const issues = issuesOf(await api(server, 'POST', PATH, {}));
    expect(issues).toEqual(
      expect.arrayContaining(['organizationId', 'configurationType', 'clientId', 'clientSecret', 'isActive'].map((path) => ({ path, message: 'Required' }))),
    );
  });

  it('requires every endpoint of a custom configuration, with Infisical’s messages', async () => {
    const issues = issuesOf(await api(server, 'POST', PATH, custom({ issuer: '', jwksUri: undefined, tokenEndpoint: '', userinfoEndpoint: '', authorizationEndpoint: '' })));
    expect(issues).toEqual([
      { path: 'issuer', message: 'Issuer is required' },
      { path: 'authorizationEndpoint', message: 'Authorization endpoint is required' },
      { path: 'jwksUri', message: 'JWKS URI is required' },
      { path: 'tokenEndpoint', message: 'Token endpoint is required' },
      { path: 'userinfoEndpoint', message: 'Userinfo endpoint is required' },
    ]);
  });

  it('requires the discovery URL of a discoveryURL configuration', async () => {
    const issues = issuesOf(await api(server, 'POST', PATH, custom({ configurationType: 'discoveryURL' , discoveryURL: '' })));
    expect(issues).toEqual([{ path: 'discoveryURL', message: 'Discovery URL is required' }]);
  });

  it('refuses unknown enum values, non-URLs, wrong types and bad domains', async () => {
    const issues = issuesOf(
      await api(
        server,
        'POST',
        PATH,
        custom({ configurationType: 'saml', jwtSignatureAlgorithm: 'none', tokenEndpoint: 'ftp://idp.example.com/token', jwksUri: '/keys', isActive: 'yes', manageGroupMemberships: 1, clientId: 42, allowedEmailDomains: 'example.com, not a domain' }),
      ),
    );
    expect(issues.map((issue) => issue.path).sort()).toEqual(
      ['allowedEmailDomains', 'clientId', 'configurationType', 'isActive', 'jwksUri', 'jwtSignatureAlgorithm', 'manageGroupMemberships', 'tokenEndpoint'].sort(),
    );
    expect(issues).toContainEqual({ path: 'jwtSignatureAlgorithm', message: "Invalid enum value. Expected 'RS256' | 'HS256' | 'RS512' | 'EdDSA', received 'none'" });
    expect(issues).toContainEqual({ path: 'clientId', message: 'Expected string, received number' });
  });

  it('refuses a wildcard over a whole top-level domain', async () => {
    expect(issuesOf(await api(server, 'POST', PATH, custom({ allowedEmailDomains: '*.com' })))).toEqual([
      { path: 'allowedEmailDomains', message: expect.stringContaining('whole top-level domain') },
    ]);
  });

  it('never echoes the client secret in a refusal', async () => {
    const res = await api(server, 'POST', PATH, custom({ clientSecret: `${SECRET}\u0007` }));
    expect(issuesOf(res)).toEqual([{ path: 'clientSecret', message: 'Must not contain control characters' }]);
    expect(JSON.stringify(res.body)).not.toContain(SECRET);
  });

  it('refuses another organisation with 404', async () => {
    const res = await api(server, 'POST', PATH, custom({ organizationId: '00000000-0000-4000-8000-000000000000' }));
    expect(res.status).toBe(404);
    expect(res.body.message).toBe("Organization with ID '00000000-0000-4000-8000-000000000000' not found");
  });
});

describe('authorisation on sso/oidc/config', () => {
  it('needs a token (401), a live one (403 TokenError) and a policy allowing the call (403 PermissionDenied)', async () => {
    const none = await api(server, 'GET', `${PATH}?organizationId=${orgId}`, undefined, null);
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ error: 'UnauthorizedError', message: 'Token missing' });
    expect((await api(server, 'GET', `${PATH}?organizationId=${orgId}`, undefined, 'lys.not-a-token')).body.error).toBe('TokenError');

    expect((await api(server, 'PUT', '/v1/sys/policies/acl/sso-readers', { policy: 'path "sso/oidc/config" { capabilities = ["read"] }' })).status).toBe(204);
    const reader = (await api(server, 'POST', '/v1/auth/token/create', { policies: ['sso-readers'] })).body.auth.client_token as string;
    const write = await api(server, 'POST', PATH, custom(), reader);
    expect(write.status).toBe(403);
    expect(write.body).toMatchObject({ error: 'PermissionDenied', message: 'You are not allowed to update on sso/oidc/config' });
    // Reading is allowed: the configuration does not exist yet.
    expect((await api(server, 'GET', `${PATH}?organizationId=${orgId}`, undefined, reader)).status).toBe(404);
  });
});

describe('create, read and update', () => {
  let created: Record<string, unknown>;

  it('creates with Infisical’s defaults and answers the seed’s shape, without client id or secret', async () => {
    const res = await api(server, 'POST', PATH, custom({ allowedEmailDomains: ' Example.COM,*.Corp.Example.org , ,example.com' }));
    expect(res.status).toBe(200);
    created = res.body;
    expect(created).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      issuer: 'https://idp.example.com',
      authorizationEndpoint: 'https://idp.example.com/authorize',
      configurationType: 'custom',
      discoveryURL: '',
      jwksUri: 'https://idp.example.com/keys',
      tokenEndpoint: 'https://idp.example.com/token',
      userinfoEndpoint: 'https://idp.example.com/userinfo',
      orgId,
      isActive: true,
      allowedEmailDomains: 'example.com, *.corp.example.org',
      manageGroupMemberships: false,
      jwtSignatureAlgorithm: 'RS256',
    });
  });

  it('refuses a second create', async () => {
    const res = await api(server, 'POST', PATH, custom());
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('already exists');
  });

  it('reads it back with the client id and never the secret', async () => {
    const res = await api(server, 'GET', `${PATH}?organizationId=${orgId}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...created, clientId: 'lanyard-client' });
    expect(JSON.stringify(res.body)).not.toContain(SECRET);
    expect(issuesOf(await api(server, 'GET', PATH))).toEqual([{ path: 'organizationId', message: 'Required' }]);
  });

  it('keeps the secret sealed in the configuration file', async () => {
    const file = await readFile(join(server.dataDir, 'config.json'), 'utf8');
    expect(file).toContain('lyseal:v1:');
    expect(file).not.toContain(SECRET);
  });

  it('changes only the fields a PATCH gives', async () => {
    const res = await api(server, 'PATCH', PATH, { organizationId: orgId, isActive: false, jwtSignatureAlgorithm: 'EdDSA', manageGroupMemberships: true });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...created, isActive: false, jwtSignatureAlgorithm: 'EdDSA', manageGroupMemberships: true });
  });

  it('checks the endpoint rules on the merged result', async () => {
    const issues = issuesOf(await api(server, 'PATCH', PATH, { organizationId: orgId, configurationType: 'discoveryURL' }));
    expect(issues).toEqual([{ path: 'discoveryURL', message: 'Discovery URL is required' }]);
    const res = await api(server, 'PATCH', PATH, { organizationId: orgId, configurationType: 'discoveryURL', discoveryURL: 'https://idp.example.com' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ configurationType: 'discoveryURL', discoveryURL: 'https://idp.example.com', tokenEndpoint: 'https://idp.example.com/token' });
  });

  it('answers unknown routes under /api/v1/sso in Infisical’s shape', async () => {
    const res = await api(server, 'GET', '/api/v1/sso/oidc/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ statusCode: 404, error: 'NotFound', message: 'Route GET:/api/v1/sso/oidc/nothing-here not found' });
  });
});

describe('outbound policy outside dev mode', () => {
  let strict: TestServer;
  let strictOrg: string;

  beforeAll(async () => {
    strict = await startTestServer({ settings: { 'allow-private-network': false, 'allow-http-outbound': false } });
    strictOrg = await organizationId(strict);
  });
  afterAll(async () => {
    await strict.destroy();
  });

  // Public address literals: nothing here may depend on DNS.
  const publicIdp = (changes: Record<string, unknown>) =>
    custom({
      organizationId: strictOrg,
      issuer: 'https://93.184.215.14',
      authorizationEndpoint: 'https://93.184.215.14/authorize',
      tokenEndpoint: 'https://93.184.215.14/token',
      userinfoEndpoint: 'https://93.184.215.14/userinfo',
      jwksUri: 'https://93.184.215.14/keys',
      ...changes,
    });

  it('refuses plain http and internal addresses, naming the field', async () => {
    const http = await api(strict, 'POST', PATH, publicIdp({ tokenEndpoint: 'http://93.184.215.14/token' }));
    expect(http.status).toBe(400);
    expect(http.body.message).toBe('tokenEndpoint: plain http URLs are not allowed; use https, or start the server with allow-http-outbound');

    const internal = await api(strict, 'POST', PATH, publicIdp({ jwksUri: 'https://169.254.169.254/keys' }));
    expect(internal.status).toBe(400);
    expect(internal.body.message).toBe('jwksUri: Local IPs not allowed as URL');

    const discovery = await api(strict, 'POST', PATH, publicIdp({ configurationType: 'discoveryURL', discoveryURL: 'https://[::1]:8443' }));
    expect(discovery.body.message).toBe('discoveryURL: Local IPs not allowed as URL');
    expect((await api(strict, 'GET', `${PATH}?organizationId=${strictOrg}`)).status).toBe(404);

    expect((await api(strict, 'POST', PATH, publicIdp({}))).status).toBe(200);
  });
});
