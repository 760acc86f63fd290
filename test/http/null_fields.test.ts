/**
 * JSON `null` means "not given" for every admin field, as in Vault's framework: the bodies hvac
 * sends with its default (None) arguments are accepted and behave as if the field were absent.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { api, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.destroy());

const call = (method: string, path: string, body?: unknown, token?: string | null) => api(server, method, `/v1/${path}`, body, token);

describe('null fields', () => {
  it('creates a group from hvac create_or_update_group defaults', async () => {
    const res = await call('POST', 'identity/group', {
      name: 'nulls',
      type: 'internal',
      metadata: null,
      policies: null,
      member_group_ids: null,
      member_entity_ids: null,
    });
    expect(res.status).toBe(200);
    const read = await call('GET', 'identity/group/name/nulls');
    expect(read.body.data).toMatchObject({ name: 'nulls', policies: [], member_entity_ids: [], metadata: null });
  });

  it('leaves a field unchanged when an update sends null for it', async () => {
    const created = await call('POST', 'identity/group', { name: 'keeps', policies: ['p1'] });
    expect(created.status).toBe(200);
    expect((await call('POST', 'identity/group/name/keeps', { policies: null, member_group_ids: null })).status).toBe(204);
    expect((await call('GET', 'identity/group/name/keeps')).body.data.policies).toEqual(['p1']);
  });

  it('creates a token with meta and policies null', async () => {
    const res = await call('POST', 'auth/token/create', { meta: null, policies: null, ttl: null, display_name: null });
    expect(res.status).toBe(200);
    expect(res.body.auth.policies).toEqual(['root']);
    expect(res.body.auth.metadata).toBeNull();
  });

  it('creates an OIDC client with redirect_uris null', async () => {
    expect((await call('POST', 'identity/oidc/key/k-null', { allowed_client_ids: ['*'] })).status).toBe(204);
    const res = await call('POST', 'identity/oidc/client/c-null', { key: 'k-null', redirect_uris: null, assignments: null });
    expect(res.status).toBe(204);
    expect((await call('GET', 'identity/oidc/client/c-null')).body.data.redirect_uris).toEqual([]);
  });

  it('still refuses a value of the wrong type', async () => {
    const res = await call('POST', 'identity/group', { name: 'bad', policies: { a: 1 } });
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatch(/error converting input object for field "policies"/);
  });
});
