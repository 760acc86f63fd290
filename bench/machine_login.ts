/**
 * Machine login benchmark: `POST /api/v1/auth/oidc-auth/login` over HTTP (autocannon, 50
 * keep-alive connections) against the built server in a child process, for ES256 and RS256
 * inbound tokens, next to the bare jose verification rate of the same tokens in this process.
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/machine_login.js
 *
 * Each login does what a real one does: parse, configuration read, trusted-IP check, signature
 * and claim checks (subject, audience, a bound claim), a mapped claim, the alias check and a new
 * token in the state store. Reported: logins/s, p50/p99 latency, server CPU per login, and the
 * ratio to the bare verify rate (target ≥ 25% for ES256, p99 < 50 ms); then the issuer's request
 * counts (discovery and JWKS fetched once per cache period, not per login) and whether the
 * configuration file (lowdb) was written during the logins (it must not be). What the server's
 * own metrics say about each run's pauses (GC, event-loop delay) shows where the p99 comes from.
 *
 * Two reference rows put the figures in proportion: the same server answering the cheapest JSON
 * POST of this API (revoking an unknown token: body, hash, one state-store read, no crypto, no
 * write), which is the HTTP stack's ceiling; and the bare verify rate with one verification in
 * flight as well as with as many as there are connections. The target is stated against jose's
 * jwtVerify (WebCrypto); the rate of node:crypto's verify with a cached KeyObject, which the
 * verifier itself uses, is shown next to it so the ratio can also be read against the fastest
 * verification this process can do.
 */
import { createPublicKey, verify, type JsonWebKey } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { jwtVerify } from 'jose';
import { startBenchIssuer, type BenchIssuer } from './support/issuer.js';
import { describePauses, pausesBetween, readServerMetrics, type PauseReport } from './support/server_metrics.js';
import { startServerProcess, type ServerProcess } from './support/server_process.js';
import { printTable } from './support/table.js';

const CONNECTIONS = 50;
const WARMUP_SECONDS = 2;
const DURATION_SECONDS = 10;
const VERIFY_SECONDS = 3;
/** Distinct inbound JWTs per algorithm, cycled through by the load generator. */
const POOL = 512;
const ALGORITHMS = ['ES256', 'RS256'] as const;
const AUDIENCE = 'lanyard-bench';
const SUBJECT = 'repo:acme/app:ref:refs/heads/main';

interface Bare {
  readonly sequential: number;
  readonly concurrent: number;
  /** node:crypto verify with a KeyObject, synchronous, in this process. */
  readonly nodeCrypto: number;
}

interface LoadRun {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly total: number;
  readonly cpuPerRequestUs: number;
  readonly pauses: PauseReport;
}

