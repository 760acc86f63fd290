/**
 * node-vault (npm, devDependency at 0.12.0) unchanged against a real Lanyard server: status,
 * health, policies, built-in userpass, tokens, userpass login, and generic reads and writes of
 * identity paths (with null arguments) and lookups.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import nodeVault from 'node-vault';
import { startTestServer, type TestServer } from '../support/server.js';

describe('node-vault', () => {
  let server: TestServer;
  let vault: ReturnType<typeof nodeVault>;
  beforeAll(async () => {
    server = await startTestServer();
    vault = nodeVault({ apiVersion: 'v1', endpoint: server.url, token: server.rootToken });
  });
  afterAll(async () => server?.destroy());

  it('reads status, health and the mounts', async () => {
    expect(await vault.status()).toMatchObject({ sealed: false, initialized: true, t: 1, n: 1 });
    expect(await vault.initialized()).toMatchObject({ initialized: true });
    expect(await vault.health()).toMatchObject({ initialized: true, sealed: false, standby: false });
    expect(await vault.leader()).toMatchObject({ ha_enabled: false });
    expect(Object.keys((await vault.mounts()).data)).toEqual(['identity/', 'sys/']);
    expect(Object.keys((await vault.auths()).data)).toEqual(expect.arrayContaining(['token/', 'userpass/']));
  });

  it('enables the built-in userpass (a warning, not an error) and refuses other methods', async () => {
    const enabled = await vault.enableAuth({ mount_point: 'userpass', type: 'userpass', description: null });
    expect(enabled.warnings[0]).toMatch(/built into Lanyard/);
    await expect(vault.enableAuth({ mount_point: 'approle', type: 'approle' })).rejects.toThrow(/built in and cannot be added/);
  });

  it('writes a policy, creates a user, logs in and uses the token', async () => {
    await vault.addPolicy({ name: 'reader', rules: 'path "identity/entity/*" { capabilities = ["read"] }' });
    expect((await vault.getPolicy({ name: 'reader' })).rules).toMatch(/identity\/entity/);
    await vault.write('auth/userpass/users/nv-user', { password: 'nv-password-123', policies: 'reader', token_ttl: null });
    // A login sets the client's token (node-vault's tokenSource), so it gets a client of its own.
    const login = await nodeVault({ endpoint: server.url }).userpassLogin({ username: 'nv-user', password: 'nv-password-123' });
    expect(login.auth.policies).toEqual(['default', 'reader']);
    const user = nodeVault({ endpoint: server.url, token: login.auth.client_token });
    expect((await user.tokenLookupSelf()).data.entity_id).toBe(login.auth.entity_id);
    const entity = await user.read(`identity/entity/id/${login.auth.entity_id}`);
    expect(entity.data.aliases[0].name).toBe('nv-user');
  });

  it('creates, renews and revokes tokens', async () => {
    // tokenCreate and tokenRenew make the token they answer with the client's own (node-vault's
    // tokenSource), so each call gets a fresh root client.
    const root = () => nodeVault({ endpoint: server.url, token: server.rootToken });
    const created = await root().tokenCreate({ policies: ['default'], ttl: '1h' });
    expect(created.auth.lease_duration).toBe(3600);
    const renewed = await root().tokenRenew({ token: created.auth.client_token, increment: '30m' });
    expect(renewed.auth.lease_duration).toBeLessThanOrEqual(3600);
    await root().tokenRevoke({ token: created.auth.client_token });
    await expect(root().tokenLookup({ token: created.auth.client_token })).rejects.toThrow(/bad token/);
  });

  it('writes entities and groups with null fields and looks them up', async () => {
    const entity = await vault.write('identity/entity', { name: 'nv-entity', metadata: null, policies: null });
    const group = await vault.write('identity/group', { name: 'nv-group', member_entity_ids: [entity.data.id], member_group_ids: null, policies: null });
    expect(group.data.id).toEqual(expect.any(String));
    const found = await vault.write('identity/lookup/entity', { name: 'nv-entity' });
    expect(found.data.group_ids).toEqual([group.data.id]);
    expect((await vault.write('identity/lookup/group', { id: group.data.id })).data.name).toBe('nv-group');
    expect((await vault.list('identity/entity/name')).data.keys).toEqual(expect.arrayContaining(['nv-entity']));
  });
});
