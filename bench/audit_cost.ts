/**
 * What one file audit device costs: admin reads (`GET /v1/sys/policies/acl/default` with the root
 * token) and machine logins (ES256 workload JWTs) over HTTP (autocannon, 50 keep-alive
 * connections) against the built server in a child process, with no audit device and then with
 * one file device, alternating twice so drift on a shared machine falls on both sides alike.
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/audit_cost.js
 *
 * Reported: requests per second with and without the device, the ratio (target: no more than 15%
 * fewer requests per second), p99 latency, server CPU per request with and without (the fewer
 * requests a CPU-bound server would serve follow from it, and it moves less than req/s when other
 * work shares the machine), and the audit lines written (two per request: request and response).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startBenchIssuer } from './support/issuer.js';
import { startServerProcess, type ServerProcess } from './support/server_process.js';
import { printTable } from './support/table.js';

const CONNECTIONS = 50;
const WARMUP_SECONDS = 1;
const DURATION_SECONDS = 5;
const ROUNDS = 2;
const AUDIENCE = 'lanyard-bench';
const SUBJECT = 'repo:acme/app:ref:refs/heads/main';
const POOL = 512;

interface Workload {
  readonly name: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: () => string;
}

interface Run {
  readonly rps: number;
  readonly p99: number;
  readonly total: number;
  /** Server CPU time per request (from /proc): steadier than req/s on a shared machine. */
  readonly cpuPerRequestUs: number;
}

export async function runAuditCostBench(): Promise<void> {
  const issuer = await startBenchIssuer(['ES256']);
  const dataDir = await mkdtemp(join(tmpdir(), 'lanyard-bench-audit-'));
  const server = await startServerProcess(['--data-dir', dataDir]);
  const auditFile = join(dataDir, 'audit.log');
  try {
    const identity = await configureIdentity(server, issuer.url);
    const now = Math.floor(Date.now() / 1000);
    const pool = await Promise.all(
      Array.from({ length: POOL }, (_, i) => issuer.sign('ES256', { sub: SUBJECT, aud: AUDIENCE, run_id: String(i), iat: now, exp: now + 3600 })),
    );
    let next = 0;
    const workloads: Workload[] = [
      { name: 'admin read (policy)', method: 'GET', path: '/v1/sys/policies/acl/default', headers: { 'X-Vault-Token': server.rootToken } },
      {
        name: 'machine login (ES256)',
        method: 'POST',
        path: '/api/v1/auth/oidc-auth/login',
        headers: { 'content-type': 'application/json' },
        body: () => JSON.stringify({ identityId: identity, jwt: pool[next++ % pool.length] }),
      },
    ];

    const results = new Map<string, { without: Run[]; with: Run[] }>();
    for (const workload of workloads) results.set(workload.name, { without: [], with: [] });
    let audited = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of ['without', 'with'] as const) {
        if (mode === 'with') await admin(server, 'PUT', '/v1/sys/audit/bench', { type: 'file', options: { file_path: auditFile } });
        for (const workload of workloads) {
          await load(server, workload, WARMUP_SECONDS);
          const run = await load(server, workload, DURATION_SECONDS);
          results.get(workload.name)![mode].push(run);
          if (mode === 'with') audited += run.total;
        }
        if (mode === 'with') await admin(server, 'DELETE', '/v1/sys/audit/bench', undefined);
      }
    }
    const lines = (await readFile(auditFile, 'utf8')).split('\n').filter(Boolean).length;

    const mean = (runs: readonly Run[], pick: (run: Run) => number) => runs.reduce((sum, run) => sum + pick(run), 0) / runs.length;
    const rows = workloads.map((workload) => {
      const { without, with: withDevice } = results.get(workload.name)!;
      const base = mean(without, (r) => r.rps);
      const audit = mean(withDevice, (r) => r.rps);
      const cpuBase = mean(without, (r) => r.cpuPerRequestUs);
      const cpuAudit = mean(withDevice, (r) => r.cpuPerRequestUs);
      return [
        workload.name,
        base,
        audit,
        `${((audit / base) * 100).toFixed(1)}%`,
        `${(((base - audit) / base) * 100).toFixed(1)}%`,
        mean(without, (r) => r.p99),
        mean(withDevice, (r) => r.p99),
        cpuBase,
        cpuAudit,
        `${(((cpuAudit - cpuBase) / cpuAudit) * 100).toFixed(1)}%`,
      ];
    });
    printTable(
      `One file audit device vs none (${CONNECTIONS} keep-alive connections, ${DURATION_SECONDS} s per run, ${ROUNDS} alternating rounds, server in a child process)`,
      [
        'request',
        'req/s without',
        'req/s with file device',
        'ratio',
        'fewer req/s',
        'p99 ms without',
        'p99 ms with',
        'server CPU µs/req without',
        'with',
        'fewer req/s at full CPU',
      ],
      rows,
    );
    console.log(`\nAudit lines written: ${lines} for ${audited} measured requests plus warm-up (two per request: request and response).`);
    const worst = Math.max(...rows.map((row) => 1 - Number(row[2]) / Number(row[1])));
    const worstCpu = Math.max(...rows.map((row) => 1 - Number(row[7]) / Number(row[8])));
    console.log(
      `Target: at most 15% fewer requests per second with one file device: measured ${worst <= 0.15 ? 'met' : 'MISSED'} (worst ${(worst * 100).toFixed(1)}%); ` +
        `from server CPU per request (what a CPU-bound server loses) ${worstCpu <= 0.15 ? 'met' : 'MISSED'} (worst ${(worstCpu * 100).toFixed(1)}%)`,
    );
  } finally {
    await server.stop();
    await issuer.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function configureIdentity(server: ServerProcess, issuerUrl: string): Promise<string> {
  const entity = (await admin(server, 'POST', '/v1/identity/entity', { name: 'bench-audit', policies: ['default'] })) as { data: { id: string } };
  await admin(server, 'POST', `/api/v1/auth/oidc-auth/identities/${entity.data.id}`, {
    oidcDiscoveryUrl: issuerUrl,
    boundIssuer: issuerUrl,
    boundAudiences: AUDIENCE,
    boundSubject: SUBJECT,
    boundClaims: {},
    accessTokenTTL: 3600,
    accessTokenMaxTTL: 7200,
  });
  return entity.data.id;
}

async function admin(server: ServerProcess, method: string, path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { 'X-Vault-Token': server.rootToken, 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text === '' ? undefined : JSON.parse(text);
}

async function load(server: ServerProcess, workload: Workload, seconds: number): Promise<Run> {
  const body = workload.body;
  const cpuBefore = await server.cpuMicros();
  const result = await autocannon({
    url: `${server.url}${workload.path}`,
    connections: CONNECTIONS,
    duration: seconds,
    method: workload.method,
    headers: workload.headers,
    ...(body ? { requests: [{ setupRequest: (request) => ({ ...request, body: body() }) }] } : {}),
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${workload.path}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  const cpu = (await server.cpuMicros()) - cpuBefore;
  return { rps: result.requests.average, p99: result.latency.p99, total: result.requests.total, cpuPerRequestUs: cpu / Math.max(1, result.requests.total) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runAuditCostBench();
