/**
 * Replicas benchmark: the same workloads against the embedded store (lowdb + SQLite), one replica
 * on PostgreSQL and two replicas on PostgreSQL, in one run, each server a built child process:
 *
 * - sequential latency (p50/p99) of token writes (`auth/token/create`) and configuration writes
 *   (policy PUT) — targets p50 < 5 ms, p99 < 20 ms;
 * - throughput (autocannon, 5 s) of token creation (20 connections per replica; a login's storage
 *   work: one authenticated lookup, one token write), of userpass logins (scrypt-bound, 4), of
 *   machine logins (ES256 JWT) and of OIDC refresh-token grants (rotation on every use);
 * - how long a policy change on one replica takes to be enforced by the other.
 *
 *   npm run bench -- replicas        (LANYARD_BENCH_DATABASE_URL, default the local test database)
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { prepareLanyardOidc, type LanyardOidcClient } from './oidc_flows.js';
import { startBenchIssuer, type BenchIssuer } from './support/issuer.js';
import { percentile, printTable } from './support/table.js';
import { startServerProcess, type ServerProcess } from './support/server_process.js';

const DATABASE_URL = process.env.LANYARD_BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const SAMPLE = 300;
/** Connections per replica for the refresh row; each may strand one token when a run ends. */
const REFRESH_CONNECTIONS = 20;

interface Setup {
  readonly name: string;
  readonly servers: ServerProcess[];
  readonly cleanup: () => Promise<void>;
}

async function call(server: ServerProcess, method: string, path: string, body?: unknown, token: string | null = server.rootToken): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method,
    headers: { ...(token ? { 'X-Vault-Token': token } : {}), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function latencies(n: number, request: (i: number) => Promise<Response>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const res = await request(i);
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`request failed: ${res.status}`);
    out.push(performance.now() - t);
  }
  return out;
}

