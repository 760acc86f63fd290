/** Initialisation and health: uninitialised → init once → ready; restart keeps data; broken storage. */
import { afterEach, describe, expect, it } from '@jest/globals';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { api, startTestServer, type TestServer } from '../support/server.js';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.destroy()));
});
const start = async (...args: Parameters<typeof startTestServer>) => {
  const s = await startTestServer(...args);
  servers.push(s);
  return s;
};

describe('initialisation', () => {
  it('reports 501 until initialised, then 200; a second init is refused', async () => {
    const server = await start({ dev: false });
    const before = await fetch(`${server.url}/v1/sys/health`);
    expect(before.status).toBe(501);
    expect(await before.json()).toMatchObject({ initialized: false, sealed: false });
    expect((await fetch(`${server.url}/v1/sys/health?uninitcode=200`)).status).toBe(200);
    expect(await (await fetch(`${server.url}/v1/sys/init`)).json()).toEqual({ initialized: false, organization_id: '' });

    const init = await fetch(`${server.url}/v1/sys/init`, { method: 'PUT' });
    expect(init.status).toBe(200);
    const { root_token, organization_id } = (await init.json()) as { root_token: string; organization_id: string };
    expect(root_token).toMatch(/^lys\./);
    expect(organization_id).toMatch(/^[0-9a-f-]{36}$/);

    expect((await fetch(`${server.url}/v1/sys/health`)).status).toBe(200);
    const head = await fetch(`${server.url}/v1/sys/health`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await (await fetch(`${server.url}/v1/sys/init`)).json()).toEqual({ initialized: true, organization_id });
    const again = await fetch(`${server.url}/v1/sys/init`, { method: 'PUT' });
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual({ errors: ['Lanyard is already initialized'] });

    const self = await api({ url: server.url, rootToken: root_token }, 'GET', '/v1/auth/token/lookup-self');
    expect(self.body.data.policies).toEqual(['root']);
  });

  it('keeps data and tokens across a restart, with the seal key at 0600', async () => {
    const first = await start({ dev: false });
    const { root_token } = (await (await fetch(`${first.url}/v1/sys/init`, { method: 'PUT' })).json()) as { root_token: string };
    const admin = { url: first.url, rootToken: root_token };
    await api(admin, 'PUT', '/v1/sys/policies/acl/kept', { policy: 'path "k" { capabilities = ["read"] }' });
    const child = (await api(admin, 'POST', '/v1/auth/token/create', { policies: ['kept'] })).body.auth.client_token as string;
    await first.stop();

    const second = await start({ dev: false, dataDir: first.dataDir });
    const again = { url: second.url, rootToken: root_token };
    expect((await fetch(`${second.url}/v1/sys/health`)).status).toBe(200);
    expect((await api(again, 'GET', '/v1/sys/policies/acl/kept')).status).toBe(200);
    expect((await api({ url: second.url, rootToken: child }, 'GET', '/v1/auth/token/lookup-self')).body.data.policies).toEqual(['default', 'kept']);
    expect((await stat(join(first.dataDir, 'seal.key'))).mode & 0o777).toBe(0o600);
  });

  it('dev mode with a chosen root token keeps it working across restarts', async () => {
    const first = await start();
    await first.stop();
    const second = await start({ dataDir: first.dataDir });
    expect((await api(second, 'GET', '/v1/auth/token/lookup-self')).status).toBe(200);
  });
});

describe('health when storage is unusable', () => {
  it('answers 503 when the state database can no longer be written', async () => {
    let clock = Date.now();
    const server = await start({ now: () => clock });
    expect((await fetch(`${server.url}/v1/sys/health`)).status).toBe(200);
    await server.runtime.services.storage.close();
    clock += 2000; // the health ping result is cached for one second
    const res = await fetch(`${server.url}/v1/sys/health`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ sealed: true, storage: 'unavailable' });
  });
});