export async function runMachineLoginBench(): Promise<void> {
  const issuer = await startBenchIssuer(ALGORITHMS);
  const dataDir = await mkdtemp(join(tmpdir(), 'lanyard-bench-machine-'));
  // The last --data-dir wins: this one is known here, so the configuration file can be watched.
  const server = await startServerProcess(['--data-dir', dataDir]);
  try {
    const pools = new Map<string, string[]>();
    const identities = new Map<string, string>();
    for (const alg of ALGORITHMS) {
      identities.set(alg, await configureIdentity(server, issuer, alg));
      pools.set(alg, await tokenPool(issuer, alg));
    }

    const configFile = join(dataDir, 'config.json');
    const before = await stat(configFile);
    const bare = new Map<string, Bare>();
    const runs = new Map<string, LoadRun>();
    for (const alg of ALGORITHMS) {
      // Measured right before its HTTP run, so both see the machine in the same state.
      bare.set(alg, {
        sequential: await bareVerifyRate(issuer, alg, pools.get(alg)!, 1),
        concurrent: await bareVerifyRate(issuer, alg, pools.get(alg)!, CONNECTIONS),
        nodeCrypto: nodeCryptoVerifyRate(issuer, alg, pools.get(alg)!),
      });
      await load(server, loginRequest(identities.get(alg)!, pools.get(alg)!), WARMUP_SECONDS);
      runs.set(alg, await load(server, loginRequest(identities.get(alg)!, pools.get(alg)!), DURATION_SECONDS));
    }
    const after = await stat(configFile);
    const configWritten = after.mtimeMs !== before.mtimeMs || after.size !== before.size;
    const floor = await load(server, () => JSON.stringify({ accessToken: 'lys.not-a-token' }), DURATION_SECONDS / 2, '/api/v1/auth/token/revoke');
    const logins = [...runs.values()].reduce((sum, run) => sum + run.total, 0);

    const percent = (part: number, whole: number) => `${((part / whole) * 100).toFixed(1)}%`;
    printTable(
      `Machine login over HTTP (${CONNECTIONS} keep-alive connections, ${DURATION_SECONDS} s per algorithm, server in a child process) vs bare jose jwtVerify in this process`,
      ['request', 'req/s', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'bare jose verify/s (1 | 50 in flight)', 'logins / bare jose (1 | 50)', 'bare node:crypto verify/s', 'logins / node:crypto', 'server: major GCs | other GC | event-loop delay max / p99'],
      [
        ...ALGORITHMS.map((alg) => {
          const run = runs.get(alg)!;
          const rate = bare.get(alg)!;
          return [
            `login, ${alg} JWT`,
            run.rps,
            run.p50,
            run.p99,
            run.cpuPerRequestUs,
            `${Math.round(rate.sequential)} | ${Math.round(rate.concurrent)}`,
            `${percent(run.rps, rate.sequential)} | ${percent(run.rps, rate.concurrent)}`,
            Math.round(rate.nodeCrypto),
            percent(run.rps, rate.nodeCrypto),
            describePauses(run.pauses),
          ];
        }),
        ['HTTP floor: revoke unknown token', floor.rps, floor.p50, floor.p99, floor.cpuPerRequestUs, '-', '-', '-', '-', describePauses(floor.pauses)],
      ],
    );
    const counts = issuer.counts();
    printTable(
      'Issuer requests during the whole run (two identities on one provider; the verifier cache lasts 10 min)',
      ['logins measured (warm-up not counted)', 'discovery requests', 'JWKS requests', 'config.json written during logins'],
      [[String(logins), String(counts['/.well-known/openid-configuration'] ?? 0), String(counts['/keys'] ?? 0), configWritten ? 'YES' : 'no']],
    );
    const es = runs.get('ES256')!;
    const ratio = es.rps / bare.get('ES256')!.concurrent;
    const nodeRatio = es.rps / bare.get('ES256')!.nodeCrypto;
    console.log(
      `\nTargets: ES256 logins ≥ 25% of bare jose verify: ${ratio >= 0.25 ? 'met' : 'MISSED'} (${(ratio * 100).toFixed(1)}%; ` +
        `${(nodeRatio * 100).toFixed(1)}% of bare node:crypto verify); ` +
        `p99 < 50 ms: ${Math.max(...[...runs.values()].map((run) => run.p99)) < 50 ? 'met' : 'MISSED'}; ` +
        `no lowdb write per login: ${configWritten ? 'MISSED' : 'met'}`,
    );
  } finally {
    await server.stop();
    await issuer.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** An entity with machine login attached for tokens of `alg`; returns its id. */
async function configureIdentity(server: ServerProcess, issuer: BenchIssuer, alg: string): Promise<string> {
  const entity = await admin(server, 'POST', '/v1/identity/entity', { name: `bench-${alg.toLowerCase()}`, policies: ['default'] });
  const id = (entity as { data: { id: string } }).data.id;
  await admin(server, 'POST', `/api/v1/auth/oidc-auth/identities/${id}`, {
    oidcDiscoveryUrl: issuer.url,
    boundIssuer: issuer.url,
    boundAudiences: AUDIENCE,
    boundSubject: SUBJECT,
    boundClaims: { repository: 'acme/app' },
    claimMetadataMapping: { repo: 'repository' },
    accessTokenTTL: 3600,
    accessTokenMaxTTL: 7200,
  });
  return id;
}

async function admin(server: ServerProcess, method: string, path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { 'X-Vault-Token': server.rootToken, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text === '' ? undefined : JSON.parse(text);
}

async function tokenPool(issuer: BenchIssuer, alg: string): Promise<string[]> {
  const now = Math.floor(Date.now() / 1000);
  return Promise.all(
    Array.from({ length: POOL }, (_, i) =>
      issuer.sign(alg, { sub: SUBJECT, aud: AUDIENCE, repository: 'acme/app', run_id: String(i), iat: now, exp: now + 3600 }),
    ),
  );
}

/**
 * What jose alone manages in this process: jwtVerify of the same tokens with the public key
 * already imported, `inFlight` at a time (WebCrypto runs verifications on libuv's thread pool, so
 * more than one in flight can use more than one core).
 */
async function bareVerifyRate(issuer: BenchIssuer, alg: string, pool: readonly string[], inFlight: number): Promise<number> {
  const key = issuer.keys.get(alg)!.publicKey;
  const options = { algorithms: [alg], issuer: issuer.url, audience: AUDIENCE };
  let done = 0;
  const deadline = performance.now() + VERIFY_SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async (_, worker) => {
      for (let i = worker; performance.now() < deadline; i += inFlight) {
        await jwtVerify(pool[i % pool.length]!, key, options);
        done += 1;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

/** The same tokens through node:crypto's verify with the key imported once, one at a time. */
function nodeCryptoVerifyRate(issuer: BenchIssuer, alg: string, pool: readonly string[]): number {
  const key = createPublicKey({ key: issuer.keys.get(alg)!.publicJwk as JsonWebKey, format: 'jwk' });
  const options = alg.startsWith('ES') ? { key, dsaEncoding: 'ieee-p1363' as const } : { key };
  const digest = `sha${alg.slice(2)}`;
  let done = 0;
  const deadline = performance.now() + VERIFY_SECONDS * 1000;
  const started = performance.now();
  for (let i = 0; performance.now() < deadline; i++) {
    const token = pool[i % pool.length]!;
    const dot = token.lastIndexOf('.');
    if (!verify(digest, Buffer.from(token.slice(0, dot), 'latin1'), options, Buffer.from(token.slice(dot + 1), 'base64url'))) {
      throw new Error(`${alg}: a pool token did not verify`);
    }
    done += 1;
  }
  return done / ((performance.now() - started) / 1000);
}

/** Login bodies cycling through the token pool. */
function loginRequest(identityId: string, pool: readonly string[]): () => string {
  let next = 0;
  return () => JSON.stringify({ identityId, jwt: pool[next++ % pool.length] });
}

async function load(server: ServerProcess, body: () => string, seconds: number, path = '/api/v1/auth/oidc-auth/login'): Promise<LoadRun> {
  const metricsBefore = await readServerMetrics(server);
  const cpuBefore = await server.cpuMicros();
  const result = await autocannon({
    url: `${server.url}${path}`,
    connections: CONNECTIONS,
    duration: seconds,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    requests: [{ setupRequest: (request) => ({ ...request, body: body() }) }],
  });
  const cpu = (await server.cpuMicros()) - cpuBefore;
  const pauses = pausesBetween(metricsBefore, await readServerMetrics(server));
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${path}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return {
    pauses,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    cpuPerRequestUs: cpu / Math.max(1, result.requests.total),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runMachineLoginBench();