/** Requests per second over all servers at once, one autocannon per server. */
async function rate(servers: ServerProcess[], path: string, options: { method: string; body?: string; token?: string; connections?: number }): Promise<{ rps: number; p99: number }> {
  const results = await Promise.all(
    servers.map((server) =>
      autocannon({
        url: `${server.url}${path}`,
        connections: options.connections ?? 20,
        duration: 5,
        method: options.method as 'POST',
        headers: { 'content-type': 'application/json', ...(options.token ? { 'X-Vault-Token': options.token } : {}) },
        ...(options.body === undefined ? {} : { body: options.body }),
      }),
    ),
  );
  for (const r of results) if (r.non2xx > 0 || r.errors > 0) throw new Error(`${path}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
  return { rps: results.reduce((sum, r) => sum + r.requests.average, 0), p99: Math.max(...results.map((r) => r.latency.p99)) };
}

async function postgresSetup(name: string, replicas: number): Promise<Setup> {
  const schema = `lanyard_bench_${randomBytes(4).toString('hex')}`;
  const dir = await mkdtemp(join(tmpdir(), 'lanyard-bench-seal-'));
  const sealKeyFile = join(dir, 'seal.key');
  await writeFile(sealKeyFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  const args = ['--storage', 'postgres', '--database-url', DATABASE_URL, '--database-schema', schema, '--seal-key-file', sealKeyFile];
  const servers = await Promise.all(Array.from({ length: replicas }, () => startServerProcess(args)));
  return {
    name,
    servers,
    async cleanup() {
      await Promise.all(servers.map((s) => s.stop()));
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function embeddedSetup(): Promise<Setup> {
  const server = await startServerProcess();
  return { name: 'embedded (lowdb + SQLite)', servers: [server], cleanup: () => server.stop() };
}

const AUDIENCE = 'lanyard-bench';
const SUBJECT = 'repo:acme/app:ref:refs/heads/main';

/** An entity with machine login for ES256 tokens of the bench issuer, and signed tokens for it. */
async function machineLogin(server: ServerProcess, issuer: BenchIssuer): Promise<() => string> {
  const entity = await call(server, 'POST', '/v1/identity/entity', { name: 'bench-machine', policies: ['default'] });
  const id = ((await entity.json()) as { data: { id: string } }).data.id;
  const attached = await call(server, 'POST', `/api/v1/auth/oidc-auth/identities/${id}`, {
    oidcDiscoveryUrl: issuer.url,
    boundIssuer: issuer.url,
    boundAudiences: AUDIENCE,
    boundSubject: SUBJECT,
    boundClaims: { repository: 'acme/app' },
    accessTokenTTL: 3600,
    accessTokenMaxTTL: 7200,
  });
  if (!attached.ok) throw new Error(`machine login config failed: ${attached.status} ${await attached.text()}`);
  const now = Math.floor(Date.now() / 1000);
  const pool = await Promise.all(
    Array.from({ length: 256 }, (_, i) => issuer.sign('ES256', { sub: SUBJECT, aud: AUDIENCE, repository: 'acme/app', run_id: String(i), iat: now, exp: now + 3600 })),
  );
  let next = 0;
  return () => JSON.stringify({ identityId: id, jwt: pool[next++ % pool.length] });
}

/** Machine logins per second over all servers, one autocannon per server, cycling the tokens. */
async function machineLoginRate(servers: ServerProcess[], body: () => string): Promise<{ rps: number; p99: number }> {
  const results = await Promise.all(
    servers.map((server) =>
      autocannon({
        url: `${server.url}/api/v1/auth/oidc-auth/login`,
        connections: 20,
        duration: 5,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        requests: [{ setupRequest: (request) => ({ ...request, body: body() }) }],
      }),
    ),
  );
  for (const r of results) if (r.non2xx > 0 || r.errors > 0) throw new Error(`machine login: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return { rps: results.reduce((sum, r) => sum + r.requests.average, 0), p99: Math.max(...results.map((r) => r.latency.p99)) };
}

/** Refresh-token grants per second over all servers: every answer's new token goes back into one pool. */
async function refreshRate(servers: ServerProcess[], oidc: LanyardOidcClient): Promise<{ rps: number; p99: number }> {
  const pool = [...oidc.refreshTokens];
  const path = new URL(`${oidc.issuer}/token`).pathname;
  const results = await Promise.all(
    servers.map((server) =>
      autocannon({
        url: server.url,
        connections: REFRESH_CONNECTIONS,
        duration: 5,
        requests: [
          {
            method: 'POST',
            path,
            headers: { authorization: oidc.basic, 'content-type': 'application/x-www-form-urlencoded' },
            setupRequest: (request) => {
              const token = pool.shift();
              if (token === undefined) throw new Error('the refresh token pool ran dry: a refresh failed');
              return { ...request, body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(token)}` };
            },
            onResponse: (status, body) => {
              if (status === 200) pool.push((JSON.parse(body) as { refresh_token: string }).refresh_token);
            },
          },
        ],
      }),
    ),
  );
  for (const r of results) if (r.non2xx > 0 || r.errors > 0) throw new Error(`OIDC refresh: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return { rps: results.reduce((sum, r) => sum + r['2xx'] / Math.max(0.001, r.duration), 0), p99: Math.max(...results.map((r) => r.latency.p99)) };
}

/** Round trip of `SELECT 1` from this process: the floor under every PostgreSQL statement. */
async function databaseRoundTrip(): Promise<number[]> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  const out: number[] = [];
  try {
    for (let i = 0; i < SAMPLE; i++) {
      const t = performance.now();
      await client.query('SELECT 1');
      out.push(performance.now() - t);
    }
  } finally {
    await client.end();
  }
  return out;
}

export async function runReplicasBench(): Promise<void> {
  const latencyRows: Array<[string, string, number, number]> = [];
  const roundTrip = await databaseRoundTrip();
  latencyRows.push(['postgres (reference)', 'SELECT 1 round trip', percentile(roundTrip, 50), percentile(roundTrip, 99)]);
  const rateRows: Array<[string, string, number, number]> = [];
  const propagation: number[] = [];
  const baseline: Record<string, number> = {};
  const machineBaseline: Record<string, number> = {};
  const refreshBaseline: Record<string, number> = {};
  const issuer = await startBenchIssuer(['ES256']);
  for (const open of [embeddedSetup, () => postgresSetup('postgres, 1 replica', 1), () => postgresSetup('postgres, 2 replicas', 2)]) {
    const setup = await open();
    try {
      const [first] = setup.servers as [ServerProcess];
      const token = await latencies(SAMPLE, () => call(first, 'POST', '/v1/auth/token/create', { policies: ['default'], ttl: '1h' }));
      latencyRows.push([setup.name, 'token write', percentile(token, 50), percentile(token, 99)]);
      const policy = await latencies(SAMPLE, (i) => call(first, 'PUT', `/v1/sys/policies/acl/bench-${i}`, { policy: `path "bench/${i}/*" { capabilities = ["read"] }` }));
      latencyRows.push([setup.name, 'config write (policy)', percentile(policy, 50), percentile(policy, 99)]);

      const created = await rate(setup.servers, '/v1/auth/token/create', { method: 'POST', body: JSON.stringify({ policies: ['default'], ttl: '1h' }), token: first.rootToken });
      rateRows.push([setup.name, 'token create (a login\'s storage work)', created.rps, created.p99]);
      const userRes = await call(first, 'POST', '/v1/auth/userpass/users/bench', { password: 'bench-password-123' });
      if (!userRes.ok) throw new Error(`user create failed: ${userRes.status}`);
      // Four in flight per replica: more attempts at once for one user are held back by the
      // brute-force limiter (429), whatever the store.
      const logins = await rate(setup.servers, '/v1/auth/userpass/login/bench', { method: 'POST', body: JSON.stringify({ password: 'bench-password-123' }), connections: 4 });
      rateRows.push([setup.name, 'userpass login (scrypt, 4 connections per replica)', logins.rps, logins.p99]);
      baseline[setup.name] = created.rps;
      const machineBody = await machineLogin(first, issuer);
      const machine = await machineLoginRate(setup.servers, machineBody);
      rateRows.push([setup.name, 'machine login (ES256 JWT, 20 connections per replica)', machine.rps, machine.p99]);
      machineBaseline[setup.name] = machine.rps;
      const oidc = await prepareLanyardOidc(first, 'ES256', REFRESH_CONNECTIONS * setup.servers.length * 2);
      const refresh = await refreshRate(setup.servers, oidc);
      rateRows.push([setup.name, `OIDC refresh (ES256, rotation, ${REFRESH_CONNECTIONS} connections per replica)`, refresh.rps, refresh.p99]);
      refreshBaseline[setup.name] = refresh.rps;

      if (setup.servers.length > 1) {
        const [a, b] = setup.servers as [ServerProcess, ServerProcess];
        await call(a, 'PUT', '/v1/sys/policies/acl/flip', { policy: 'path "sys/policies/acl/*" { capabilities = ["read"] }' });
        const flipToken = ((await (await call(a, 'POST', '/v1/auth/token/create', { policies: ['flip'] })).json()) as { auth: { client_token: string } }).auth.client_token;
        for (let i = 0; i < 20; i++) {
          const allow = i % 2 === 1;
          await (await call(b, 'GET', '/v1/sys/policies/acl/default', undefined, flipToken)).arrayBuffer();
          await call(a, 'PUT', '/v1/sys/policies/acl/flip', { policy: allow ? 'path "sys/policies/acl/*" { capabilities = ["read"] }' : 'path "nothing" { capabilities = ["read"] }' });
          const started = performance.now();
          for (;;) {
            const status = (await call(b, 'GET', '/v1/sys/policies/acl/default', undefined, flipToken)).status;
            if ((status === 200) === allow) break;
            if (performance.now() - started > 5000) throw new Error('policy change not seen within 5 s');
          }
          propagation.push(performance.now() - started);
        }
      }
    } finally {
      await setup.cleanup();
    }
  }
  printTable('Sequential latency (ms, one client)', ['store', 'operation', 'p50 ms', 'p99 ms'], latencyRows);
  const embedded = baseline['embedded (lowdb + SQLite)'] ?? NaN;
  printTable(
    'Throughput (autocannon, 5 s)',
    ['store', 'workload', 'req/s', 'p99 ms'],
    rateRows,
  );
  await issuer.close();
  const embeddedMachine = machineBaseline['embedded (lowdb + SQLite)'] ?? NaN;
  const embeddedRefresh = refreshBaseline['embedded (lowdb + SQLite)'] ?? NaN;
  printTable(
    'Against the embedded store, same run (target: one PostgreSQL replica ≥ 70% of the embedded login rate)',
    ['store', 'token create ratio', 'machine login ratio', 'OIDC refresh ratio'],
    Object.entries(baseline).map(([name, rps]) => [name, rps / embedded, (machineBaseline[name] ?? NaN) / embeddedMachine, (refreshBaseline[name] ?? NaN) / embeddedRefresh]),
  );
  printTable('Policy change on replica A enforced on replica B (20 flips, ms)', ['p50', 'p99', 'max'], [[percentile(propagation, 50), percentile(propagation, 99), Math.max(...propagation)]]);
}
