/**
 * Machine login over HTTP against a real issuer: reference/machine-auth.md §5.2–5.9 (token shape,
 * algorithms and attacks, time claims, issuer and discovery, audience, subject, claims, malformed
 * input), and that a refused login changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportSPKI, importJWK, SignJWT, type CryptoKey } from 'jose';
import type { JwsAlgorithm } from '../../verifier/index.js';
import { TestIssuer } from '../support/jwt_issuer.js';
import { api, type TestServer } from '../support/server.js';
import { baseConfig, configuredIdentity, expectInfisicalError, login, loginToken, lookupSelf, post, startMachineServer } from './machine_support.js';

let server: TestServer;
let idp: TestIssuer;
const issuers: TestIssuer[] = [];

beforeAll(async () => {
  server = await startMachineServer();
  idp = await TestIssuer.start({ keys: [{ alg: 'RS256', kid: 'k1' }] });
});
afterAll(async () => {
  await server.destroy();
  await idp.close();
  await Promise.all(issuers.map((issuer) => issuer.close()));
});

async function extraIssuer(options: Parameters<typeof TestIssuer.start>[0] = {}): Promise<TestIssuer> {
  const issuer = await TestIssuer.start(options);
  issuers.push(issuer);
  return issuer;
}

const identity = (changes: Record<string, unknown> = {}, issuer: TestIssuer = idp, policies: string[] = []) =>
  configuredIdentity(server, baseConfig(issuer, changes), policies);

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('successful logins and the issued token (§5.2)', () => {
  it('answers {accessToken, expiresIn, accessTokenMaxTTL, tokenType} with a usable Lanyard token (#14)', async () => {
    const id = await identity({}, idp, ['machine-readers']);
    const res = await login(server, id, await idp.token());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ accessToken: expect.stringMatching(/^lys\./), expiresIn: 60, accessTokenMaxTTL: 120, tokenType: 'Bearer' });

    const self = await lookupSelf(server, res.body.accessToken);
    expect(self.status).toBe(200);
    expect(self.body.data).toMatchObject({
      entity_id: id,
      path: 'auth/oidc-auth/login',
      policies: ['default'],
      identity_policies: ['machine-readers'],
      renewable: true,
      num_uses: 0,
      explicit_max_ttl: 120,
    });
    expect(self.body.data.ttl).toBeGreaterThan(55);
    expect(self.body.data.ttl).toBeLessThanOrEqual(60);
  });

  it.each<JwsAlgorithm>(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'])('accepts %s (#15, #16, #23)', async (alg) => {
    const issuer = await extraIssuer({ keys: [alg] });
    const id = await identity({}, issuer);
    expect((await login(server, id, await issuer.token())).status).toBe(200);
  });

  it('accepts a token without kid when one key fits (#17) and tries every fitting key (#18)', async () => {
    const single = await extraIssuer({ keys: ['RS256'] });
    expect((await login(server, await identity({}, single), await single.token({}, { header: { kid: undefined } }))).status).toBe(200);

    const several = await extraIssuer({ keys: [{ alg: 'RS256', kid: 'kR' }, { alg: 'ES256', kid: 'k2' }, { alg: 'RS256', kid: 'k1' }] });
    const id = await identity({}, several);
    expect((await login(server, id, await several.token({}, { key: 'k1', header: { kid: undefined } }))).status).toBe(200);
    expect((await login(server, id, await several.token({}, { key: 'kR', header: { kid: undefined } }))).status).toBe(200);
  });

  it('refuses a token without kid when more than ten keys could verify it (#19)', async () => {
    const crowded = await extraIssuer({ keys: Array.from({ length: 11 }, () => 'RS256' as const) });
    const res = await login(server, await identity({}, crowded), await crowded.token({}, { header: { kid: undefined } }));
    expectInfisicalError(res, 401, 'UnauthorizedError', "Access denied: Tokens must include 'kid' header when provider has more than 10 keys.");
  });

  it('accepts a form-encoded login (#20)', async () => {
    const id = await identity();
    const res = await fetch(`${server.url}/api/v1/auth/oidc-auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ identityId: id, jwt: await idp.token() }).toString(),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { tokenType: string }).tokenType).toBe('Bearer');
  });

  it('maps claims into the oidc-auth alias metadata and the token, writing the entity only on change (#21)', async () => {
    const id = await identity({ claimMetadataMapping: { repo: 'repository', namespace: 'kubernetes.io.namespace' } });
    const claims = { repository: 'acme/app', 'kubernetes.io': { namespace: 'prod' } };
    const token = await loginToken(server, id, await idp.token(claims));
    expect((await lookupSelf(server, token)).body.data.meta).toEqual({ repo: 'acme/app', namespace: 'prod' });

    const read = async () => (await api(server, 'GET', `/v1/identity/entity/id/${id}`)).body.data;
    const first = await read();
    expect(first.aliases).toHaveLength(1);
    expect(first.aliases[0]).toMatchObject({ name: id, mount_type: 'oidc-auth', mount_path: 'auth/oidc-auth/', metadata: { repo: 'acme/app', namespace: 'prod' } });

    await new Promise((resolve) => setTimeout(resolve, 5)); // a rewrite would carry a later timestamp
    await loginToken(server, id, await idp.token(claims));
    expect(await read()).toEqual(first);

    await loginToken(server, id, await idp.token({ ...claims, repository: 'acme/lib' }));
    const changed = await read();
    expect(changed.aliases).toHaveLength(1);
    expect(changed.aliases[0].id).toBe(first.aliases[0].id);
    expect(changed.aliases[0].metadata).toEqual({ repo: 'acme/lib', namespace: 'prod' });
  });

  it('refuses a token without a mapped claim (#22)', async () => {
    const id = await identity({ claimMetadataMapping: { repo: 'repository' } });
    expectInfisicalError(await login(server, id, await idp.token()), 401, 'UnauthorizedError', 'Access denied: token has no repository field');
  });
});

describe('signature and algorithm attacks (§5.3)', () => {
  let id: string;
  beforeAll(async () => {
    id = await identity();
  });

  it('refuses a token signed by another key under a published kid (#24) and an edited payload (#25)', async () => {
    await idp.addKey({ alg: 'RS256', kid: 'kR', publish: false });
    const forged = await idp.token({}, { key: 'kR', header: { kid: 'k1' } });
    expectInfisicalError(await login(server, id, forged), 401, 'UnauthorizedError', 'Access denied: invalid signature');
    idp.removeKey('kR');

    const [header, , signature] = (await idp.token()).split('.');
    const edited = `${header}.${b64(idp.claims({ sub: 'repo:acme/app:ref:refs/heads/main', admin: true }))}.${signature}`;
    expectInfisicalError(await login(server, id, edited), 401, 'UnauthorizedError', 'Access denied: invalid signature');
  });

  it('refuses alg none, with or without a signature part (#26)', async () => {
    const unsigned = `${b64({ alg: 'none', kid: 'k1' })}.${b64(idp.claims())}.`;
    expectInfisicalError(await login(server, id, unsigned), 401, 'UnauthorizedError', 'Invalid JWT');
    const withSignature = `${b64({ alg: 'none', kid: 'k1' })}.${b64(idp.claims())}.AAAA`;
    expectInfisicalError(await login(server, id, withSignature), 401, 'UnauthorizedError', 'Access denied: invalid algorithm');
  });

  it('refuses HS256 keyed with the RSA public key (#27) and an ES256 header on an RSA kid (#28)', async () => {
    const publicPem = await exportSPKI((await importJWK(idp.keys[0]!.publicJwk, 'RS256', { extractable: true })) as CryptoKey);
    const confused = await new SignJWT(idp.claims()).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).sign(new TextEncoder().encode(publicPem));
    expectInfisicalError(await login(server, id, confused), 401, 'UnauthorizedError', 'Access denied: invalid algorithm');

    await idp.addKey({ alg: 'ES256', kid: 'k2', publish: false });
    const mismatched = await idp.token({}, { key: 'k2', header: { kid: 'k1' } });
    expectInfisicalError(await login(server, id, mismatched), 401, 'UnauthorizedError', 'Access denied: invalid algorithm');
    idp.removeKey('k2');
  });

  it('refuses an unknown kid (#29), picks up a rotated key at once (#30), and refreshes at most once per cooldown (#31)', async () => {
    const rotating = await extraIssuer();
    const rid = await identity({}, rotating);
    expect((await login(server, rid, await rotating.token())).status).toBe(200);
    const unknown = await rotating.token({}, { header: { kid: 'unknown' } });
    expectInfisicalError(
      await login(server, rid, unknown),
      401,
      'UnauthorizedError',
      "Access denied: Unable to verify JWT signature. The signing key was not found in the OIDC provider's JWKS endpoint.",
    );

    const rotatingAgain = await extraIssuer();
    const id2 = await identity({}, rotatingAgain);
    expect((await login(server, id2, await rotatingAgain.token())).status).toBe(200);
    const rotated = await rotatingAgain.rotate();
    expect((await login(server, id2, await rotatingAgain.token({}, { key: rotated.kid }))).status).toBe(200);
    expect(rotatingAgain.requestCount('/keys')).toBe(2);

    const storm = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => login(server, id2, await rotatingAgain.token({}, { header: { kid: `random-${i}` } }))),
    );
    expect(storm.every((res) => res.status === 401)).toBe(true);
    expect(rotatingAgain.requestCount('/keys')).toBe(2); // the refresh above started the cooldown
  });

  it('ignores keys published for encryption (#32) and refuses JWE-shaped tokens (#33)', async () => {
    const enc = await extraIssuer({ keys: [{ alg: 'RS256', jwk: { use: 'enc' } }] });
    expectInfisicalError(await login(server, await identity({}, enc), await enc.token()), 401, 'UnauthorizedError');
    expectInfisicalError(await login(server, id, 'a.b.c.d.e'), 401, 'UnauthorizedError', 'Invalid JWT');
  });
});

describe('time claims (§5.4), with the default 60 s leeway', () => {
  let id: string;
  const now = () => Math.floor(Date.now() / 1000);
  beforeAll(async () => {
    id = await identity();
  });

  it('applies the leeway to exp (#34, #35)', async () => {
    expect((await login(server, id, await idp.token({ exp: now() - 30 }))).status).toBe(200);
    expectInfisicalError(await login(server, id, await idp.token({ exp: now() - 120 })), 401, 'UnauthorizedError', 'Access denied: jwt expired');
  });

  it('applies the leeway to nbf (#36) and refuses an iat in the future (#37)', async () => {
    expect((await login(server, id, await idp.token({ nbf: now() + 30 }))).status).toBe(200);
    expectInfisicalError(await login(server, id, await idp.token({ nbf: now() + 120 })), 401, 'UnauthorizedError', 'Access denied: jwt not active');
    expectInfisicalError(await login(server, id, await idp.token({ iat: now() + 3600 })), 401, 'UnauthorizedError', 'Access denied: jwt issued in the future');
  });

  it('requires a numeric exp (#38, #39)', async () => {
    expectInfisicalError(await login(server, id, await idp.token({ exp: undefined })), 401, 'UnauthorizedError', 'Access denied: jwt has no exp claim');
    expectInfisicalError(await login(server, id, await idp.token({ exp: '9999999999' })), 401, 'UnauthorizedError', 'Access denied: invalid exp value');
  });
});

describe('issuer and discovery (§5.5)', () => {
  it('compares iss exactly and requires it (#41, #42)', async () => {
    const id = await identity();
    const expected = `Access denied: jwt issuer invalid. expected: ${idp.issuer}`;
    expectInfisicalError(await login(server, id, await idp.token({ iss: `${idp.issuer}/` })), 401, 'UnauthorizedError', expected);
    expectInfisicalError(await login(server, id, await idp.token({ iss: undefined })), 401, 'UnauthorizedError', expected);
  });

  it('refuses with 401 when the provider is unreachable (#44) or answers 500 (#45)', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const id = await identity({ oidcDiscoveryUrl: `http://127.0.0.1:${port}` });
    expectInfisicalError(await login(server, id, await idp.token()), 401, 'UnauthorizedError', 'Access denied: Failed to fetch OIDC discovery document.');

    const failing = await extraIssuer();
    failing.route('/.well-known/openid-configuration', (_req, res) => void res.writeHead(500).end());
    const id2 = await identity({}, failing);
    expectInfisicalError(await login(server, id2, await failing.token()), 401, 'UnauthorizedError', 'Access denied: Failed to fetch OIDC discovery document.');
  });

  it('refuses a discovery document without jwks_uri (#47) and does not follow redirects (#48)', async () => {
    const noJwks = await extraIssuer();
    noJwks.setDiscovery({ jwks_uri: undefined });
    expectInfisicalError(
      await login(server, await identity({}, noJwks), await noJwks.token()),
      401,
      'UnauthorizedError',
      'Access denied: OIDC discovery document does not contain a jwks_uri. The identity provider may be misconfigured.',
    );
    const redirecting = await extraIssuer();
    redirecting.route('/.well-known/openid-configuration', (_req, res) => void res.writeHead(302, { location: idp.discoveryUrl }).end());
    expectInfisicalError(await login(server, await identity({}, redirecting), await redirecting.token()), 401, 'UnauthorizedError');
  });

  it('accepts the discovery URL with a trailing slash (#49) or the full well-known URL (#50)', async () => {
    expect((await login(server, await identity({ oidcDiscoveryUrl: `${idp.baseUrl}/` }), await idp.token())).status).toBe(200);
    expect((await login(server, await identity({ oidcDiscoveryUrl: idp.discoveryUrl }), await idp.token())).status).toBe(200);
  });

  it('trusts a private CA given as caCert over HTTPS (#51) and nothing else without it (#52)', async () => {
    const tls = await extraIssuer({ https: true, keys: ['ES256'] });
    expect((await login(server, await identity({}, tls), await tls.token())).status).toBe(200);
    const { caCert: _dropped, ...withoutCa } = baseConfig(tls);
    const id = await configuredIdentity(server, withoutCa);
    expectInfisicalError(await login(server, id, await tls.token()), 401, 'UnauthorizedError', 'Access denied: Failed to fetch OIDC discovery document.');
  });

  it('fetches discovery and JWKS once for many logins', async () => {
    const counted = await extraIssuer({ keys: ['ES256'] });
    const id = await identity({}, counted);
    const results = await Promise.all(Array.from({ length: 20 }, async () => login(server, id, await counted.token())));
    expect(results.map((res) => res.status)).toEqual(Array(20).fill(200));
    expect(counted.requestCount('/.well-known/openid-configuration')).toBe(1);
    expect(counted.requestCount('/keys')).toBe(1);
  });
});

describe('audience (§5.6)', () => {
  it('matches a string or any array element, by glob, case-sensitively (#55–#62)', async () => {
    const id = await identity();
    expect((await login(server, id, await idp.token({ aud: 'lanyard' }))).status).toBe(200);
    expect((await login(server, id, await idp.token({ aud: ['x', 'lanyard'] }))).status).toBe(200);
    const refused = 'Access denied: OIDC audience not allowed.';
    expectInfisicalError(await login(server, id, await idp.token({ aud: ['x', 'y'] })), 401, 'UnauthorizedError', refused);
    expectInfisicalError(await login(server, id, await idp.token({ aud: undefined })), 401, 'UnauthorizedError', refused);
    expectInfisicalError(await login(server, id, await idp.token({ aud: 'LANYARD' })), 401, 'UnauthorizedError', refused);

    const azure = await identity({ boundAudiences: 'api://*' });
    expect((await login(server, azure, await idp.token({ aud: 'api://AzureADTokenExchange' }))).status).toBe(200);
    const list = await identity({ boundAudiences: 'a, lanyard' });
    expect((await login(server, list, await idp.token({ aud: 'lanyard' }))).status).toBe(200);
  });
});

describe('subject (§5.7)', () => {
  it('refuses another subject with 403 (#63, #64) and a missing one cleanly (#70)', async () => {
    const id = await identity();
    expect((await login(server, id, await idp.token())).status).toBe(200);
    const refused = 'Access denied: OIDC subject not allowed.';
    expectInfisicalError(await login(server, id, await idp.token({ sub: 'repo:acme/app:ref:refs/heads/dev' })), 403, 'ForbiddenError', refused);
    expectInfisicalError(await login(server, id, await idp.token({ sub: undefined })), 403, 'ForbiddenError', refused);
  });

  it.each([
    ['repo:acme/app:*', 'repo:acme/app:pull_request', 200],
    ['repo:acme/app:*', 'repo:acme/app:ref:refs/heads/main', 403],
    ['repo:acme/app:{pull_request,ref:refs/heads/main}', 'repo:acme/app:ref:refs/heads/main', 200],
    ['repo:acme/app:pull_request,repo:acme/app:ref:refs/heads/main', 'repo:acme/app:pull_request', 403],
    ['repo:acme/app*/**', 'repo:acme/app-evil:ref:refs/heads/main', 200],
    ['repo:acme/app:ref:*/**', 'repo:acme/app:ref:refs/heads/main', 200],
    ['system:serviceaccount:*:ci', 'system:serviceaccount:prod:ci', 200],
    ['spiffe://example.org/ns/*/sa/web', 'spiffe://example.org/ns/prod/sa/web', 200],
    ['spiffe://example.org/ns/*/sa/web', 'spiffe://example.org/ns/prod/x/sa/web', 403],
  ])('boundSubject %s with sub %s → %i (#65–#71)', async (boundSubject, sub, status) => {
    const id = await identity({ boundSubject });
    expect((await login(server, id, await idp.token({ sub }))).status).toBe(status);
  });
});

