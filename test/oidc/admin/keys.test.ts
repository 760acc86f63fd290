/** §4.2: named keys — defaults, validation in Vault's order, partial updates, references, rotation, JWKS shapes. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { providerJwks } from '../../../server/oidc/admin/provider_jwks.js';
import { readStoredKey } from '../../../server/oidc/key_store.js';
import { startOidcServer, vaultError, type OidcTestServer } from './fixtures.js';

let t: OidcTestServer;
beforeAll(async () => {
  t = await startOidcServer();
});
afterAll(async () => t.server.destroy());

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const identityJwks = async () => (await t.call('GET', 'identity/oidc/.well-known/keys', undefined, null)).body.keys as Array<Record<string, string>>;

describe('create, read, update', () => {
  it('creates with defaults', async () => {
    expect((await t.call('POST', 'identity/oidc/key/k1', {})).status).toBe(204);
    expect((await t.call('GET', 'identity/oidc/key/k1')).body.data).toEqual({
      algorithm: 'RS256',
      allowed_client_ids: [],
      rotation_period: 86400,
      verification_ttl: 86400,
    });
  });

  it('validates in Vault’s order with Vault’s messages, and stores nothing on failure', async () => {
    expect(await t.call('POST', 'identity/oidc/key/kbad', { rotation_period: '30s' })).toMatchObject(vaultError('rotation_period must be at least one minute'));
    expect(await t.call('POST', 'identity/oidc/key/kbad', { rotation_period: '1m', verification_ttl: '11m' })).toMatchObject(
      vaultError('verification_ttl cannot be longer than 10x rotation_period'),
    );
    expect(await t.call('POST', 'identity/oidc/key/kbad', { algorithm: 'HS256' })).toMatchObject(vaultError('unknown signing algorithm "HS256"'));
    // rotation_period is checked before the algorithm
    expect(await t.call('POST', 'identity/oidc/key/kbad', { algorithm: 'none', rotation_period: 1 })).toMatchObject(
      vaultError('rotation_period must be at least one minute'),
    );
    const negative = await t.call('POST', 'identity/oidc/key/kbad', { rotation_period: -5 });
    expect(negative.status).toBe(400);
    expect(negative.body.errors[0]).toMatch(/^Field validation failed: error converting input -5 for field "rotation_period"/);
    expect((await t.call('GET', 'identity/oidc/key/kbad')).status).toBe(404);

    expect((await t.call('POST', 'identity/oidc/key/kbad', { rotation_period: '1m', verification_ttl: '10m' })).status).toBe(204);
    expect((await t.call('GET', 'identity/oidc/key/kbad')).body.data).toMatchObject({ rotation_period: 60, verification_ttl: 600 });
  });

  it('refuses wrong types with a field validation error', async () => {
    for (const body of [{ rotation_period: { a: 1 } }, { allowed_client_ids: { a: 1 } }, { algorithm: ['RS256'] }, { verification_ttl: 'soon' }]) {
      const res = await t.call('POST', 'identity/oidc/key/ktype', body);
      expect(res.status).toBe(400);
      expect(res.body.errors[0]).toMatch(/^Field validation failed: error converting input .* for field "/);
    }
    expect((await t.call('GET', 'identity/oidc/key/ktype')).status).toBe(404);
  });

  it('updates only the given fields', async () => {
    expect((await t.call('POST', 'identity/oidc/key/k1', { allowed_client_ids: 'a, b' })).status).toBe(204);
    expect((await t.call('GET', 'identity/oidc/key/k1')).body.data).toEqual({
      algorithm: 'RS256',
      allowed_client_ids: ['a', 'b'],
      rotation_period: 86400,
      verification_ttl: 86400,
    });
  });

  it('reads durations back as integer seconds', async () => {
    expect((await t.call('POST', 'identity/oidc/key/k2', { rotation_period: '1d', verification_ttl: 3600 })).status).toBe(204);
    expect((await t.call('GET', 'identity/oidc/key/k2')).body.data).toMatchObject({ rotation_period: 86400, verification_ttl: 3600 });
  });

  it('accepts form-encoded bodies as Vault does', async () => {
    const res = await fetch(`${t.server.url}/v1/identity/oidc/key/kform`, {
      method: 'POST',
      headers: { 'X-Vault-Token': t.server.rootToken, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'algorithm=ES384&allowed_client_ids=x&allowed_client_ids=y',
    });
    expect(res.status).toBe(204);
    expect((await t.call('GET', 'identity/oidc/key/kform')).body.data).toMatchObject({ algorithm: 'ES384', allowed_client_ids: ['x', 'y'] });
  });

  it('lists every key', async () => {
    expect((await t.call('LIST', 'identity/oidc/key')).body.data.keys).toEqual(['default', 'k1', 'k2', 'kbad', 'kform']);
  });
});

describe('references', () => {
  it('refuses to delete a key a client uses', async () => {
    expect((await t.call('POST', 'identity/oidc/key/kc', {})).status).toBe(204);
    expect((await t.call('POST', 'identity/oidc/client/c1', { key: 'kc' })).status).toBe(204);
    expect((await t.call('POST', 'identity/oidc/client/c0', { key: 'kc' })).status).toBe(204);
    expect(await t.call('DELETE', 'identity/oidc/key/kc')).toMatchObject(
      vaultError('unable to delete key "kc" because it is currently referenced by these clients: c0, c1'),
    );
    expect((await t.call('GET', 'identity/oidc/key/kc')).status).toBe(200);
  });

  it('refuses to delete a key a role uses, naming roles before clients', async () => {
    expect((await t.call('POST', 'identity/oidc/role/r1', { key: 'kc' })).status).toBe(204);
    expect(await t.call('DELETE', 'identity/oidc/key/kc')).toMatchObject(
      vaultError('unable to delete key "kc" because it is currently referenced by these roles: r1'),
    );
  });

  it('deletes a key once nothing uses it; deleting a missing key is 204', async () => {
    await t.call('DELETE', 'identity/oidc/role/r1');
    await t.call('DELETE', 'identity/oidc/client/c0');
    await t.call('DELETE', 'identity/oidc/client/c1');
    expect((await t.call('DELETE', 'identity/oidc/key/kc')).status).toBe(204);
    expect((await t.call('GET', 'identity/oidc/key/kc')).status).toBe(404);
    expect((await t.call('DELETE', 'identity/oidc/key/kc')).status).toBe(204);
  });

  it('refuses to lower verification_ttl below a client id_token_ttl or a role ttl', async () => {
    expect((await t.call('POST', 'identity/oidc/key/k3', { rotation_period: '1h', verification_ttl: '1h' })).status).toBe(204);
    expect((await t.call('POST', 'identity/oidc/client/c3', { key: 'k3', id_token_ttl: '1h' })).status).toBe(204);
    expect(await t.call('POST', 'identity/oidc/key/k3', { verification_ttl: '30m' })).toMatchObject(
      vaultError('unable to update key "k3" because it is currently referenced by one or more clients with an id_token_ttl greater than 1800 seconds'),
    );
    expect((await t.call('POST', 'identity/oidc/role/r3', { key: 'k3', ttl: '45m' })).status).toBe(204);
    expect(await t.call('POST', 'identity/oidc/key/k3', { verification_ttl: '30m' })).toMatchObject(
      vaultError('unable to update key "k3" because it is currently referenced by one or more roles with a token ttl greater than 1800 seconds'),
    );
    expect((await t.call('GET', 'identity/oidc/key/k3')).body.data.verification_ttl).toBe(3600);
    // Equal is fine.
    expect((await t.call('POST', 'identity/oidc/key/k3', { verification_ttl: '1h' })).status).toBe(204);
  });

  it('checks the reference rules before the algorithm, as Vault does', async () => {
    expect(await t.call('POST', 'identity/oidc/key/k3', { verification_ttl: '30m', algorithm: 'bogus' })).toMatchObject(
      vaultError('unable to update key "k3" because it is currently referenced by one or more roles with a token ttl greater than 1800 seconds'),
    );
  });
});

describe('concurrent writes', () => {
  it('never ends with a client on a deleted key', async () => {
    for (let i = 0; i < 4; i++) {
      expect((await t.call('POST', `identity/oidc/key/krace${i}`, { algorithm: 'ES256' })).status).toBe(204);
      const [deleted, created] = await Promise.all([
        t.call('DELETE', `identity/oidc/key/krace${i}`),
        t.call('POST', `identity/oidc/client/crace${i}`, { key: `krace${i}` }),
      ]);
      // One of them wins; the loser gets Vault's 400.
      expect([deleted.status, created.status].sort()).toEqual([204, 400]);
      const keyExists = (await t.call('GET', `identity/oidc/key/krace${i}`)).status === 200;
      const clientExists = (await t.call('GET', `identity/oidc/client/crace${i}`)).status === 200;
      expect(keyExists).toBe(clientExists);
      await t.call('DELETE', `identity/oidc/client/crace${i}`);
    }
  });
});

describe('rotation and the identity-token JWKS', () => {
  it('refuses to rotate a missing key', async () => {
    expect(await t.call('POST', 'identity/oidc/key/nope/rotate')).toMatchObject(vaultError('no named key found at "nope"'));
  });

  it('publishes two key pairs per key, one more per rotation', async () => {
    await t.call('DELETE', 'identity/oidc/role/r3');
    expect(await identityJwks()).toEqual([]);
    expect((await t.call('POST', 'identity/oidc/key/kr', { allowed_client_ids: '*' })).status).toBe(204);
    expect((await t.call('POST', 'identity/oidc/role/rr', { key: 'kr' })).status).toBe(204);
    expect(await identityJwks()).toHaveLength(2);
    expect((await t.call('POST', 'identity/oidc/key/kr/rotate')).status).toBe(204);
    expect(await identityJwks()).toHaveLength(3);
    expect((await t.call('POST', 'identity/oidc/key/kr/rotate', { verification_ttl: '2h' })).status).toBe(204);
    const keys = await identityJwks();
    expect(keys).toHaveLength(4);
    expect(new Set(keys.map((k) => k.kid)).size).toBe(4);
    for (const key of keys) {
      expect(key.kid).toMatch(UUID);
      expect(key).toMatchObject({ use: 'sig', alg: 'RS256', kty: 'RSA', e: 'AQAB' });
      expect(key).not.toHaveProperty('d');
    }
  });

  it('publishes EC keys with their curve', async () => {
    expect((await t.call('POST', 'identity/oidc/key/ke', { algorithm: 'ES256', allowed_client_ids: '*' })).status).toBe(204);
    expect((await t.call('POST', 'identity/oidc/role/re', { key: 'ke' })).status).toBe(204);
    const ec = (await identityJwks()).filter((k) => k.alg === 'ES256');
    expect(ec).toHaveLength(2);
    for (const key of ec) {
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', use: 'sig' });
      expect(typeof key.x).toBe('string');
      expect(typeof key.y).toBe('string');
      expect(key).not.toHaveProperty('n');
      expect(key).not.toHaveProperty('d');
    }
  });

  it('does not publish keys used only by provider clients', async () => {
    expect((await t.call('POST', 'identity/oidc/key/kp', { allowed_client_ids: '*' })).status).toBe(204);
    expect((await t.call('POST', 'identity/oidc/client/cp', { key: 'kp' })).status).toBe(204);
    const stored = await readStoredKey(t.server.runtime.services, 'kp');
    const kpKids = [stored?.current?.kid, stored?.next?.kid];
    expect(kpKids.every((kid) => typeof kid === 'string')).toBe(true);
    const providerKids = (await providerJwks(t.server.runtime.services, 'default'))?.keys.map((k) => k.kid);
    expect(providerKids).toEqual(expect.arrayContaining(kpKids));
    const identityKids = (await identityJwks()).map((k) => k.kid);
    for (const kid of kpKids) expect(identityKids).not.toContain(kid);
  });

  it('changes key pairs when the algorithm changes', async () => {
    const before = (await identityJwks()).filter((k) => k.alg === 'ES256').map((k) => k.kid);
    expect((await t.call('POST', 'identity/oidc/key/ke', { algorithm: 'EdDSA' })).status).toBe(204);
    const after = await identityJwks();
    const okp = after.filter((k) => k.alg === 'EdDSA');
    expect(okp).toHaveLength(2);
    for (const key of okp) expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', use: 'sig' });
    expect(okp.map((k) => k.kid).some((kid) => before.includes(kid))).toBe(false);
  });
});
