/**
 * Several replicas on one PostgreSQL schema (in-process servers, each with its own pool, LISTEN
 * session and caches): one initialisation, one seal key, a policy change seen by every replica,
 * exact use limits across replicas, an OIDC code flow whose every request goes to another replica,
 * key rotation visible everywhere, and a database outage answered with 503 and recovered from.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { PG_MIGRATIONS } from '../../storage/postgres_migrations.js';
import { adminQuery, ensurePostgres } from '../support/postgres.js';
import {
  Browser,
  REDIRECT_URI,
  authorizationRequest,
  createClient,
  createKey,
  createProvider,
  createUser,
  exchange,
  formsOf,
  relyingParty,
  rotateKey,
  signIn,
} from '../support/relying_party.js';
import { createCluster, databaseLink, loadBalancer, until, type Cluster } from '../support/replicas.js';
import { api, type TestServer } from '../support/server.js';

// Never skipped: fails with the reason when PostgreSQL cannot be found or started.
beforeAll(ensurePostgres);

describe('replicas on one database', () => {
  let cluster: Cluster;
  let replicas: TestServer[];

  beforeAll(async () => {
    cluster = await createCluster('replicas');
    // Started at the same moment on an empty schema: one migration, one initialisation.
    replicas = await Promise.all([cluster.start(), cluster.start(), cluster.start()]);
  });

  afterAll(async () => {
    await cluster?.destroy();
  });

  it('agree on one initialisation when started together in dev mode', async () => {
    const inits = await Promise.all(replicas.map((r) => api(r, 'GET', '/v1/sys/init', undefined, null)));
    const organizations = new Set(inits.map((i) => i.body.organization_id));
    expect(inits.every((i) => i.body.initialized === true)).toBe(true);
    expect(organizations.size).toBe(1);
    const accessors = await Promise.all(replicas.map(async (r) => (await api(r, 'GET', '/v1/auth/token/lookup-self')).body.data.accessor));
    expect(new Set(accessors).size).toBe(1);
    const { rows } = await adminQuery(`SELECT count(*)::int AS n FROM "${cluster.schema}".lanyard_records WHERE kind = 'token'`);
    expect(rows[0].n).toBe(1);
    const version = await adminQuery(`SELECT version FROM "${cluster.schema}".lanyard_schema_version`);
    expect(version.rows).toEqual([{ version: PG_MIGRATIONS.length }]);
  });

  it('reports its storage: backend, pool, listening session and notification queue', async () => {
    const res = await api(replicas[1]!, 'GET', '/v1/sys/storage');
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ backend: 'postgres', schema: cluster.schema, schema_version: PG_MIGRATIONS.length, listening: true });
    expect(res.body.data.notification_queue_usage).toEqual(expect.any(Number));
    expect((await api(replicas[1]!, 'GET', '/v1/sys/storage', undefined, null)).status).toBe(403);
  });

  it('refuses to start a replica whose seal key is not the cluster\'s, saying why', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lanyard-otherkey-'));
    try {
      const other = join(dir, 'seal.key');
      await writeFile(other, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
      await expect(cluster.start({ settings: { 'seal-key-file': other } })).rejects.toThrow(/seal key is not the cluster's/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('enforces a policy change made on one replica on the others, without restart', async () => {
    const [a, b, c] = replicas as [TestServer, TestServer, TestServer];
    const readDefault = (server: TestServer, token: string) => api(server, 'GET', '/v1/sys/policies/acl/default', undefined, token);
    expect((await api(a, 'PUT', '/v1/sys/policies/acl/reader', { policy: 'path "sys/policies/acl/*" { capabilities = ["read"] }' })).status).toBe(204);
    const token = (await api(a, 'POST', '/v1/auth/token/create', { policies: ['reader'] })).body.auth.client_token as string;
    // Every replica has compiled and cached the ACL that allows the read.
    for (const server of [a, b, c]) expect((await readDefault(server, token)).status).toBe(200);

    expect((await api(a, 'PUT', '/v1/sys/policies/acl/reader', { policy: 'path "sys/policies/acl/other" { capabilities = ["read"] }' })).status).toBe(204);
    // Immediately on the replica that wrote it…
    expect((await readDefault(a, token)).status).toBe(403);
    // …and on the others once the notification arrives.
    const took = await Promise.all([b, c].map((server) => until(async () => (await readDefault(server, token)).status === 403)));
    process.stdout.write(`policy change visible on other replicas after ${took.map((ms) => ms.toFixed(0)).join(' and ')} ms\n`);
  });

  it('deletes an entity with its tokens and group memberships in one transaction: all of it, or none', async () => {
    const [a, b] = replicas as [TestServer, TestServer, TestServer];
    const entityId = (await api(a, 'POST', '/v1/identity/entity', { name: 'atomic-member' })).body.data.id as string;
    const token = (await api(a, 'POST', '/v1/auth/token/create', { entity_id: entityId })).body.auth.client_token as string;
    const groupId = (await api(a, 'POST', '/v1/identity/group', { name: 'atomic-group', member_entity_ids: [entityId] })).body.data.id as string;
    // A database fault in the middle of the clean-up: the group's update is refused.
    const table = `"${cluster.schema}".lanyard_records`;
    await adminQuery(
      `CREATE FUNCTION "${cluster.schema}".refuse_group_write() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'injected fault'; END $$;
       CREATE TRIGGER refuse_group_write BEFORE UPDATE ON ${table} FOR EACH ROW
       WHEN (OLD.kind = 'group' AND OLD.id = '${groupId}') EXECUTE FUNCTION "${cluster.schema}".refuse_group_write();`,
    );
    try {
      expect((await api(a, 'DELETE', `/v1/identity/entity/id/${entityId}`)).status).toBeGreaterThanOrEqual(500);
    } finally {
      await adminQuery(`DROP TRIGGER refuse_group_write ON ${table}; DROP FUNCTION "${cluster.schema}".refuse_group_write();`);
    }
    // Nothing of the deletion landed: the entity, its token and its membership are all still there.
    expect((await api(b, 'GET', `/v1/identity/entity/id/${entityId}`)).status).toBe(200);
    expect((await api(b, 'GET', '/v1/auth/token/lookup-self', undefined, token)).status).toBe(200);
    expect((await api(b, 'GET', `/v1/identity/group/id/${groupId}`)).body.data.member_entity_ids).toEqual([entityId]);

    expect((await api(b, 'DELETE', `/v1/identity/entity/id/${entityId}`)).status).toBe(204);
    expect((await api(a, 'GET', `/v1/identity/entity/id/${entityId}`)).status).toBe(404);
    expect((await api(a, 'GET', '/v1/auth/token/lookup-self', undefined, token)).status).toBe(403);
    await until(async () => (await api(a, 'GET', `/v1/identity/group/id/${groupId}`)).body.data.member_entity_ids.length === 0);
  });

  it('refuses one of two group updates on different replicas that would together close a cycle', async () => {
    const [a, b] = replicas as [TestServer, TestServer, TestServer];
    for (let round = 0; round < 5; round++) {
      const one = (await api(a, 'POST', '/v1/identity/group', { name: `cycle-one-${round}` })).body.data.id as string;
      const two = (await api(a, 'POST', '/v1/identity/group', { name: `cycle-two-${round}` })).body.data.id as string;
      const [first, second] = await Promise.all([
        api(a, 'POST', `/v1/identity/group/id/${one}`, { member_group_ids: [two] }),
        api(b, 'POST', `/v1/identity/group/id/${two}`, { member_group_ids: [one] }),
      ]);
      expect([first.status, second.status].sort()).toEqual([204, 400]);
    }
  });

  it('counts uses of a token exactly when they arrive at different replicas at once', async () => {
    const auth = (await api(replicas[0]!, 'POST', '/v1/auth/token/create', { num_uses: 7 })).body.auth;
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => api(replicas[i % replicas.length]!, 'GET', '/v1/auth/token/lookup-self', undefined, auth.client_token)),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(7);
    expect(results.filter((r) => r.status === 403)).toHaveLength(53);
  });

  it('counts failed password logins across replicas: five failures spread over them lock the user everywhere', async () => {
    await api(replicas[0]!, 'POST', '/v1/auth/userpass/users/mallory-target', { password: 'right-password-123' });
    const attempt = (server: TestServer, password: string) => api(server, 'POST', '/v1/auth/userpass/login/mallory-target', { password }, null);
    // Five failures, never more than two on one replica (each replica alone would allow five).
    for (const server of [replicas[0]!, replicas[1]!, replicas[2]!, replicas[0]!, replicas[1]!]) expect((await attempt(server, 'wrong-password-1')).status).toBe(400);
    // The third replica has seen one failure itself; it refuses at once (or after the lock's
    // notification lands), long before its own count would reach the limit.
    let tries = 0;
    await until(async () => {
      tries += 1;
      return (await attempt(replicas[2]!, 'wrong-password-1')).status === 429;
    });
    expect(tries).toBeLessThanOrEqual(2);
    expect((await attempt(replicas[2]!, 'right-password-123')).status).toBe(429);
    expect((await attempt(replicas[0]!, 'right-password-123')).status).toBe(429);
  });

  it('counts wrong device user codes across replicas: ten spread over two lock the address on both', async () => {
    // Requests alternate between two replicas: five wrong codes reach each, and either alone allows ten.
    const lb = await loadBalancer(replicas.slice(0, 2));
    try {
      const issuer = await createProvider(lb, 'device-lock', { allowed_client_ids: '*' });
      const browser = new Browser();
      let [input] = formsOf(await (await browser.request(`${issuer}/device`)).text());
      const action = new URL(input!.action, issuer);
      const wrongCode = async (): Promise<number> => {
        const res = await browser.request(action, { form: { ...input!.fields, user_code: 'BBBB-BBBB' } });
        const text = await res.text();
        if (res.status === 400) [input] = formsOf(text);
        return res.status;
      };
      for (let attempt = 0; attempt < 10; attempt++) expect(await wrongCode()).toBe(400);
      // The replica that counted the tenth locks at once, the other once the notification lands.
      await until(async () => (await wrongCode()) === 429);
      await until(async () => (await wrongCode()) === 429);
      expect(new Set(lb.served.slice(-2)).size).toBe(2);
    } finally {
      await lb.close();
    }
  });

  it('runs an OIDC code flow and refresh where every request goes to the next replica', async () => {
    const lb = await loadBalancer(replicas);
    try {
      await createKey(lb, 'k1');
      const client = await createClient(lb, 'web', { key: 'k1', redirect_uris: REDIRECT_URI, assignments: 'allow_all' });
      const alice = await createUser(lb, 'alice');
      const issuer = await createProvider(lb, 'p1', { allowed_client_ids: '*' });
      const rp = await relyingParty(issuer, client);
      const request = await authorizationRequest(rp, { scope: 'openid offline_access', prompt: 'consent' });
      const before = lb.served.length;
      const { callback } = await signIn(new Browser(), request.url, { username: 'alice', password: alice.password });
      const tokens = await exchange(rp, callback, request);
      expect(tokens.claims()?.sub).toBe(alice.entityId);
      expect((await oidc.fetchUserInfo(rp, tokens.access_token, alice.entityId)).sub).toBe(alice.entityId);
      const refreshed = await oidc.refreshTokenGrant(rp, tokens.refresh_token as string);
      expect(refreshed.claims()?.sub).toBe(alice.entityId);
      // The rotated-away refresh token is refused, whichever replica it reaches.
      await expect(oidc.refreshTokenGrant(rp, tokens.refresh_token as string)).rejects.toThrow();
      expect(new Set(lb.served.slice(before)).size).toBe(replicas.length);
    } finally {
      await lb.close();
    }
  });

  it('shows a key rotated on one replica in every replica\'s JWKS', async () => {
    const [a] = replicas as [TestServer];
    await createKey(a, 'rotating');
    await createClient(a, 'jwks-client', { key: 'rotating', redirect_uris: REDIRECT_URI, assignments: 'allow_all' });
    const issuer = await createProvider(a, 'jwks', { allowed_client_ids: '*' });
    const path = `${new URL(issuer).pathname}/.well-known/keys`;
    const kids = async (server: TestServer): Promise<string[]> => ((await api(server, 'GET', path, undefined, null)).body.keys as Array<{ kid: string }>).map((k) => k.kid);
    const before = await kids(a);
    await rotateKey(a, 'rotating');
    const after = await kids(a);
    const added = after.filter((kid) => !before.includes(kid));
    expect(added).toHaveLength(1);
    for (const server of replicas) expect(await kids(server)).toEqual(expect.arrayContaining(after));
  });
});

describe('a replica that loses its database', () => {
  it('answers 503 on every endpoint family meanwhile and recovers by itself', async () => {
    const cluster = await createCluster('outage');
    const link = await databaseLink();
    try {
      const server = await cluster.start({ settings: { 'database-url': link.url, 'database-statement-timeout': '2s' } });
      await createKey(server, 'k1');
      const issuer = await createProvider(server, 'p1', { allowed_client_ids: '*' });
      const provider = new URL(issuer).pathname;
      const requests: Array<[string, () => Promise<{ status: number; body: any }>]> = [
        ['vault health', () => api(server, 'GET', '/v1/sys/health', undefined, null)],
        ['vault admin read', () => api(server, 'GET', '/v1/sys/policies/acl/default')],
        ['vault login', () => api(server, 'POST', '/v1/auth/userpass/login/alice', { password: 'whatever-123' }, null)],
        ['infisical login', () => api(server, 'POST', '/api/v1/auth/oidc-auth/login', { identityId: 'x', jwt: 'a.b.c' }, null)],
        ['oidc discovery', () => api(server, 'GET', `${provider}/.well-known/openid-configuration`, undefined, null)],
        ['oidc keys', () => api(server, 'GET', `${provider}/.well-known/keys`, undefined, null)],
        ['oidc token', () => form(server.url + `${provider}/token`, { grant_type: 'authorization_code', code: 'x', client_id: 'c' })],
        ['oidc userinfo', () => api(server, 'GET', `${provider}/userinfo`, undefined, null)],
      ];
      for (const [, send] of requests) expect((await send()).status).toBeLessThan(500);

      link.cut();
      // Health caches its storage round trip for a second; the other endpoints fail at once.
      await until(async () => (await api(server, 'GET', '/v1/sys/health', undefined, null)).status === 503);
      for (const [name, send] of requests) {
        const { status, body } = await send();
        expect({ name, status }).toEqual({ name, status: 503 });
        expect(JSON.stringify(body)).toMatch(/unavailable/);
      }

      link.restore();
      const took = await until(async () => (await api(server, 'GET', '/v1/sys/health', undefined, null)).status === 200, 15_000);
      process.stdout.write(`replica answered 200 again ${took.toFixed(0)} ms after the database returned\n`);
      for (const [name, send] of requests) {
        const { status } = await send();
        expect({ name, ok: status < 500 }).toEqual({ name, ok: true });
      }
    } finally {
      await cluster.destroy();
      await link.close();
    }
  });
});

async function form(url: string, fields: Record<string, string>): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}