describe('claims (§5.8)', () => {
  it.each<[Record<string, unknown>, Record<string, unknown>, number, string | undefined]>([
    [{ repository: 'acme/app' }, { repository: 'acme/app' }, 200, undefined],
    [{ repository: 'acme/app' }, { repository: 'acme/lib' }, 401, 'Access denied: OIDC claim not allowed.'],
    [{ repository: 'acme/app, acme/lib' }, { repository: 'acme/lib' }, 200, undefined],
    [{ repository: 'acme/app', ref: 'refs/heads/main' }, { repository: 'acme/app', ref: 'refs/heads/dev' }, 401, undefined],
    [{ environment: 'prod' }, {}, 401, 'Access denied: token has no environment field'],
    [{ 'org.team': 'platform' }, { org: { team: 'platform' } }, 200, undefined],
    [{ groups: 'admins' }, { groups: ['dev', 'admins'] }, 200, undefined],
    [{ groups: 'admins' }, { groups: [] }, 401, undefined],
    [{ groups: 'adm*' }, { groups: ['admins'] }, 200, undefined],
    [{ ref_protected: 'true' }, { ref_protected: true }, 200, undefined],
    [{ ref_protected: 'false' }, { ref_protected: false }, 200, undefined],
    [{ run_attempt: '0' }, { run_attempt: 0 }, 200, undefined],
    [{ 'kubernetes.io.namespace': 'prod' }, { 'kubernetes.io': { namespace: 'prod' } }, 200, undefined],
    [{ '/kubernetes.io/namespace': 'prod' }, { 'kubernetes.io': { namespace: 'prod' } }, 200, undefined],
    [{ job_workflow_ref: 'acme/wf/.github/workflows/*@refs/heads/main' }, { job_workflow_ref: 'acme/wf/.github/workflows/deploy.yml@refs/heads/main' }, 200, undefined],
    [{ meta: 'x' }, { meta: { a: 1 } }, 401, 'Access denied: token has no meta field'],
  ])('boundClaims %j with %j → %i (#72–#84)', async (boundClaims, claims, status, message) => {
    const id = await identity({ boundClaims });
    const res = await login(server, id, await idp.token(claims));
    expect(res.status).toBe(status);
    if (message !== undefined) expect(res.body.message).toBe(message);
  });
});

