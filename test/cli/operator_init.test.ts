import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { api, startTestServer, type TestServer } from '../support/server.js';
import { lanyard, scratchDir } from './harness.js';

describe('lanyard operator init and status against an uninitialised server', () => {
  let server: TestServer;
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  let env: Record<string, string>;

  beforeAll(async () => {
    server = await startTestServer({ dev: false });
    scratch = await scratchDir();
    env = { LANYARD_ADDR: server.url, LANYARD_TOKEN_FILE: `${scratch.dir}/token` };
  });
  afterAll(async () => {
    await server.destroy();
    await scratch.cleanup();
  });

  it('status says the server is not initialised and exits 2', async () => {
    const run = await lanyard(['status'], { env });
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/^Key\s+Value\n---\s+-----\n/);
    expect(run.stdout).toMatch(/^Initialized\s+false$/m);
    expect(run.stdout).toMatch(/^Storage\s+ok$/m);
    expect(run.stderr).toContain("Lanyard is not initialized: run 'lanyard operator init'");
  });

  it('init prints a root token that works, the organisation id and a hint; a second init is refused', async () => {
    const first = await lanyard(['operator', 'init'], { env });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const token = /^Root Token: (lys\.\S+)$/m.exec(first.stdout)?.[1];
    const orgId = /^Organization ID: (\S+)$/m.exec(first.stdout)?.[1];
    expect(token).toBeDefined();
    expect(first.stdout).toMatch(/safe/);

    const status = await api(server, 'GET', '/v1/sys/init', undefined, null);
    expect(status.body).toEqual({ initialized: true, organization_id: orgId });
    const lookup = await api(server, 'GET', '/v1/auth/token/lookup-self', undefined, token);
    expect(lookup.status).toBe(200);
    expect(lookup.body.data.policies).toEqual(['root']);

    const second = await lanyard(['operator', 'init'], { env });
    expect(second.code).toBe(2);
    expect(second.stdout).toBe('');
    expect(second.stderr).toMatch(/^Error: Lanyard at http:\/\/127\.0\.0\.1:\d+ is already initialized/);
    expect(second.stderr).not.toContain('lys.');
  });

  it('status is 0 once initialised and shows the organisation id', async () => {
    const orgId = (await api(server, 'GET', '/v1/sys/init', undefined, null)).body.organization_id as string;
    const table = await lanyard(['status'], { env });
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^Initialized\s+true$/m);
    expect(table.stdout).toContain(orgId);

    const json = await lanyard(['status', '-format=json'], { env });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ initialized: true, storage: 'ok', organization_id: orgId, address: server.url });
  });
});

describe('lanyard operator init -format=json', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dev: false });
  });
  afterAll(async () => {
    await server.destroy();
  });

  it('prints {"root_token","organization_id"} and nothing else', async () => {
    const run = await lanyard(['operator', 'init', '-format=json', `-address=${server.url}`]);
    expect(run.code).toBe(0);
    const body = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['organization_id', 'root_token']);
    expect(body.root_token).toMatch(/^lys\./);
    const lookup = await api(server, 'GET', '/v1/auth/token/lookup-self', undefined, body.root_token as string);
    expect(lookup.status).toBe(200);
  });

  it('refuses a dev-mode server, which initialises itself', async () => {
    const dev = await startTestServer();
    try {
      const run = await lanyard(['operator', 'init'], { env: { VAULT_ADDR: dev.url } });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('already initialized');
    } finally {
      await dev.destroy();
    }
  });
});
