/** Entity aliases and `sys/auth` over HTTP: mount accessors, uniqueness, moves, shapes, bad input. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { identityPaths } from '../../server/identity/routes/index.js';
import { api, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let userpass: string;
let oidc: string;
beforeAll(async () => {
  server = await startTestServer({ features: { vaultPaths: [identityPaths] } });
  const mounts = (await call('GET', 'sys/auth')).body.data;
  userpass = mounts['userpass/'].accessor;
  oidc = mounts['oidc/'].accessor;
});
afterAll(async () => server.destroy());

const call = (method: string, path: string, body?: unknown, token?: string | null) => api(server, method, `/v1/${path}`, body, token);

async function entity(name: string): Promise<string> {
  const res = await call('POST', 'identity/entity', { name });
  expect(res.status).toBe(200);
  return res.body.data.id;
}

async function aliasIds(): Promise<string[]> {
  const res = await call('GET', 'identity/entity-alias/id?list=true');
  return res.status === 404 ? [] : res.body.data.keys;
}

describe('sys/auth', () => {
  it('lists the instance’s auth mounts Vault-style, at the top level and under data', async () => {
    const res = await call('GET', 'sys/auth');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.data).sort()).toEqual(['oidc-auth/', 'oidc/', 'token/', 'userpass/']);
    expect(res.body.data['userpass/']).toMatchObject({ type: 'userpass', local: false, seal_wrap: false, options: null });
    expect(res.body.data['userpass/'].accessor).toMatch(/^auth_userpass_[0-9a-z]{8}$/);
    expect(res.body['userpass/']).toEqual(res.body.data['userpass/']);
    expect(res.body.mount_type).toBe('system');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('needs a token allowed to read it', async () => {
    expect((await call('GET', 'sys/auth', undefined, null)).status).toBe(403);
  });
});

describe('create, read, list', () => {
  it('creates an alias on an entity and shows it in the entity and alias reads', async () => {
    const canonical = await entity('alice');
    const res = await call('POST', 'identity/entity-alias', { name: 'alice', mount_accessor: userpass, canonical_id: canonical, custom_metadata: { team: 'eng' } });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), canonical_id: canonical });
    const aliasId = res.body.data.id;

    const read = await call('GET', `identity/entity-alias/id/${aliasId}`);
    expect(read.status).toBe(200);
    expect(read.body.data).toEqual({
      canonical_id: canonical,
      creation_time: expect.any(String),
      custom_metadata: { team: 'eng' },
      id: aliasId,
      last_update_time: expect.any(String),
      local: false,
      merged_from_canonical_ids: null,
      metadata: null,
      mount_accessor: userpass,
      mount_path: 'auth/userpass/',
      mount_type: 'userpass',
      name: 'alice',
      namespace_id: 'root',
    });
    const { namespace_id: _ns, ...inEntity } = read.body.data;
    const owner = (await call('GET', `identity/entity/id/${canonical}`)).body.data;
    expect(owner.aliases).toEqual([inEntity]);

    const list = await call('GET', 'identity/entity-alias/id?list=true');
    expect(list.body.data.keys).toContain(aliasId);
    expect(list.body.data.key_info[aliasId]).toEqual({
      canonical_id: canonical,
      custom_metadata: { team: 'eng' },
      local: false,
      mount_accessor: userpass,
      mount_path: 'auth/userpass/',
      mount_type: 'userpass',
      name: 'alice',
    });
    const entities = await call('GET', 'identity/entity/id?list=true');
    expect(entities.body.data.key_info[canonical].aliases).toEqual([
      { id: aliasId, mount_accessor: userpass, mount_path: 'auth/userpass/', mount_type: 'userpass', name: 'alice' },
    ]);
  });

  it('creates a new entity when no canonical_id is given', async () => {
    const res = await call('POST', 'identity/entity-alias', { name: 'lonely', mount_accessor: oidc });
    expect(res.status).toBe(200);
    const owner = (await call('GET', `identity/entity/id/${res.body.data.canonical_id}`)).body.data;
    expect(owner.name).toMatch(/^entity_[0-9a-f]{8}$/);
    expect(owner.aliases.map((a: { id: string }) => a.id)).toEqual([res.body.data.id]);
  });

  it('answers 404 for an unknown alias id and 204 for deleting it', async () => {
    expect(await call('GET', 'identity/entity-alias/id/22222222-2222-2222-2222-222222222222')).toMatchObject({ status: 404, body: { errors: [] } });
    expect((await call('DELETE', 'identity/entity-alias/id/22222222-2222-2222-2222-222222222222')).status).toBe(204);
  });
});

describe('uniqueness and validation', () => {
  it('refuses an unknown mount accessor', async () => {
    const canonical = await entity('bob');
    const before = await aliasIds();
    const res = await call('POST', 'identity/entity-alias', { name: 'bob', mount_accessor: 'auth_nope_1234', canonical_id: canonical });
    expect(res).toMatchObject({ status: 400, body: { errors: ['invalid mount accessor "auth_nope_1234"'] } });
    expect(await aliasIds()).toEqual(before);
  });

  it('refuses the same mount and name on another entity, whatever the case', async () => {
    const other = await entity('alice-twin');
    const before = await aliasIds();
    for (const name of ['alice', 'ALICE']) {
      const res = await call('POST', 'identity/entity-alias', { name, mount_accessor: userpass, canonical_id: other });
      expect(res).toMatchObject({ status: 400, body: { errors: ['alias with combination of mount accessor and name already exists'] } });
    }
    expect(await aliasIds()).toEqual(before);
    expect((await call('GET', `identity/entity/id/${other}`)).body.data.aliases).toEqual([]);
  });

  it('treats re-posting an alias to its own entity as an update', async () => {
    const alice = (await call('GET', 'identity/entity/name/alice')).body.data;
    const same = await call('POST', 'identity/entity-alias', { name: 'alice', mount_accessor: userpass, canonical_id: alice.id });
    expect(same.status).toBe(204);
    const changed = await call('POST', 'identity/entity-alias', { name: 'alice', mount_accessor: userpass, custom_metadata: { team: 'ops' } });
    expect(changed).toMatchObject({ status: 200, body: { data: { id: alice.aliases[0].id, canonical_id: alice.id } } });
    expect((await call('GET', `identity/entity-alias/id/${alice.aliases[0].id}`)).body.data.custom_metadata).toEqual({ team: 'ops' });
  });

  it('refuses a second alias on the same mount for one entity', async () => {
    const alice = (await call('GET', 'identity/entity/name/alice')).body.data;
    const res = await call('POST', 'identity/entity-alias', { name: 'alice2', mount_accessor: userpass, canonical_id: alice.id });
    expect(res).toMatchObject({ status: 400, body: { errors: ['Alias already exists for requested entity and mount accessor'] } });
    expect((await call('GET', `identity/entity/id/${alice.id}`)).body.data.aliases).toHaveLength(1);
  });

  const rejected: Array<[string, Record<string, unknown>]> = [
    ['a missing name', { mount_accessor: 'set-below' }],
    ['a missing mount accessor', { name: 'x' }],
    ['an unknown canonical id', { name: 'x', mount_accessor: 'set-below', canonical_id: '33333333-3333-3333-3333-333333333333' }],
    ['custom metadata of the wrong type', { name: 'x', mount_accessor: 'set-below', custom_metadata: 42 }],
    ['huge custom metadata', { name: 'x', mount_accessor: 'set-below', custom_metadata: { k: 'v'.repeat(513) } }],
    ['a name with control characters', { name: 'x\u0000y', mount_accessor: 'set-below' }],
    ['a name with a lone surrogate', { name: 'x\ud800', mount_accessor: 'set-below' }],
    ['a very long name', { name: 'n'.repeat(600), mount_accessor: 'set-below' }],
  ];
  it.each(rejected)('refuses %s with 400 and creates nothing', async (_what, body) => {
    const before = await aliasIds();
    const entitiesBefore = (await call('GET', 'identity/entity/id?list=true')).body.data.keys;
    const withMount = body.mount_accessor ? { ...body, mount_accessor: oidc } : body;
    expect((await call('POST', 'identity/entity-alias', withMount)).status).toBe(400);
    expect(await aliasIds()).toEqual(before);
    expect((await call('GET', 'identity/entity/id?list=true')).body.data.keys).toEqual(entitiesBefore);
  });
});

describe('update, move, delete', () => {
  it('renames an alias by id and refuses a name taken on the mount', async () => {
    const owner = await entity('carol');
    const created = (await call('POST', 'identity/entity-alias', { name: 'carol', mount_accessor: oidc, canonical_id: owner })).body.data;
    const renamed = await call('POST', `identity/entity-alias/id/${created.id}`, { name: 'carol.w' });
    expect(renamed).toMatchObject({ status: 200, body: { data: { id: created.id, canonical_id: owner } } });
    expect((await call('GET', `identity/entity-alias/id/${created.id}`)).body.data.name).toBe('carol.w');

    const taken = await call('POST', `identity/entity-alias/id/${created.id}`, { name: 'lonely' });
    expect(taken).toMatchObject({ status: 400, body: { errors: ['alias with combination of mount accessor and name already exists'] } });
    expect((await call('GET', `identity/entity-alias/id/${created.id}`)).body.data.name).toBe('carol.w');
    expect((await call('POST', `identity/entity-alias/id/${created.id}`, {})).status).toBe(204);
    expect((await call('POST', 'identity/entity-alias/id/44444444-4444-4444-4444-444444444444', { name: 'x' })).status).toBe(400);
  });

  it('moves an alias to another entity with canonical_id, and refuses a move onto a mount already used', async () => {
    const from = await entity('dan');
    const to = await entity('dan-new');
    const alias = (await call('POST', 'identity/entity-alias', { name: 'dan', mount_accessor: oidc, canonical_id: from })).body.data;
    const moved = await call('POST', `identity/entity-alias/id/${alias.id}`, { canonical_id: to });
    expect(moved).toMatchObject({ status: 200, body: { data: { id: alias.id, canonical_id: to } } });
    expect((await call('GET', `identity/entity/id/${from}`)).body.data.aliases).toEqual([]);
    expect((await call('GET', `identity/entity/id/${to}`)).body.data.aliases.map((a: { id: string }) => a.id)).toEqual([alias.id]);

    const third = await entity('dan-third');
    const blocker = (await call('POST', 'identity/entity-alias', { name: 'dan3', mount_accessor: oidc, canonical_id: third })).body.data;
    const refused = await call('POST', `identity/entity-alias/id/${blocker.id}`, { canonical_id: to });
    expect(refused.status).toBe(400);
    expect((await call('GET', `identity/entity-alias/id/${blocker.id}`)).body.data.canonical_id).toBe(third);
  });

  it('deletes an alias and frees its factors', async () => {
    const owner = await entity('erin');
    const alias = (await call('POST', 'identity/entity-alias', { name: 'erin', mount_accessor: userpass, canonical_id: owner })).body.data;
    expect((await call('DELETE', `identity/entity-alias/id/${alias.id}`)).status).toBe(204);
    expect((await call('GET', `identity/entity-alias/id/${alias.id}`)).status).toBe(404);
    expect((await call('GET', `identity/entity/id/${owner}`)).body.data.aliases).toEqual([]);
    const again = await call('POST', 'identity/entity-alias', { name: 'erin', mount_accessor: userpass, canonical_id: owner });
    expect(again.status).toBe(200);
  });

  it('deletes an entity’s aliases with it', async () => {
    const owner = await entity('fay');
    const alias = (await call('POST', 'identity/entity-alias', { name: 'fay', mount_accessor: userpass, canonical_id: owner })).body.data;
    expect((await call('DELETE', `identity/entity/id/${owner}`)).status).toBe(204);
    expect((await call('GET', `identity/entity-alias/id/${alias.id}`)).status).toBe(404);
    expect(await aliasIds()).not.toContain(alias.id);
  });
});
