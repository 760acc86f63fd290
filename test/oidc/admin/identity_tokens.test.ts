/** §4.10 and §4.11: roles, identity tokens for every algorithm, introspection, discovery and config. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SignJWT, createLocalJWKSet, decodeJwt, decodeProtectedHeader, generateKeyPair, jwtVerify, type JWTPayload } from 'jose';
import { SIGNING_ALGORITHMS } from '../../../keys/named_key_params.js';
import { createEntity, createGroup, grantIdentityTokens, startOidcServer, tokenFor, vaultError, type OidcTestServer } from './fixtures.js';

let t: OidcTestServer;
// Starts at the real time (storage expiry follows the real clock); tests move it forward only.
let clock = Date.now();
let e1: string;
let u1: string;
let u2: string;
let noGrant: string;
let userpassAccessor: string;

beforeAll(async () => {
  t = await startOidcServer({ now: () => clock });
  e1 = await createEntity(t.call, 'alice', { email: 'alice@example.com', phone_number: '123' });
  const e2 = await createEntity(t.call, 'bob');
  const g1 = await createGroup(t.call, 'engineering', { entities: [e1] });
  await createGroup(t.call, 'parent', { groups: [g1] });
  userpassAccessor = (await t.call('GET', 'sys/auth')).body.data['userpass/'].accessor;
  expect((await t.call('POST', 'identity/entity-alias', { name: 'alice', canonical_id: e1, mount_accessor: userpassAccessor })).status).toBe(200);
  const grant = await grantIdentityTokens(t.call);
  u1 = await tokenFor(t.call, e1, ['default', grant]);
  u2 = await tokenFor(t.call, e2, ['default', grant]);
  noGrant = await tokenFor(t.call, e1, ['default']);
  expect((await t.call('POST', 'identity/oidc/key/kr', { allowed_client_ids: '*' })).status).toBe(204);
});
afterAll(async () => t.server.destroy());

const identityIssuer = () => `${t.apiAddr}/v1/identity/oidc`;

async function jwks() {
  const res = await t.call('GET', 'identity/oidc/.well-known/keys', undefined, null);
  expect(res.status).toBe(200);
  return createLocalJWKSet(res.body);
}

async function verify(token: string, audience: string): Promise<JWTPayload> {
  const { payload } = await jwtVerify(token, await jwks(), { issuer: identityIssuer(), audience, currentDate: new Date(clock) });
  return payload;
}

describe('roles', () => {
  it('validates in Vault’s order and stores nothing on failure', async () => {
    expect(await t.call('POST', 'identity/oidc/role/r0', {})).toMatchObject(vaultError('the key parameter is required'));
    expect(await t.call('POST', 'identity/oidc/role/r0', { key: 'nope' })).toMatchObject(vaultError('cannot find key "nope"'));
    expect(await t.call('POST', 'identity/oidc/role/r0', { key: 'kr', ttl: '25h' })).toMatchObject(
      vaultError("a role's token ttl cannot be longer than the verification_ttl of the key it references"),
    );
    expect(await t.call('POST', 'identity/oidc/role/r0', { key: 'nope', template: '{"sub": 1}' })).toMatchObject(
      vaultError('top level key "sub" not allowed. Restricted keys: iat, aud, exp, iss, sub, namespace, nonce, auth_time, at_hash, c_hash'),
    );
    const wrongType = await t.call('POST', 'identity/oidc/role/r0', { key: 'kr', ttl: [1] });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.errors[0]).toMatch(/^Field validation failed: error converting input .* for field "ttl"/);
    expect((await t.call('GET', 'identity/oidc/role/r0')).status).toBe(404);
  });

  it('creates with a generated 26-character client_id and reads back Vault’s shape', async () => {
    expect((await t.call('POST', 'identity/oidc/role/r1', { key: 'kr' })).status).toBe(204);
    const { data } = (await t.call('GET', 'identity/oidc/role/r1')).body;
    expect(data).toEqual({ client_id: data.client_id, key: 'kr', template: '', ttl: 86400 });
    expect(data.client_id).toMatch(/^[0-9A-Za-z]{26}$/);
    // An update without client_id keeps it.
    expect((await t.call('POST', 'identity/oidc/role/r1', { ttl: '12h' })).status).toBe(204);
    expect((await t.call('GET', 'identity/oidc/role/r1')).body.data).toEqual({ ...data, ttl: 43200 });
    expect((await t.call('POST', 'identity/oidc/role/r1', { ttl: '1d' })).status).toBe(204);
  });

  it('keeps a given client_id', async () => {
    expect((await t.call('POST', 'identity/oidc/role/raud', { key: 'kr', client_id: 'my-aud' })).status).toBe(204);
    expect((await t.call('GET', 'identity/oidc/role/raud')).body.data.client_id).toBe('my-aud');
  });

  it('lists and deletes roles', async () => {
    expect((await t.call('LIST', 'identity/oidc/role')).body.data).toEqual({ keys: ['r1', 'raud'] });
    expect((await t.call('DELETE', 'identity/oidc/role/raud')).status).toBe(204);
    expect((await t.call('LIST', 'identity/oidc/role')).body.data).toEqual({ keys: ['r1'] });
  });
});

describe('identity tokens', () => {
  it('issues a token about the caller’s entity, verifiable against the published keys', async () => {
    const clientId = (await t.call('GET', 'identity/oidc/role/r1')).body.data.client_id as string;
    const res = await t.call('GET', 'identity/oidc/token/r1', undefined, u1);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ mount_type: 'identity', warnings: null });
    expect(res.body.data).toEqual({ client_id: clientId, token: res.body.data.token, ttl: 86400 });
    const claims = await verify(res.body.data.token, clientId);
    expect(claims).toEqual({ iss: identityIssuer(), aud: clientId, sub: e1, namespace: 'root', iat: Math.floor(clock / 1000), exp: Math.floor(clock / 1000) + 86400 });
    expect(decodeProtectedHeader(res.body.data.token)).toEqual({ alg: 'RS256', kid: expect.any(String) });
  });

  it('needs an ACL grant: the default policy does not allow it', async () => {
    expect(await t.call('GET', 'identity/oidc/token/r1', undefined, noGrant)).toMatchObject({ status: 403, body: { errors: ['permission denied'] } });
  });

  it('refuses callers without an entity, and unknown roles', async () => {
    expect(await t.call('GET', 'identity/oidc/token/r1')).toMatchObject(vaultError("no entity associated with the request's token"));
    expect(await t.call('GET', 'identity/oidc/token/nope', undefined, u1)).toMatchObject(vaultError('role "nope" not found'));
  });

  it('refuses a role whose key does not allow its client_id', async () => {
    expect((await t.call('POST', 'identity/oidc/key/kq', { allowed_client_ids: 'other' })).status).toBe(204);
    expect((await t.call('POST', 'identity/oidc/role/rq', { key: 'kq' })).status).toBe(204);
    expect(await t.call('GET', 'identity/oidc/token/rq', undefined, u1)).toMatchObject(
      vaultError('the key "kq" does not list the client ID of the role "rq" as an allowed client ID'),
    );
    // The key check comes before the entity check.
    expect(await t.call('GET', 'identity/oidc/token/rq')).toMatchObject(
      vaultError('the key "kq" does not list the client ID of the role "rq" as an allowed client ID'),
    );
  });

  it('adds the rendered role template, with direct and inherited groups and aliases', async () => {
    const template = JSON.stringify({
      email: '{{identity.entity.metadata.email}}',
      groups: '{{identity.entity.groups.names}}',
      username: `{{identity.entity.aliases.${userpassAccessor}.name}}`,
      nested: { phone: '{{identity.entity.metadata.phone_number}}' },
    }).replace(/"(\{\{[^}]+\}\})"/g, '$1');
    expect((await t.call('POST', 'identity/oidc/role/rt', { key: 'kr', template, client_id: 'templated' })).status).toBe(204);
    const res = await t.call('GET', 'identity/oidc/token/rt', undefined, u1);
    const claims = await verify(res.body.data.token, 'templated');
    expect(claims).toMatchObject({ email: 'alice@example.com', username: 'alice', nested: { phone: '123' }, sub: e1 });
    expect([...(claims.groups as string[])].sort()).toEqual(['engineering', 'parent']);

    // An entity without groups, aliases or metadata gets Vault's empty values.
    const bob = await verify((await t.call('GET', 'identity/oidc/token/rt', undefined, u2)).body.data.token, 'templated');
    expect(bob).toMatchObject({ email: '', groups: [], username: '', nested: { phone: '' } });
  });

  it('caps exp at the key’s verification_ttl with Vault’s warning', async () => {
    // A role stored before its key's verification_ttl was lowered (the API refuses that now).
    await t.server.runtime.services.storage.put('oidc_role', 'rlong', { name: 'rlong', key: 'kr', template: '', client_id: 'long', ttl: 2 * 86400 });
    const res = await t.call('GET', 'identity/oidc/token/rlong', undefined, u1);
    expect(res.status).toBe(200);
    expect(res.body.warnings).toEqual([
      "a role's token ttl cannot be longer than the verification_ttl of the key it references, setting token ttl to 86400",
    ]);
    expect(res.body.data.ttl).toBe(2 * 86400);
    const claims = decodeJwt(res.body.data.token);
    expect((claims.exp as number) - (claims.iat as number)).toBe(86400);
    await t.call('DELETE', 'identity/oidc/role/rlong');
  });

  it.each(SIGNING_ALGORITHMS)('signs %s tokens that verify against the JWKS', async (alg) => {
    const name = `alg-${alg.toLowerCase()}`;
    expect((await t.call('POST', `identity/oidc/key/${name}`, { algorithm: alg, allowed_client_ids: '*' })).status).toBe(204);
    expect((await t.call('POST', `identity/oidc/role/${name}`, { key: name, client_id: name })).status).toBe(204);
    const res = await t.call('GET', `identity/oidc/token/${name}`, undefined, u1);
    expect(res.status).toBe(200);
    expect(decodeProtectedHeader(res.body.data.token).alg).toBe(alg);
    expect((await verify(res.body.data.token, name)).sub).toBe(e1);
    expect((await t.call('POST', 'identity/oidc/introspect', { token: res.body.data.token, client_id: name })).body).toEqual({ active: true });
  });

  it('materialises the default key when a role first uses it', async () => {
    expect((await t.call('POST', 'identity/oidc/role/rdef', { key: 'default' })).status).toBe(204);
    const clientId = (await t.call('GET', 'identity/oidc/role/rdef')).body.data.client_id as string;
    const res = await t.call('GET', 'identity/oidc/token/rdef', undefined, u1);
    expect((await verify(res.body.data.token, clientId)).sub).toBe(e1);
  });
});

describe('introspection', () => {
  let token: string;
  let clientId: string;
  beforeAll(async () => {
    clientId = (await t.call('GET', 'identity/oidc/role/r1')).body.data.client_id;
    token = (await t.call('GET', 'identity/oidc/token/r1', undefined, u1)).body.data.token;
  });

  const introspect = async (body: Record<string, unknown>) => {
    const res = await t.call('POST', 'identity/oidc/introspect', body);
    expect(res.status).toBe(200);
    expect(res.body).not.toHaveProperty('data');
    return res.body as { active: boolean; error?: string };
  };

  it('reports a valid token as active, raw', async () => {
    expect(await introspect({ token })).toEqual({ active: true });
    expect(await introspect({ token, client_id: clientId })).toEqual({ active: true });
  });

  it('reports a wrong audience, garbage and foreign signatures', async () => {
    expect(await introspect({ token, client_id: 'wrong' })).toEqual({
      active: false,
      error: 'error validating claims: go-jose/go-jose/jwt: validation failed, invalid audience claim (aud)',
    });
    const garbage = await introspect({ token: 'not-a-jwt' });
    expect(garbage.active).toBe(false);
    expect(garbage.error).toMatch(/^error parsing token: /);
    expect((await introspect({})).error).toMatch(/^error parsing token: /);

    const { privateKey } = await generateKeyPair('RS256');
    const [header] = token.split('.');
    const kid = (JSON.parse(Buffer.from(header as string, 'base64url').toString()) as { kid: string }).kid;
    const forged = await new SignJWT({ sub: e1, aud: clientId, iss: identityIssuer() }).setProtectedHeader({ alg: 'RS256', kid }).setIssuedAt().sign(privateKey);
    expect(await introspect({ token: forged })).toEqual({ active: false, error: 'unable to validate the token signature' });
    const tampered = token.replace(/\.[^.]+\./, `.${Buffer.from(JSON.stringify({ sub: 'x' })).toString('base64url')}.`);
    expect(await introspect({ token: tampered })).toEqual({ active: false, error: 'unable to validate the token signature' });
  });

  it('reports disabled and deleted entities', async () => {
    const carol = await createEntity(t.call, 'carol');
    const carolToken = (await t.call('GET', 'identity/oidc/token/r1', undefined, await tokenFor(t.call, carol, ['default', 'identity-tokens']))).body.data.token;
    expect(await introspect({ token: carolToken })).toEqual({ active: true });
    expect((await t.call('POST', `identity/entity/id/${carol}`, { disabled: true })).status).toBe(204);
    expect(await introspect({ token: carolToken })).toEqual({ active: false, error: 'entity is disabled' });
    expect((await t.call('DELETE', `identity/entity/id/${carol}`)).status).toBe(204);
    expect(await introspect({ token: carolToken })).toEqual({ active: false, error: 'entity was not found' });
  });

  it('reports an expired token once its exp has passed', async () => {
    const { exp } = decodeJwt(token) as { exp: number };
    clock = exp * 1000;
    expect(await introspect({ token })).toEqual({ active: true });
    clock = exp * 1000 + 1000;
    expect(await introspect({ token })).toEqual({
      active: false,
      error: 'error validating claims: go-jose/go-jose/jwt: validation failed, token is expired (exp)',
    });
  });
});

describe('discovery and config', () => {
  it('serves Vault’s five discovery fields without a token', async () => {
    const res = await t.call('GET', 'identity/oidc/.well-known/openid-configuration', undefined, null);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('max-age=3600');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body).toEqual({
      issuer: identityIssuer(),
      jwks_uri: `${identityIssuer()}/.well-known/keys`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'EdDSA'],
    });
  });

  it('gives the JWKS a randomised max-age below the shortest key window', async () => {
    expect((await t.call('POST', 'identity/oidc/key/kmin', { rotation_period: '2m', verification_ttl: '90s', allowed_client_ids: '*' })).status).toBe(204);
    expect((await t.call('POST', 'identity/oidc/role/rmin', { key: 'kmin', ttl: 60 })).status).toBe(204);
    const res = await t.call('GET', 'identity/oidc/.well-known/keys', undefined, null);
    const maxAge = Number(/^max-age=(\d+)$/.exec(res.headers.get('cache-control') ?? '')?.[1]);
    expect(maxAge).toBeGreaterThanOrEqual(0);
    expect(maxAge).toBeLessThan(90);
  });

  it('reads an empty issuer by default', async () => {
    expect(await t.call('GET', 'identity/oidc/config')).toMatchObject({ status: 200, body: { data: { issuer: '' }, warnings: null } });
  });

  it('sets the identity-token issuer without touching providers', async () => {
    const res = await t.call('POST', 'identity/oidc/config', { issuer: 'https://id.example.com:1234' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ data: null, warnings: [expect.stringMatching(/^If "issuer" is set explicitly/)] });
    expect((await t.call('GET', 'identity/oidc/config')).body.data).toEqual({ issuer: 'https://id.example.com:1234' });
    expect((await t.call('GET', 'identity/oidc/.well-known/openid-configuration', undefined, null)).body.issuer).toBe('https://id.example.com:1234/v1/identity/oidc');
    expect((await t.call('GET', 'identity/oidc/provider/default')).body.data.issuer).toBe(`${t.apiAddr}/v1/identity/oidc/provider/default`);
    const token = (await t.call('GET', 'identity/oidc/token/r1', undefined, u1)).body.data.token as string;
    expect(decodeJwt(token).iss).toBe('https://id.example.com:1234/v1/identity/oidc');
    expect((await t.call('POST', 'identity/oidc/introspect', { token })).body).toEqual({ active: true });
  });

  it('refuses an invalid issuer, ignores a write without one, and resets with ""', async () => {
    expect(await t.call('POST', 'identity/oidc/config', { issuer: 'https://id.example.com/x' })).toMatchObject(
      vaultError('invalid issuer, which must include only a scheme, host, and optional port (e.g. https://example.com:8200)'),
    );
    expect((await t.call('POST', 'identity/oidc/config', {})).status).toBe(204);
    expect((await t.call('GET', 'identity/oidc/config')).body.data).toEqual({ issuer: 'https://id.example.com:1234' });
    expect((await t.call('POST', 'identity/oidc/config', { issuer: '' })).status).toBe(204);
    expect((await t.call('GET', 'identity/oidc/config')).body.data).toEqual({ issuer: '' });
  });
});
