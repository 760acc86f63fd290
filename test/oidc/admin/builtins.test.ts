/** §4.1: the built-in key, provider and assignment, LIST semantics, and the token requirement. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { providerJwks } from '../../../server/oidc/admin/provider_jwks.js';
import { ensureOidcBuiltins } from '../../../server/oidc/builtins.js';
import { readStoredKey } from '../../../server/oidc/key_store.js';
import { startOidcServer, vaultError, type OidcTestServer } from './fixtures.js';

let t: OidcTestServer;
beforeAll(async () => {
  t = await startOidcServer();
});
afterAll(async () => t.server.destroy());

describe('a fresh server', () => {
  it('lists the default key in a Vault envelope', async () => {
    const res = await t.call('LIST', 'identity/oidc/key');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ data: { keys: ['default'] }, mount_type: 'identity', lease_id: '', renewable: false, warnings: null });
    expect((await t.call('GET', 'identity/oidc/key?list=true')).body.data).toEqual({ keys: ['default'] });
  });

  it('has the default key as Vault configures it, without key pairs yet', async () => {
    const res = await t.call('GET', 'identity/oidc/key/default');
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ algorithm: 'RS256', allowed_client_ids: ['*'], rotation_period: 86400, verification_ttl: 86400 });
    const stored = await readStoredKey(t.server.runtime.services, 'default');
    expect(stored).toMatchObject({ current: null, next: null, previous: [] });
  });

  it('lists the default provider with its effective issuer', async () => {
    const res = await t.call('GET', 'identity/oidc/provider?list=true');
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({
      keys: ['default'],
      key_info: { default: { issuer: `${t.apiAddr}/v1/identity/oidc/provider/default`, allowed_client_ids: ['*'], scopes_supported: [] } },
    });
  });

  it('has the allow_all assignment', async () => {
    expect((await t.call('GET', 'identity/oidc/assignment/allow_all')).body.data).toEqual({ entity_ids: ['*'], group_ids: ['*'] });
    expect((await t.call('LIST', 'identity/oidc/assignment')).body.data).toEqual({ keys: ['allow_all'] });
  });

  it('answers empty lists with 404 and no errors', async () => {
    for (const path of ['identity/oidc/scope', 'identity/oidc/client', 'identity/oidc/role']) {
      expect(await t.call('LIST', path)).toMatchObject({ status: 404, body: { errors: [] } });
      expect(await t.call('GET', `${path}?list=true`)).toMatchObject({ status: 404, body: { errors: [] } });
    }
  });

  it('publishes no provider keys until a client uses the default key', async () => {
    expect(await providerJwks(t.server.runtime.services, 'default')).toEqual({ keys: [] });
    expect(await providerJwks(t.server.runtime.services, 'nope')).toBeUndefined();
  });
});

describe('built-ins are protected', () => {
  it('refuses to delete the default provider and key', async () => {
    expect(await t.call('DELETE', 'identity/oidc/provider/default')).toMatchObject(vaultError('deletion of OIDC provider "default" not allowed'));
    expect(await t.call('DELETE', 'identity/oidc/key/default')).toMatchObject(vaultError('deletion of key "default" not allowed'));
    expect((await t.call('GET', 'identity/oidc/provider/default')).status).toBe(200);
    expect((await t.call('GET', 'identity/oidc/key/default')).status).toBe(200);
  });

  it('refuses to change or delete allow_all', async () => {
    expect(await t.call('POST', 'identity/oidc/assignment/allow_all', { entity_ids: ['x'] })).toMatchObject(
      vaultError('modification of assignment "allow_all" not allowed'),
    );
    expect(await t.call('DELETE', 'identity/oidc/assignment/allow_all')).toMatchObject(vaultError('deletion of assignment "allow_all" not allowed'));
    expect((await t.call('GET', 'identity/oidc/assignment/allow_all')).body.data).toEqual({ entity_ids: ['*'], group_ids: ['*'] });
  });

  it('lets the default provider and key be modified, and keeps the changes when built-ins are ensured again', async () => {
    expect((await t.call('POST', 'identity/oidc/provider/default', { allowed_client_ids: 'a' })).status).toBe(204);
    expect((await t.call('POST', 'identity/oidc/key/default', { allowed_client_ids: 'a' })).status).toBe(204);
    await ensureOidcBuiltins(t.server.runtime.services);
    expect((await t.call('GET', 'identity/oidc/provider/default')).body.data.allowed_client_ids).toEqual(['a']);
    expect((await t.call('GET', 'identity/oidc/key/default')).body.data.allowed_client_ids).toEqual(['a']);
    await t.call('POST', 'identity/oidc/provider/default', { allowed_client_ids: '*' });
    await t.call('POST', 'identity/oidc/key/default', { allowed_client_ids: '*' });
  });
});

describe('missing things and missing tokens', () => {
  it('reads a missing client as 404 and deletes it as 204', async () => {
    expect(await t.call('GET', 'identity/oidc/client/nope')).toMatchObject({ status: 404, body: { errors: [] } });
    const deleted = await t.call('DELETE', 'identity/oidc/client/nope');
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeUndefined();
  });

  it('needs a token for every admin path', async () => {
    for (const path of ['identity/oidc/key/default', 'identity/oidc/provider/default', 'identity/oidc/config', 'identity/oidc/token/r1']) {
      expect(await t.call('GET', path, undefined, null)).toMatchObject({ status: 403, body: { errors: ['permission denied'] } });
    }
    expect((await t.call('POST', 'identity/oidc/key/k1', {}, null)).status).toBe(403);
    expect((await t.call('GET', 'identity/oidc/key/k1')).status).toBe(404);
  });

  it('does not route names outside Vault’s name pattern', async () => {
    for (const name of ['-bad', 'bad-', '.x']) {
      expect((await t.call('POST', `identity/oidc/key/${name}`, {})).status).toBe(404);
    }
    // Percent-encoding is refused before routing, so it never reaches the name pattern.
    expect((await t.call('POST', 'identity/oidc/key/a%20b', {})).status).toBe(400);
    expect(await t.call('LIST', 'identity/oidc/key')).toMatchObject({ body: { data: { keys: ['default'] } } });
  });
});
