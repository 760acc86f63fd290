/** §4.5: clients — generated credentials, immutable key and type, TTL rule, references, normalisation, list key_info. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { providerJwks } from '../../../server/oidc/admin/provider_jwks.js';
import { readStoredKey } from '../../../server/oidc/key_store.js';
import { startOidcServer, vaultError, type OidcTestServer } from './fixtures.js';

let t: OidcTestServer;
beforeAll(async () => {
  t = await startOidcServer();
});
afterAll(async () => t.server.destroy());

const RU = 'https://app.example.com/cb';

describe('confidential and public clients', () => {
  it('creates a confidential client with Vault’s defaults and generated credentials', async () => {
    expect((await t.call('POST', 'identity/oidc/client/c0', { redirect_uris: [RU], assignments: ['allow_all'] })).status).toBe(204);
    const { data } = (await t.call('GET', 'identity/oidc/client/c0')).body;
    expect(data.client_id).toMatch(/^[0-9A-Za-z]{32}$/);
    expect(data.client_secret).toMatch(/^hvo_secret_[0-9A-Za-z]{64}$/);
    expect(data).toEqual({
      client_id: data.client_id,
      client_secret: data.client_secret,
      client_type: 'confidential',
      key: 'default',
      id_token_ttl: 86400,
      access_token_ttl: 86400,
      redirect_uris: [RU],
      assignments: ['allow_all'],
      post_logout_redirect_uris: [],
      grant_types: ['authorization_code', 'refresh_token'],
      access_token_format: 'opaque',
      backchannel_logout_uri: '',
      backchannel_logout_session_required: false,
    });
  });

  it('makes the default key’s key pairs when the first client uses it', async () => {
    const stored = await readStoredKey(t.server.runtime.services, 'default');
    expect(stored?.current).not.toBeNull();
    expect(stored?.next).not.toBeNull();
    const jwks = await providerJwks(t.server.runtime.services, 'default');
    expect(jwks?.keys.map((k) => k.kid).sort()).toEqual([stored?.current?.kid, stored?.next?.kid].sort());
  });

  it('creates a public client without a secret', async () => {
    const res = await t.call('POST', 'identity/oidc/client/pub', {
      client_type: 'public',
      assignments: 'allow_all',
      redirect_uris: 'http://127.0.0.1:8250/cb',
    });
    expect(res.status).toBe(204);
    const { data } = (await t.call('GET', 'identity/oidc/client/pub')).body;
    expect(data).toMatchObject({ client_type: 'public', redirect_uris: ['http://127.0.0.1:8250/cb'], assignments: ['allow_all'] });
    expect(data.client_id).toMatch(/^[0-9A-Za-z]{32}$/);
    expect(data).not.toHaveProperty('client_secret');
  });

  it('refuses an unknown client_type', async () => {
    expect(await t.call('POST', 'identity/oidc/client/cx', { client_type: 'spa' })).toMatchObject(vaultError('invalid client_type "spa"'));
    expect((await t.call('GET', 'identity/oidc/client/cx')).status).toBe(404);
  });
});

describe('immutable and referenced fields', () => {
  it('does not let client_type change, checked before its value', async () => {
    expect(await t.call('POST', 'identity/oidc/client/c0', { client_type: 'public' })).toMatchObject(vaultError('client_type modification is not allowed'));
    expect(await t.call('POST', 'identity/oidc/client/c0', { client_type: 'spa' })).toMatchObject(vaultError('client_type modification is not allowed'));
    expect((await t.call('POST', 'identity/oidc/client/c0', { client_type: 'confidential' })).status).toBe(204);
  });

  it('does not let the key change', async () => {
    expect((await t.call('POST', 'identity/oidc/key/k1', { allowed_client_ids: '*' })).status).toBe(204);
    expect(await t.call('POST', 'identity/oidc/client/c0', { key: 'k1' })).toMatchObject(vaultError('key modification is not allowed'));
    expect((await t.call('POST', 'identity/oidc/client/c0', { key: 'default' })).status).toBe(204);
    expect((await t.call('GET', 'identity/oidc/client/c0')).body.data.key).toBe('default');
  });

  it('needs an existing key, checked after the assignments', async () => {
    expect(await t.call('POST', 'identity/oidc/client/cy', { key: 'nope' })).toMatchObject(vaultError('key "nope" does not exist'));
    expect(await t.call('POST', 'identity/oidc/client/cy', { assignments: ['nope'], key: 'nope' })).toMatchObject(
      vaultError('assignment "nope" does not exist'),
    );
    expect(await t.call('POST', 'identity/oidc/client/cy', { key: '' })).toMatchObject(vaultError('the key parameter is required'));
    expect((await t.call('GET', 'identity/oidc/client/cy')).status).toBe(404);
  });

  it('keeps id_token_ttl within the key’s verification_ttl', async () => {
    expect((await t.call('POST', 'identity/oidc/key/kshort', { rotation_period: '1m', verification_ttl: '1m' })).status).toBe(204);
    expect(await t.call('POST', 'identity/oidc/client/cz', { key: 'kshort' })).toMatchObject(
      vaultError("a client's id_token_ttl cannot be greater than the verification_ttl of the key it references"),
    );
    expect((await t.call('GET', 'identity/oidc/client/cz')).status).toBe(404);
    expect((await t.call('POST', 'identity/oidc/client/cz', { key: 'kshort', id_token_ttl: '60' })).status).toBe(204);
    expect(await t.call('POST', 'identity/oidc/client/cz', { id_token_ttl: '61s' })).toMatchObject({ status: 400 });
    expect((await t.call('GET', 'identity/oidc/client/cz')).body.data.id_token_ttl).toBe(60);
  });
});

describe('stored shape', () => {
  it('deduplicates and sorts redirect URIs and assignments', async () => {
    const res = await t.call('POST', 'identity/oidc/client/cd', {
      redirect_uris: ['http://b/cb', 'http://a/cb', 'http://b/cb'],
      assignments: ['allow_all', 'allow_all'],
    });
    expect(res.status).toBe(204);
    expect((await t.call('GET', 'identity/oidc/client/cd')).body.data).toMatchObject({
      redirect_uris: ['http://a/cb', 'http://b/cb'],
      assignments: ['allow_all'],
    });
  });

  it('keeps credentials and unchanged fields on a partial update', async () => {
    const before = (await t.call('GET', 'identity/oidc/client/c0')).body.data;
    expect((await t.call('POST', 'identity/oidc/client/c0', { id_token_ttl: '30', redirect_uris: 'http://x/cb' })).status).toBe(204);
    const after = (await t.call('GET', 'identity/oidc/client/c0')).body.data;
    expect(after).toEqual({ ...before, id_token_ttl: 30, redirect_uris: ['http://x/cb'] });
  });

  it('accepts post_logout_redirect_uris (Lanyard extension) and refuses ones that are not URLs', async () => {
    expect((await t.call('POST', 'identity/oidc/client/c0', { post_logout_redirect_uris: ['https://b.example/out', 'https://a.example/out'] })).status).toBe(204);
    expect((await t.call('GET', 'identity/oidc/client/c0')).body.data.post_logout_redirect_uris).toEqual(['https://a.example/out', 'https://b.example/out']);
    for (const bad of ['not a url', 'javascript:alert(1)', 'https://a.example/out#frag']) {
      expect((await t.call('POST', 'identity/oidc/client/c0', { post_logout_redirect_uris: [bad] })).status).toBe(400);
    }
    expect((await t.call('GET', 'identity/oidc/client/c0')).body.data.post_logout_redirect_uris).toEqual(['https://a.example/out', 'https://b.example/out']);
  });

  it('refuses wrong types and changes nothing', async () => {
    const before = (await t.call('GET', 'identity/oidc/client/c0')).body.data;
    for (const body of [{ redirect_uris: { a: 1 } }, { id_token_ttl: 'forever' }, { key: ['default'] }, { assignments: [{ a: 1 }] }]) {
      const res = await t.call('POST', 'identity/oidc/client/c0', body);
      expect(res.status).toBe(400);
      expect(res.body.errors[0]).toMatch(/^Field validation failed: /);
    }
    expect((await t.call('GET', 'identity/oidc/client/c0')).body.data).toEqual(before);
  });

  it('lists names with key_info and never the secret', async () => {
    const res = await t.call('LIST', 'identity/oidc/client');
    expect(res.status).toBe(200);
    expect(res.body.data.keys).toEqual(['c0', 'cd', 'cz', 'pub']);
    for (const name of res.body.data.keys as string[]) {
      const info = res.body.data.key_info[name];
      expect(Object.keys(info).sort()).toEqual(
        [
          'access_token_format',
          'access_token_ttl',
          'assignments',
          'backchannel_logout_session_required',
          'backchannel_logout_uri',
          'client_id',
          'client_type',
          'grant_types',
          'id_token_ttl',
          'key',
          'post_logout_redirect_uris',
          'redirect_uris',
        ],
      );
    }
    expect(JSON.stringify(res.body)).not.toContain('hvo_secret_');
  });

  it('deletes without reference checks, leaving provider allow-lists as they are', async () => {
    const clientId = (await t.call('GET', 'identity/oidc/client/cd')).body.data.client_id as string;
    expect((await t.call('POST', 'identity/oidc/provider/pp', { allowed_client_ids: clientId })).status).toBe(204);
    expect((await t.call('DELETE', 'identity/oidc/client/cd')).status).toBe(204);
    expect((await t.call('GET', 'identity/oidc/client/cd')).status).toBe(404);
    expect((await t.call('GET', 'identity/oidc/provider/pp')).body.data.allowed_client_ids).toEqual([clientId]);
  });
});