describe('malformed and oversized input (§5.9)', () => {
  it.each(['abc', 'a.b', '!!!.@@@.###', `${b64('x')}.${b64({})}.AAAA`])('refuses %p with 401 "Invalid JWT" before any fetch (#85, #92)', async (jwt) => {
    const quiet = await extraIssuer();
    const id = await identity({}, quiet);
    expectInfisicalError(await login(server, id, jwt), 401, 'UnauthorizedError', 'Invalid JWT');
    expect(quiet.requestCount('/.well-known/openid-configuration')).toBe(0);
  });

  it('answers 422 for an empty jwt or a missing field (#86, #87)', async () => {
    const id = await identity();
    const empty = await login(server, id, '   ');
    expectInfisicalError(empty, 422, 'ValidationFailure');
    expect(empty.body.message).toEqual([{ code: 'too_small', path: ['jwt'], message: 'String must contain at least 1 character(s)' }]);
    const missing = await post(server, '/api/v1/auth/oidc-auth/login', { jwt: 'a.b.c' });
    expect(missing.body.message).toEqual([{ code: 'invalid_type', path: ['identityId'], message: 'Required' }]);
    expectInfisicalError(await post(server, '/api/v1/auth/oidc-auth/login', { identityId: 7, jwt: 'a.b.c' }), 422, 'ValidationFailure');
  });

  it('answers 404 for an identity that is not a UUID or has no configuration (#88, #89)', async () => {
    const notConfigured = 'OIDC auth method not found for identity, did you configure OIDC auth?';
    expectInfisicalError(await login(server, 'not-a-uuid', await idp.token()), 404, 'NotFound', notConfigured);
    expectInfisicalError(await login(server, '../../etc', await idp.token()), 404, 'NotFound', notConfigured);
    const bare = (await api(server, 'POST', '/v1/identity/entity', {})).body.data.id as string;
    expectInfisicalError(await login(server, bare, await idp.token()), 404, 'NotFound', notConfigured);
  });

  it('refuses a 2 MiB body with 413 (#90) and a 100 KB jwt with 401 (#91)', async () => {
    const id = await identity();
    expectInfisicalError(await login(server, id, 'x'.repeat(2 * 1024 * 1024)), 413, 'PayloadTooLarge');
    const huge = await idp.token({ padding: 'x'.repeat(100_000) });
    expectInfisicalError(await login(server, id, huge), 401, 'UnauthorizedError', 'Invalid JWT: token is too large');
  });

  it('answers 400 for a body that is not JSON', async () => {
    const res = await fetch(`${server.url}/api/v1/auth/oidc-auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"identityId":' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ statusCode: 400, error: 'BadRequest' });
  });
});

describe('the identity', () => {
  it('refuses a disabled or deleted identity with 401', async () => {
    const id = await identity();
    expect((await api(server, 'POST', `/v1/identity/entity/id/${id}`, { disabled: true })).status).toBeLessThan(300);
    expectInfisicalError(await login(server, id, await idp.token()), 401, 'UnauthorizedError', 'Access denied: the identity is disabled');
    expect((await api(server, 'DELETE', `/v1/identity/entity/id/${id}`)).status).toBe(204);
    expectInfisicalError(await login(server, id, await idp.token()), 401, 'UnauthorizedError', 'Identity not found');
  });
});

describe('a refused login changes nothing', () => {
  it('leaves the identity, its configuration and its tokens as they were', async () => {
    const id = await identity({ claimMetadataMapping: { repo: 'repository' }, boundClaims: { repository: 'acme/*' } });
    const token = await loginToken(server, id, await idp.token({ repository: 'acme/app' }));
    const snapshot = async () => ({
      entity: (await api(server, 'GET', `/v1/identity/entity/id/${id}`)).body.data,
      config: (await api(server, 'GET', `/api/v1/auth/oidc-auth/identities/${id}`)).body,
      tokens: (await server.runtime.services.storage.findBy('token', 'entity', id)).map((entry) => entry.value),
    });
    const before = await snapshot();
    expect(before.tokens).toHaveLength(1);

    const failures = [
      await idp.token({ repository: 'other/app' }),
      await idp.token({ sub: 'repo:evil/app:ref:refs/heads/main', repository: 'acme/app' }),
      await idp.token({ repository: 'acme/app', exp: Math.floor(Date.now() / 1000) - 3600 }),
      await idp.token({ repository: 'acme/app' }, { header: { kid: 'nope' } }),
      'garbage',
    ];
    for (const jwt of failures) expect((await login(server, id, jwt)).status).toBeGreaterThanOrEqual(400);
    expect(await snapshot()).toEqual(before);
    expect((await lookupSelf(server, token)).status).toBe(200);
  });
});
