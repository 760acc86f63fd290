/** Groups over HTTP: create/update split, read shape, membership (direct and inherited), validation, cycles. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { identityPaths } from '../../server/identity/routes/index.js';
import { api, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ features: { vaultPaths: [identityPaths] } });
});
afterAll(async () => server.destroy());

const call = (method: string, path: string, body?: unknown, token?: string | null) => api(server, method, `/v1/${path}`, body, token);

async function entity(name: string, body: Record<string, unknown> = {}): Promise<string> {
  const res = await call('POST', 'identity/entity', { name, ...body });
  expect(res.status).toBe(200);
  return res.body.data.id;
}

async function group(body: Record<string, unknown>): Promise<string> {
  const res = await call('POST', 'identity/group', body);
  expect(res.status).toBe(200);
  return res.body.data.id;
}

const readGroup = async (id: string) => (await call('GET', `identity/group/id/${id}`)).body.data;

describe('the OIDC fixtures: E1 in G1, G1 in G2, E2 in none', () => {
  let e1: string;
  let e2: string;
  let g1: string;
  let g2: string;
  beforeAll(async () => {
    e1 = await entity('alice', { metadata: { email: 'alice@example.com', phone_number: '123' } });
    e2 = await entity('bob');
    g1 = await group({ name: 'engineering', member_entity_ids: [e1] });
    g2 = await group({ name: 'parent', member_group_ids: [g1] });
  });

  it('answers creates with 200 {id, name} and reads Vault’s shape', async () => {
    const res = await call('POST', 'identity/group', { name: 'shape', policies: ['B', 'a'], metadata: { k: 'v' } });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), name: 'shape' });
    const read = await call('GET', `identity/group/id/${res.body.data.id}`);
    expect(read.body.data).toEqual({
      alias: {},
      creation_time: expect.any(String),
      id: res.body.data.id,
      last_update_time: expect.any(String),
      member_entity_ids: [],
      member_group_ids: null,
      metadata: { k: 'v' },
      name: 'shape',
      namespace_id: 'root',
      parent_group_ids: null,
      policies: ['a', 'b'],
      type: 'internal',
    });
    expect((await call('GET', 'identity/group/name/shape')).body.data).toEqual(read.body.data);
  });

  it('shows members and parents on both sides', async () => {
    expect(await readGroup(g1)).toMatchObject({ member_entity_ids: [e1], member_group_ids: null, parent_group_ids: [g2] });
    expect(await readGroup(g2)).toMatchObject({ member_entity_ids: [], member_group_ids: [g1], parent_group_ids: null });
  });

  it('shows direct and inherited groups on the entity', async () => {
    const alice = (await call('GET', `identity/entity/id/${e1}`)).body.data;
    expect(alice).toMatchObject({ direct_group_ids: [g1], inherited_group_ids: [g2], group_ids: [g1, g2] });
    const bob = (await call('GET', `identity/entity/id/${e2}`)).body.data;
    expect(bob).toMatchObject({ direct_group_ids: [], inherited_group_ids: [], group_ids: [] });
  });

  it('gives an entity token the policies of its groups, inherited ones included', async () => {
    expect((await call('POST', `identity/group/id/${g2}`, { policies: ['parent-policy'] })).status).toBe(204);
    expect((await call('POST', 'identity/group/name/engineering', { policies: ['eng-policy'] })).status).toBe(204);
    const token = (await call('POST', 'auth/token/create', { entity_id: e1, policies: ['default'] })).body.auth.client_token;
    const self = await call('GET', 'auth/token/lookup-self', undefined, token);
    expect(self.body.data.identity_policies).toEqual(['eng-policy', 'parent-policy']);
  });

  it('lists ids with key_info and names', async () => {
    const ids = await call('GET', 'identity/group/id?list=true');
    expect(ids.body.data.keys).toEqual(expect.arrayContaining([g1, g2]));
    expect(ids.body.data.key_info[g1]).toEqual({ name: 'engineering', num_member_entities: 1, num_parent_groups: 1 });
    expect(ids.body.data.key_info[g2]).toEqual({ name: 'parent', num_member_entities: 0, num_parent_groups: 0 });
    const names = await call('GET', 'identity/group/name?list=true');
    expect(names.body.data.keys).toEqual(expect.arrayContaining(['engineering', 'parent']));
  });

  it('refuses cycles, self-membership and unknown members, and changes nothing', async () => {
    const g3 = await group({ name: 'grandparent', member_group_ids: [g2] });
    const before = [await readGroup(g1), await readGroup(g2)];
    const cases: Array<[string, Record<string, unknown>, string]> = [
      [g1, { member_group_ids: [g2] }, `cyclic relationship detected for member group ID "${g2}"`],
      [g1, { member_group_ids: [g3] }, `cyclic relationship detected for member group ID "${g3}"`],
      [g1, { member_group_ids: [g1] }, `member group ID "${g1}" is same as the ID of the group`],
      [g1, { member_group_ids: ['55555555-5555-5555-5555-555555555555'] }, 'invalid member group ID "55555555-5555-5555-5555-555555555555"'],
      [g1, { member_entity_ids: [e1, 'nobody'] }, 'invalid entity ID "nobody"'],
      [g1, { policies: ['root'] }, 'policies cannot contain root'],
      [g1, { type: 'external' }, 'group type cannot be changed'],
      [g1, { name: 'parent' }, 'group name is already in use'],
    ];
    for (const [id, body, message] of cases) {
      const res = await call('POST', `identity/group/id/${id}`, body);
      expect(res).toMatchObject({ status: 400, body: { errors: [message] } });
    }
    expect([await readGroup(g1), await readGroup(g2)]).toEqual(before);
    expect((await call('DELETE', `identity/group/id/${g3}`)).status).toBe(204);
  });

  it('takes a deleted group out of its parents', async () => {
    const child = await group({ name: 'short-lived' });
    expect((await call('POST', 'identity/group/name/parent', { member_group_ids: [g1, child] })).status).toBe(204);
    expect((await readGroup(g2)).member_group_ids).toEqual([g1, child].sort());
    expect((await call('DELETE', 'identity/group/name/short-lived')).status).toBe(204);
    expect((await readGroup(g2)).member_group_ids).toEqual([g1]);
    expect((await call('GET', `identity/group/id/${child}`)).status).toBe(404);
  });
});

describe('create and update rules', () => {
  it('updates an existing name with 204 and keeps what was not sent', async () => {
    const id = await group({ name: 'ops', policies: ['p1'], metadata: { a: '1' } });
    const res = await call('POST', 'identity/group', { name: 'ops', policies: ['p2'] });
    expect(res.status).toBe(204);
    expect(await readGroup(id)).toMatchObject({ policies: ['p2'], metadata: { a: '1' } });
  });

  it('generates a name when none is given and refuses an unknown id', async () => {
    const res = await call('POST', 'identity/group', {});
    expect(res.status).toBe(200);
    expect(res.body.data.name).toMatch(/^group_[0-9a-f]{8}$/);
    expect(await call('POST', 'identity/group', { id: '66666666-6666-6666-6666-666666666666' })).toMatchObject({ status: 400, body: { errors: ['invalid group ID'] } });
    expect((await call('POST', 'identity/group/id/66666666-6666-6666-6666-666666666666', { policies: ['x'] })).status).toBe(400);
  });

  it('accepts external groups but not hand-set members on them', async () => {
    const id = await group({ name: 'from-idp', type: 'external' });
    expect((await readGroup(id)).type).toBe('external');
    const res = await call('POST', `identity/group/id/${id}`, { member_entity_ids: [] });
    expect(res).toMatchObject({ status: 400, body: { errors: ["member entities can't be set manually for external groups"] } });
    expect((await call('POST', 'identity/group', { name: 'ext2', type: 'external', member_group_ids: [id] })).status).toBe(400);
    expect((await call('GET', 'identity/group/name/ext2')).status).toBe(404);
  });

  const rejected: Array<[string, Record<string, unknown>]> = [
    ['an unknown type', { name: 'bad1', type: 'federated' }],
    ['members of the wrong type', { name: 'bad2', member_entity_ids: { a: 1 } }],
    ['a bad name', { name: 'no spaces please' }],
    ['huge metadata', { name: 'bad3', metadata: { k: 'v'.repeat(1000) } }],
    ['an unknown member entity', { name: 'bad4', member_entity_ids: ['ghost'] }],
    ['an unknown member group', { name: 'bad5', member_group_ids: ['ghost'] }],
    ['too many members', { name: 'bad6', member_entity_ids: Array.from({ length: 513 }, (_, i) => `e${i}`) }],
  ];
  it.each(rejected)('refuses %s with 400 and creates nothing', async (_what, body) => {
    const before = (await call('GET', 'identity/group/id?list=true')).body.data.keys;
    expect((await call('POST', 'identity/group', body)).status).toBe(400);
    expect((await call('GET', 'identity/group/id?list=true')).body.data.keys).toEqual(before);
  });

  it('refuses group writes to a default-policy token', async () => {
    const id = await entity('carol');
    const token = (await call('POST', 'auth/token/create', { entity_id: id, policies: ['default'] })).body.auth.client_token;
    expect((await call('POST', 'identity/group', { name: 'sneaky', member_entity_ids: [id], policies: ['admin'] }, token)).status).toBe(403);
    expect((await call('GET', 'identity/group/name/sneaky')).status).toBe(404);
  });
});
