/** Entities over HTTP: Vault's create/update split, read shape, lists, bad input, tokens of deleted or disabled entities. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { identityPaths } from '../../server/identity/routes/index.js';
import { api, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
// Starts at the real time: storage judges record expiry by the real clock.
let clock = Date.now();
beforeAll(async () => {
  server = await startTestServer({ now: () => clock, features: { vaultPaths: [identityPaths] } });
});
afterAll(async () => server.destroy());

const call = (method: string, path: string, body?: unknown, token?: string | null) => api(server, method, `/v1/${path}`, body, token);

async function createEntity(body: Record<string, unknown>): Promise<{ id: string; name: string }> {
  const res = await call('POST', 'identity/entity', body);
  expect(res.status).toBe(200);
  return res.body.data;
}

async function tokenFor(entityId: string, policies: string[] = ['default']): Promise<string> {
  const res = await call('POST', 'auth/token/create', { entity_id: entityId, policies });
  expect(res.status).toBe(200);
  return res.body.auth.client_token;
}

describe('create and read', () => {
  it('creates with 200 {id, name, aliases: null} and reads back Vault’s shape', async () => {
    const res = await call('POST', 'identity/entity', { name: 'alice', metadata: { email: 'alice@example.com', phone_number: '123' }, policies: ['p2', 'p1', 'p1'] });
    expect(res.status).toBe(200);
    expect(res.body.mount_type).toBe('identity');
    expect(Object.keys(res.body.data).sort()).toEqual(['aliases', 'id', 'name']);
    expect(res.body.data).toMatchObject({ name: 'alice', aliases: null });
    expect(res.body.data.id).toMatch(/^[0-9a-f-]{36}$/);

    const read = await call('GET', `identity/entity/id/${res.body.data.id}`);
    expect(read.status).toBe(200);
    expect(read.body.data).toEqual({
      aliases: [],
      creation_time: new Date(clock).toISOString(),
      direct_group_ids: [],
      disabled: false,
      group_ids: [],
      id: res.body.data.id,
      inherited_group_ids: [],
      last_update_time: new Date(clock).toISOString(),
      merged_entity_ids: null,
      metadata: { email: 'alice@example.com', phone_number: '123' },
      mfa_secrets: {},
      name: 'alice',
      namespace_id: 'root',
      policies: ['p1', 'p2'],
    });
    const byName = await call('GET', 'identity/entity/name/alice');
    expect(byName.body.data).toEqual(read.body.data);
  });

  it('accepts metadata as a k=v list and finds names regardless of case', async () => {
    const { id } = await createEntity({ name: 'Carol', metadata: ['team=ops', 'floor=3'] });
    const read = await call('GET', 'identity/entity/name/carol');
    expect(read.status).toBe(200);
    expect(read.body.data).toMatchObject({ id, name: 'Carol', metadata: { team: 'ops', floor: '3' } });
  });

  it('generates entity_<8 hex> names and renders empty metadata as null', async () => {
    const { id, name } = await createEntity({});
    expect(name).toMatch(/^entity_[0-9a-f]{8}$/);
    const read = await call('GET', `identity/entity/id/${id}`);
    expect(read.body.data.metadata).toBeNull();
  });

  it('answers 404 with no errors for unknown ids and names', async () => {
    for (const path of ['identity/entity/id/00000000-0000-0000-0000-000000000000', 'identity/entity/name/nobody']) {
      const res = await call('GET', path);
      expect(res).toMatchObject({ status: 404, body: { errors: [] } });
    }
  });
});

describe('update', () => {
  it('updates an existing name with 204, keeping what was not sent', async () => {
    const { id } = await createEntity({ name: 'dave', metadata: { a: '1' }, policies: ['p1'] });
    clock += 60_000;
    const res = await call('POST', 'identity/entity', { name: 'dave', policies: ['p3'] });
    expect(res.status).toBe(204);
    expect(res.body).toBeUndefined();
    const read = (await call('GET', `identity/entity/id/${id}`)).body.data;
    expect(read).toMatchObject({ policies: ['p3'], metadata: { a: '1' }, last_update_time: new Date(clock).toISOString() });
    expect(read.creation_time).not.toBe(read.last_update_time);
  });

  it('updates by id path, renames, and refuses a name in use', async () => {
    const { id } = await createEntity({ name: 'erin' });
    expect((await call('POST', `identity/entity/id/${id}`, { name: 'erin2', disabled: true })).status).toBe(204);
    expect((await call('GET', 'identity/entity/name/erin2')).body.data).toMatchObject({ id, disabled: true });
    expect((await call('GET', 'identity/entity/name/erin')).status).toBe(404);

    const clash = await call('POST', `identity/entity/id/${id}`, { name: 'alice' });
    expect(clash).toMatchObject({ status: 400, body: { errors: ['entity name is already in use'] } });
    expect((await call('GET', `identity/entity/id/${id}`)).body.data.name).toBe('erin2');
  });

  it('creates through the name path when the name is new and updates it when it exists', async () => {
    const created = await call('POST', 'identity/entity/name/frank', { policies: ['x'] });
    expect(created.status).toBe(200);
    expect(created.body.data.name).toBe('frank');
    const updated = await call('POST', 'identity/entity/name/frank', { policies: ['y'] });
    expect(updated.status).toBe(204);
    expect((await call('GET', 'identity/entity/name/frank')).body.data.policies).toEqual(['y']);
  });

  it('refuses an unknown id on the id path and in the body', async () => {
    const unknown = '11111111-1111-1111-1111-111111111111';
    expect(await call('POST', `identity/entity/id/${unknown}`, { policies: ['x'] })).toMatchObject({ status: 400, body: { errors: ['entity not found from id'] } });
    expect(await call('POST', 'identity/entity', { id: unknown, name: 'ghost' })).toMatchObject({ status: 400 });
    expect((await call('GET', 'identity/entity/name/ghost')).status).toBe(404);
  });
});

describe('lists', () => {
  it('lists ids with key_info and names', async () => {
    const ids = await call('GET', 'identity/entity/id?list=true');
    expect(ids.status).toBe(200);
    const alice = (await call('GET', 'identity/entity/name/alice')).body.data;
    expect(ids.body.data.keys).toContain(alice.id);
    expect(ids.body.data.key_info[alice.id]).toEqual({ name: 'alice' });
    const viaVerb = await call('LIST', 'identity/entity/id');
    expect(viaVerb.body.data.keys).toEqual(ids.body.data.keys);
    const names = await call('GET', 'identity/entity/name?list=true');
    expect(names.body.data.keys).toEqual([...names.body.data.keys].sort());
    expect(names.body.data.keys).toEqual(expect.arrayContaining(['alice', 'Carol', 'dave']));
  });
});

describe('bad input changes nothing', () => {
  const rejected: Array<[string, Record<string, unknown>, RegExp]> = [
    ['wrong type for policies', { name: 'bad1', policies: { a: 1 } }, /Field validation failed/],
    ['wrong type for disabled', { name: 'bad2', disabled: 'maybe' }, /Field validation failed/],
    ['metadata that is not k=v', { name: 'bad3', metadata: ['novalue'] }, /Field validation failed/],
    ['too many metadata pairs', { name: 'bad4', metadata: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])) }, /more than 64/],
    ['a huge metadata value', { name: 'bad5', metadata: { k: 'v'.repeat(10_000) } }, /longer than 512/],
    ['a metadata key with spaces', { name: 'bad6', metadata: { 'a b': 'v' } }, /key "a b" is invalid/],
    ['a name with a slash', { name: 'a/b' }, /invalid entity name/],
    ['a name with spaces', { name: 'a b' }, /invalid entity name/],
    ['a very long name', { name: 'n'.repeat(200) }, /invalid entity name/],
    ['the root policy', { name: 'bad7', policies: ['default', 'Root'] }, /policies cannot contain root/],
  ];
  it.each(rejected)('refuses %s with 400', async (_what, body, message) => {
    const before = (await call('GET', 'identity/entity/id?list=true')).body.data.keys;
    const res = await call('POST', 'identity/entity', body);
    expect(res.status).toBe(400);
    expect(res.body.errors.join(' ')).toMatch(message);
    expect((await call('GET', 'identity/entity/id?list=true')).body.data.keys).toEqual(before);
  });

  it('refuses a bad update and keeps the stored entity', async () => {
    const before = (await call('GET', 'identity/entity/name/alice')).body.data;
    expect((await call('POST', 'identity/entity/name/alice', { policies: ['root'] })).status).toBe(400);
    expect((await call('POST', 'identity/entity/name/alice', { metadata: { k: 'v'.repeat(600) } })).status).toBe(400);
    expect((await call('GET', 'identity/entity/name/alice')).body.data).toEqual(before);
  });

  it('refuses malformed JSON and does not route bad path names', async () => {
    const res = await fetch(`${server.url}/v1/identity/entity`, {
      method: 'POST',
      headers: { 'X-Vault-Token': server.rootToken, 'Content-Type': 'application/json' },
      body: '{"name":',
    });
    expect(res.status).toBe(400);
    expect((await call('GET', 'identity/entity/name/-bad')).status).toBe(404);
    expect((await call('GET', 'identity/entity/name/a%20b')).status).toBe(400);
  });
});

describe('tokens and policies', () => {
  it('makes a disabled entity’s tokens unusable and usable again when re-enabled', async () => {
    const { id } = await createEntity({ name: 'gina' });
    const token = await tokenFor(id);
    expect((await call('GET', 'auth/token/lookup-self', undefined, token)).status).toBe(200);
    expect((await call('POST', `identity/entity/id/${id}`, { disabled: true })).status).toBe(204);
    expect(await call('GET', 'auth/token/lookup-self', undefined, token)).toMatchObject({ status: 403, body: { errors: ['permission denied'] } });
    expect((await call('POST', `identity/entity/id/${id}`, { disabled: false })).status).toBe(204);
    expect((await call('GET', 'auth/token/lookup-self', undefined, token)).status).toBe(200);
  });

  it('revokes the tokens of a deleted entity and takes it out of its groups', async () => {
    const { id } = await createEntity({ name: 'hank' });
    const token = await tokenFor(id);
    const accessor = (await call('GET', 'auth/token/lookup-self', undefined, token)).body.data.accessor;
    const groupRes = await call('POST', 'identity/group', { name: 'hank-team', member_entity_ids: [id] });
    expect(groupRes.status).toBe(200);

    expect((await call('DELETE', 'identity/entity/name/hank')).status).toBe(204);
    expect((await call('GET', `identity/entity/id/${id}`)).status).toBe(404);
    expect((await call('POST', 'auth/token/lookup-accessor', { accessor })).status).toBe(400);
    expect((await call('GET', 'auth/token/lookup-self', undefined, token)).status).toBe(403);
    const group = (await call('GET', `identity/group/id/${groupRes.body.data.id}`)).body.data;
    expect(group.member_entity_ids).toEqual([]);
    expect((await call('DELETE', `identity/entity/id/${id}`)).status).toBe(204);
  });

  it('deletes what features keep per entity with it: TOTP secrets, passkeys, the upstream SSO session', async () => {
    const { id } = await createEntity({ name: 'owned-records' });
    const { storage } = server.runtime.services;
    await storage.put('mfa_totp_secret', `m1:${id}`, { method_id: 'm1', entity_id: id });
    await storage.put('passkey', 'pk-owned', { entity_id: id, credential_id: 'cred-owned' });
    await storage.put('sso_upstream_session', id, { refresh_token: 'sealed', validated_at: 0 });
    await storage.put('passkey', 'pk-other', { entity_id: 'someone-else', credential_id: 'cred-other' });
    expect((await call('DELETE', `identity/entity/id/${id}`)).status).toBe(204);
    expect(await storage.get('mfa_totp_secret', `m1:${id}`)).toBeUndefined();
    expect(await storage.get('passkey', 'pk-owned')).toBeUndefined();
    expect(await storage.get('sso_upstream_session', id)).toBeUndefined();
    expect(await storage.get('passkey', 'pk-other')).toBeDefined();
  });

  it('lets a default-policy token read its own entity but not write entities', async () => {
    const { id } = await createEntity({ name: 'ivan' });
    const token = await tokenFor(id);
    expect((await call('GET', `identity/entity/id/${id}`, undefined, token)).status).toBe(200);
    expect((await call('GET', 'identity/entity/name/ivan', undefined, token)).status).toBe(200);
    const alice = (await call('GET', 'identity/entity/name/alice')).body.data;
    expect((await call('GET', `identity/entity/id/${alice.id}`, undefined, token)).status).toBe(403);
    for (const [method, path, body] of [
      ['POST', 'identity/entity', { name: 'mallory' }],
      ['POST', `identity/entity/id/${id}`, { policies: ['admin'] }],
      ['POST', 'identity/entity/name/ivan', { disabled: true }],
      ['DELETE', `identity/entity/id/${alice.id}`, undefined],
      ['GET', 'identity/entity/id?list=true', undefined],
    ] as const) {
      expect((await call(method, path, body, token)).status).toBe(403);
    }
    expect((await call('GET', 'identity/entity/name/mallory')).status).toBe(404);
    expect((await call('GET', `identity/entity/id/${id}`)).body.data).toMatchObject({ policies: [], disabled: false });
  });

  it('adds entity policies to the token as identity policies', async () => {
    await call('PUT', 'sys/policies/acl/entity-reader', { policy: 'path "identity/entity/*" { capabilities = ["read", "list"] }' });
    const { id } = await createEntity({ name: 'judy', policies: ['entity-reader'] });
    const token = await tokenFor(id);
    const self = await call('GET', 'auth/token/lookup-self', undefined, token);
    expect(self.body.data.identity_policies).toEqual(['entity-reader']);
    expect((await call('GET', 'identity/entity/id?list=true', undefined, token)).status).toBe(200);
  });
});
