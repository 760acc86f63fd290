/**
 * The Vault paths clients call to learn what they talk to: seal-status and leader (no token),
 * sys/mounts, sys/auth enable/tune for the built-in methods (sudo), and identity lookups.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { api, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server.destroy());

const call = (method: string, path: string, body?: unknown, token?: string | null) => api(server, method, `/v1/${path}`, body, token);

async function tokenWithPolicy(name: string, policy: string): Promise<string> {
  expect((await call('PUT', `sys/policies/acl/${name}`, { policy })).status).toBe(204);
  const res = await call('POST', 'auth/token/create', { policies: [name] });
  expect(res.status).toBe(200);
  return res.body.auth.client_token;
}

describe('seal-status and leader', () => {
  it('answers seal-status without a token, as an unsealed Vault', async () => {
    const res = await call('GET', 'sys/seal-status', undefined, null);
    expect(res.status).toBe(200);
    const init = await call('GET', 'sys/init', undefined, null);
    expect(res.body).toMatchObject({
      type: 'shamir',
      initialized: true,
      sealed: false,
      t: 1,
      n: 1,
      progress: 0,
      version: expect.any(String),
      build_date: expect.any(String),
      cluster_id: init.body.organization_id,
      cluster_name: expect.stringMatching(/^lanyard-cluster-/),
      storage_type: expect.any(String),
    });
    expect(res.body.data).toBeUndefined();
  });

  it('answers leader without a token, without HA', async () => {
    const res = await call('GET', 'sys/leader', undefined, null);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ha_enabled: false, is_self: false, leader_address: '' });
  });

  it('answers an uninitialised server as sealed with no shares', async () => {
    const fresh = await startTestServer({ dev: false });
    try {
      const res = await api(fresh, 'GET', '/v1/sys/seal-status', undefined, null);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ initialized: false, sealed: true, t: 0, n: 0 });
    } finally {
      await fresh.destroy();
    }
  });
});

describe('sys/mounts', () => {
  it('lists identity/ and sys/ at the top level and under data', async () => {
    const res = await call('GET', 'sys/mounts');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.data).sort()).toEqual(['identity/', 'sys/']);
    expect(res.body['identity/']).toEqual(res.body.data['identity/']);
    expect(res.body.data['identity/']).toMatchObject({ type: 'identity', accessor: expect.stringMatching(/^identity_[0-9a-f]{8}$/) });
  });

  it('needs read on sys/mounts', async () => {
    const denied = await tokenWithPolicy('no-mounts', 'path "sys/policies/*" {\n  capabilities = ["read"]\n}\n');
    expect((await call('GET', 'sys/mounts', undefined, denied)).status).toBe(403);
    const allowed = await tokenWithPolicy('mounts', 'path "sys/mounts" {\n  capabilities = ["read"]\n}\n');
    expect((await call('GET', 'sys/mounts', undefined, allowed)).status).toBe(200);
  });

  it('refuses to enable a secrets engine', async () => {
    const res = await call('POST', 'sys/mounts/kv', { type: 'kv' });
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatch(/no secrets engines/);
  });
});

describe('sys/auth for the built-in methods', () => {
  it('enables userpass at userpass/ idempotently, with a warning', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await call('POST', 'sys/auth/userpass', { type: 'userpass', description: null, config: null });
      expect(res.status).toBe(200);
      expect(res.body.warnings[0]).toMatch(/built into Lanyard/);
    }
    expect((await call('GET', 'sys/auth')).body.data['userpass/']).toMatchObject({ type: 'userpass' });
  });

  it('refuses other types and paths clearly, and disabling', async () => {
    const other = await call('POST', 'sys/auth/kubernetes', { type: 'kubernetes' });
    expect(other.status).toBe(400);
    expect(other.body.errors[0]).toMatch(/built in and cannot be added: .*userpass at userpass\//);
    const clash = await call('POST', 'sys/auth/userpass', { type: 'ldap' });
    expect(clash).toMatchObject({ status: 400, body: { errors: ['path is already in use at userpass/'] } });
    expect((await call('POST', 'sys/auth/userpass', {})).status).toBe(400);
    expect((await call('DELETE', 'sys/auth/userpass')).status).toBe(400);
  });

  it('reads a mount and its tuning; a tune to the current values passes, others are refused', async () => {
    expect((await call('GET', 'sys/auth/userpass')).body.data).toMatchObject({ type: 'userpass', accessor: expect.stringMatching(/^auth_userpass_/) });
    const tune = await call('GET', 'sys/auth/userpass/tune');
    expect(tune.status).toBe(200);
    expect(tune.body.data).toMatchObject({ default_lease_ttl: expect.any(Number), max_lease_ttl: expect.any(Number), token_type: 'default-service' });
    expect((await call('POST', 'sys/auth/userpass/tune', { default_lease_ttl: tune.body.data.default_lease_ttl })).status).toBe(204);
    const refused = await call('POST', 'sys/auth/userpass/tune', { default_lease_ttl: '1h', listing_visibility: 'unauth' });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0]).toMatch(/default_lease_ttl \(server setting --default-token-ttl\), listing_visibility/);
  });

  it('needs sudo on the path, as in Vault', async () => {
    const update = await tokenWithPolicy('auth-update', 'path "sys/auth/*" {\n  capabilities = ["create", "update", "read"]\n}\n');
    expect((await call('POST', 'sys/auth/userpass', { type: 'userpass' }, update)).status).toBe(403);
    expect((await call('GET', 'sys/auth/userpass/tune', undefined, update)).status).toBe(403);
    const sudo = await tokenWithPolicy('auth-sudo', 'path "sys/auth/*" {\n  capabilities = ["create", "update", "read", "sudo"]\n}\n');
    expect((await call('POST', 'sys/auth/userpass', { type: 'userpass' }, sudo)).status).toBe(200);
    const denied = await tokenWithPolicy('auth-deny', 'path "sys/auth/*" {\n  capabilities = ["sudo", "update"]\n}\npath "sys/auth/userpass" {\n  capabilities = ["deny"]\n}\n');
    expect((await call('POST', 'sys/auth/userpass', { type: 'userpass' }, denied)).status).toBe(403);
  });
});

describe('identity lookups', () => {
  let entityId: string;
  let aliasId: string;
  let accessor: string;
  let groupId: string;
  beforeAll(async () => {
    entityId = (await call('POST', 'identity/entity', { name: 'looked-up' })).body.data.id;
    accessor = (await call('GET', 'sys/auth')).body.data['userpass/'].accessor;
    aliasId = (await call('POST', 'identity/entity-alias', { name: 'lu-alias', mount_accessor: accessor, canonical_id: entityId })).body.data.id;
    groupId = (await call('POST', 'identity/group', { name: 'looked-up-group', member_entity_ids: [entityId] })).body.data.id;
  });

  it('finds an entity by name, id, alias id and alias name + accessor', async () => {
    const read = (await call('GET', `identity/entity/id/${entityId}`)).body.data;
    for (const body of [{ name: 'looked-up' }, { id: entityId }, { alias_id: aliasId }, { alias_name: 'lu-alias', alias_mount_accessor: accessor }, { name: 'Looked-Up', type: null }]) {
      const res = await call('POST', 'identity/lookup/entity', body);
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual(read);
    }
  });

  it('finds a group by name and id', async () => {
    const read = (await call('GET', `identity/group/id/${groupId}`)).body.data;
    for (const body of [{ name: 'looked-up-group' }, { id: groupId }]) {
      const res = await call('POST', 'identity/lookup/group', body);
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual(read);
    }
  });

  it('answers 204 when nothing matches', async () => {
    expect((await call('POST', 'identity/lookup/entity', { name: 'nobody' })).status).toBe(204);
    expect((await call('POST', 'identity/lookup/group', { alias_id: 'x' })).status).toBe(204);
  });

  it('refuses no criterion, two criteria and half an alias pair', async () => {
    expect((await call('POST', 'identity/lookup/entity', {})).body).toEqual({ errors: ['query parameter not supplied'] });
    expect((await call('POST', 'identity/lookup/entity', { name: 'a', id: 'b' })).body.errors[0]).toMatch(/query parameter conflict/);
    expect((await call('POST', 'identity/lookup/entity', { alias_name: 'a' })).body.errors[0]).toMatch(/alias_mount_accessor/);
  });

  it('is an update on identity/lookup/entity for the ACL', async () => {
    const readOnly = await tokenWithPolicy('lookup-read', 'path "identity/lookup/*" {\n  capabilities = ["read"]\n}\n');
    expect((await call('POST', 'identity/lookup/entity', { name: 'looked-up' }, readOnly)).status).toBe(403);
    const upd = await tokenWithPolicy('lookup-update', 'path "identity/lookup/entity" {\n  capabilities = ["update"]\n}\n');
    expect((await call('POST', 'identity/lookup/entity', { name: 'looked-up' }, upd)).status).toBe(200);
    expect((await call('POST', 'identity/lookup/group', { name: 'looked-up-group' }, upd)).status).toBe(403);
  });
});
