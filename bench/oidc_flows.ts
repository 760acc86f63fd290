/**
 * OIDC protocol benchmark: Lanyard's providers against a plain node-oidc-provider in the same run.
 *
 *   npm run bench -- oidc-flows          (or: node dist/bench/oidc_flows.js [ALG ...], default ES256)
 *
 * Both servers run in child processes, each an Express 5 app with the provider mounted at the same
 * path. Lanyard is the built server (SQLite state, lowdb configuration, per-client keys,
 * assignments, templates). The plain one is node-oidc-provider as fast as it can be set up with
 * the same work to do: a Map-backed adapter with no eviction (bench/support/map_adapter.ts; the
 * bundled development adapter is a 1,000-entry LRU that drops live grants under load), refresh
 * token rotation on every use, one grant per refresh token (as Lanyard's sign-ins make them), the
 * same client authentication (client_secret_basic), key type and scopes. The load generator
 * (autocannon, 50 connections) runs here, so the servers' CPU time, read from /proc, is theirs
 * alone. The two are measured in alternating rounds and each figure is the median of its rounds,
 * so load from elsewhere on the machine falls on both alike.
 *
 * Measured: userinfo; the token endpoint with grant_type=refresh_token (each answer's new refresh
 * token goes back into a pool the requests draw from; the ID token is signed on every refresh);
 * and authorization-code exchange (a fixed number of fresh codes per side). Reported for both
 * sides: 2xx count, failed requests, requests/s, p50/p99, server CPU per request and server RSS
 * after the run, then the Lanyard/plain ratios. A baseline with failures is reported as such: its
 * ratio would mislead.
 *
 * `LANYARD_BENCH_OIDC_ENDPOINTS=refresh` (a comma list of userinfo, refresh, code) measures only
 * those: with LANYARD_BENCH_PROFILE_DIR, the profiles then hold one endpoint's work alone.
 *
 * This file is also the plain server: started with `--plain-provider`, it serves instead of
 * measuring (configuration from the environment, seeded tokens printed as one JSON line).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import express from 'express';
import { exportJWK, generateKeyPair } from 'jose';
import { Provider, type Configuration } from 'oidc-provider';
import { isSigningAlgorithm, type SigningAlgorithm } from '../keys/named_key_params.js';
import { MapAdapter } from './support/map_adapter.js';
import { printTable } from './support/table.js';
import { chosenFromEnv } from './support/env_list.js';
import { readServerMetrics } from './support/server_metrics.js';
import { profileArgs, startServerProcess, type ServerProcess } from './support/server_process.js';

const CONNECTIONS = 50;
const WARMUP_SECONDS = 3;
const ROUNDS = 3;
const ROUND_SECONDS = 5;
/** Authorization codes per side for the code-exchange row (each is used once). */
const CODES = 1_000;
/**
 * Codes exchanged first on each side and not counted. Without them a run of the code row alone
 * (LANYARD_BENCH_OIDC_ENDPOINTS=code) met a cold server: the plain library did 705 exchanges/s at
 * 1,770 µs each; after 200 it did ~940/s, after 1,000 ~1,050/s at ~1,140 µs, near what it does
 * after the other rows have run.
 */
const WARMUP_CODES = 1_000;
/**
 * Refresh tokens per server. Every connection holds one in flight, and a run that ends cuts its
 * in-flight requests off, losing their new tokens: each run may cost a token per connection.
 */
const TOKEN_POOL = CONNECTIONS * (ROUNDS + 4);
const REDIRECT_URI = 'https://rp.example.com/callback';
const MOUNT = '/v1/identity/oidc/provider/bench';
const PLAIN_FLAG = '--plain-provider';
const PLAIN_ENV = 'LANYARD_BENCH_PLAIN';
/** What LANYARD_BENCH_OIDC_ENDPOINTS may name. */
const ENDPOINTS = ['userinfo', 'refresh', 'code'] as const;
/** The plain child's seeding endpoint (outside the provider's mount). */
const CODES_PATH = '/bench/codes';

/** What both servers are measured with: an issuer, a confidential client and its tokens. */
interface Target {
  readonly issuer: string;
  readonly basic: string;
  readonly refreshTokens: string[];
  readonly accessToken: string;
  /** `n` fresh authorization codes for REDIRECT_URI. */
  codes(n: number): Promise<string[]>;
  cpuMicros(): Promise<number>;
  rss(): Promise<number>;
  /** Lanyard only: storage calls so far, by `operation kind` (from its Prometheus metrics). */
  storageCalls?(): Promise<Map<string, number>>;
  stop(): Promise<void>;
}

interface Measurement {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly cpuPerRequestUs: number;
  readonly ok: number;
  readonly failed: number;
  readonly rssMb: number;
  /** Lanyard only: storage calls per request, e.g. `get oidc_state 3.0, put oidc_state 2.0`. */
  readonly storageCalls?: string;
}

// ---- The measuring side ----

/** One run of refresh_token grants: each answer's new refresh token goes back into the pool. */
function refreshRun(target: Target, pool: string[], seconds: number): Promise<Measurement> {
  return load(target, { duration: seconds }, {
    method: 'POST',
    path: new URL(`${target.issuer}/token`).pathname,
    headers: { authorization: target.basic, 'content-type': 'application/x-www-form-urlencoded' },
    setupRequest: (request: Record<string, unknown>) => {
      const token = pool.shift();
      if (token === undefined) throw new Error('the refresh token pool ran dry: a refresh failed');
      return { ...request, body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(token)}` };
    },
    onResponse: (status: number, body: string) => {
      if (status === 200) pool.push((JSON.parse(body) as { refresh_token: string }).refresh_token);
    },
  });
}

function userinfoRun(target: Target, seconds: number): Promise<Measurement> {
  return load(target, { duration: seconds }, { method: 'GET', path: new URL(`${target.issuer}/userinfo`).pathname, headers: { authorization: `Bearer ${target.accessToken}` } });
}

/** Exchanges `codes` once each; the run ends when they are used up. */
function codeRun(target: Target, codes: string[]): Promise<Measurement> {
  return load(target, { amount: codes.length }, {
    method: 'POST',
    path: new URL(`${target.issuer}/token`).pathname,
    headers: { authorization: target.basic, 'content-type': 'application/x-www-form-urlencoded' },
    setupRequest: (request: Record<string, unknown>) => {
      const code = codes.shift() ?? 'used-up';
      return { ...request, body: `grant_type=authorization_code&code=${encodeURIComponent(code)}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}` };
    },
  });
}

async function load(target: Target, length: { duration: number } | { amount: number }, request: Record<string, unknown>): Promise<Measurement> {
  const callsBefore = await target.storageCalls?.();
  const cpuBefore = await target.cpuMicros();
  // Timed to the last answer: autocannon ends a fixed-count run on its one-second tick, so its
  // own duration (and the wall clock around it) would read a 1.2 s run as 2 s.
  const started = performance.now();
  let lastAnswer = started;
  const onResponse = request.onResponse as ((status: number, body: string, context: unknown) => void) | undefined;
  const timed = { ...request, onResponse: (status: number, body: string, context: unknown) => {
    lastAnswer = performance.now();
    onResponse?.(status, body, context);
  } };
  const result = await autocannon({ url: new URL(target.issuer).origin, connections: CONNECTIONS, ...length, requests: [timed] });
  const seconds = (lastAnswer - started) / 1000;
  const cpu = (await target.cpuMicros()) - cpuBefore;
  const callsAfter = await target.storageCalls?.();
  const ok = result['2xx'];
  return {
    ...(callsBefore && callsAfter ? { storageCalls: callsPerRequest(callsBefore, callsAfter, result.requests.total) } : {}),
    // Only 2xx answers count as throughput; failures are reported apart.
    rps: ok / Math.max(0.001, seconds),
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuPerRequestUs: cpu / Math.max(1, result.requests.total),
    ok,
    failed: result.non2xx + result.errors,
    rssMb: (await target.rss()) / 1e6,
  };
}

/** The storage calls between two readings, per request, largest first. */
function callsPerRequest(before: Map<string, number>, after: Map<string, number>, requests: number): string {
  return [...after]
    .map(([key, count]) => [key, (count - (before.get(key) ?? 0)) / Math.max(1, requests)] as const)
    .filter(([, perRequest]) => perRequest >= 0.05)
    .sort((a, b) => b[1] - a[1])
    .map(([key, perRequest]) => `${key} ${perRequest.toFixed(1)}`)
    .join(', ');
}

/** Counts of `lanyard_storage_operation_duration_seconds` by operation and kind. */
async function lanyardStorageCalls(server: ServerProcess): Promise<Map<string, number>> {
  const calls = new Map<string, number>();
  for (const sample of await readServerMetrics(server)) {
    if (sample.name !== 'lanyard_storage_operation_duration_seconds_count') continue;
    const { operation, kind } = sample.labels;
    if (operation !== undefined && kind !== undefined) calls.set(`${operation} ${kind}`.trim(), sample.value);
  }
  return calls;
}

// ---- Lanyard ----

/** A Lanyard provider, a confidential client with its key, a user and `tokens` refresh tokens. */
export interface LanyardOidcClient {
  readonly issuer: string;
  readonly basic: string;
  readonly refreshTokens: string[];
  readonly accessToken: string;
  /** A fresh authorization code (one sign-in with the user's Lanyard token, no pages). */
  code(): Promise<string>;
}

/** Sets up `server` for the OIDC rows; also used by the replicas benchmark. */
export async function prepareLanyardOidc(server: ServerProcess, algorithm: SigningAlgorithm, tokens: number): Promise<LanyardOidcClient> {
  const admin = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${server.url}/v1/${path}`, {
      method,
      headers: { 'x-vault-token': server.rootToken, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text === '' ? undefined : JSON.parse(text);
  };
  await admin('POST', 'identity/oidc/key/bench', { algorithm, allowed_client_ids: '*' });
  await admin('POST', 'identity/oidc/client/bench', { key: 'bench', redirect_uris: REDIRECT_URI, assignments: 'allow_all' });
  const client = ((await admin('GET', 'identity/oidc/client/bench')) as { data: { client_id: string; client_secret: string } }).data;
  await admin('POST', 'identity/oidc/provider/bench', { issuer: server.url, allowed_client_ids: client.client_id });
  await admin('POST', 'auth/userpass/users/bench-oidc', { password: 'bench-password' });
  const login = await fetch(`${server.url}/v1/auth/userpass/login/bench-oidc`, { method: 'POST', body: JSON.stringify({ password: 'bench-password' }) });
  const userToken = ((await login.json()) as { auth: { client_token: string } }).auth.client_token;

  const issuer = `${server.url}${MOUNT}`;
  const basic = `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`;
  // Each sign-in makes its own grant.
  const code = async (): Promise<string> => {
    const authorize = new URL(`${issuer}/authorize`);
    authorize.search = new URLSearchParams({ client_id: client.client_id, redirect_uri: REDIRECT_URI, response_type: 'code', scope: 'openid offline_access', prompt: 'consent' }).toString();
    const redirect = await fetch(authorize, { headers: { 'x-vault-token': userToken }, redirect: 'manual' });
    const value = new URL(redirect.headers.get('location') as string).searchParams.get('code');
    if (value === null) throw new Error(`authorization failed: ${redirect.headers.get('location')}`);
    return value;
  };
  const refreshTokens: string[] = [];
  let accessToken = '';
  for (let i = 0; i < tokens; i++) {
    const answer = await tokenRequest(issuer, basic, { grant_type: 'authorization_code', code: await code(), redirect_uri: REDIRECT_URI });
    refreshTokens.push(answer.refresh_token);
    accessToken = answer.access_token;
  }
  return { issuer, basic, refreshTokens, accessToken, code };
}

async function lanyardTarget(algorithm: SigningAlgorithm): Promise<Target> {
  const server: ServerProcess = await startServerProcess();
  const oidc = await prepareLanyardOidc(server, algorithm, TOKEN_POOL);
  return {
    ...oidc,
    async codes(n) {
      const out: string[] = [];
      // Eight sign-ins in flight: quick to make, and not so many that the first codes expire.
      await Promise.all(Array.from({ length: 8 }, async () => { while (out.length < n) out.push(await oidc.code()); }));
      return out.slice(0, n);
    },
    cpuMicros: () => server.cpuMicros(),
    rss: () => server.rss(),
    storageCalls: () => lanyardStorageCalls(server),
    stop: () => server.stop(),
  };
}

async function tokenRequest(issuer: string, basic: string, params: Record<string, string>): Promise<{ access_token: string; refresh_token: string }> {
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
  });
  if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { access_token: string; refresh_token: string };
}

// ---- The plain library ----

interface PlainSetup {
  readonly algorithm: SigningAlgorithm;
  readonly clientId: string;
  readonly clientSecret: string;
}

interface PlainReady {
  readonly issuer: string;
  readonly refreshTokens: string[];
  readonly accessToken: string;
}

async function plainTarget(algorithm: SigningAlgorithm): Promise<Target> {
  const setup: PlainSetup = { algorithm, clientId: 'bench-client', clientSecret: 'bench-secret-0123456789abcdefghijklmnopqrstuvwxyz' };
  const child: ChildProcess = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', ...profileArgs(), fileURLToPath(import.meta.url), PLAIN_FLAG], {
    env: { ...process.env, [PLAIN_ENV]: JSON.stringify(setup) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = await new Promise<PlainReady>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line !== undefined && out.includes('\n')) resolve(JSON.parse(line) as PlainReady);
    });
    child.once('exit', (code) => reject(new Error(`plain provider exited early with code ${code}`)));
  });
  const pid = child.pid as number;
  return {
    issuer: ready.issuer,
    basic: `Basic ${Buffer.from(`${setup.clientId}:${setup.clientSecret}`).toString('base64')}`,
    refreshTokens: ready.refreshTokens,
    accessToken: ready.accessToken,
    async codes(n) {
      const res = await fetch(`${new URL(ready.issuer).origin}${CODES_PATH}?n=${n}`, { method: 'POST' });
      return (await res.json()) as string[];
    },
    cpuMicros: () => processCpuMicros(pid),
    rss: () => processRss(pid),
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

/** User + system CPU of a process in microseconds, from /proc (clock ticks of 10 ms). */
async function processCpuMicros(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

async function processRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
}

/** The child: node-oidc-provider as its documentation sets it up, with seeded tokens. */
async function servePlainProvider(): Promise<void> {
  const setup = JSON.parse(process.env[PLAIN_ENV] ?? '') as PlainSetup;
  const { privateKey } = await generateKeyPair(setup.algorithm, { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'bench', alg: setup.algorithm, use: 'sig' };
  const app = express();
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}${MOUNT}`;

  const configuration: Configuration = {
    clients: [
      {
        client_id: setup.clientId,
        client_secret: setup.clientSecret,
        redirect_uris: [REDIRECT_URI],
        response_types: ['code'],
        grant_types: ['authorization_code', 'refresh_token'],
        id_token_signed_response_alg: setup.algorithm,
      },
    ],
    jwks: { keys: [jwk] },
    enabledJWA: { idTokenSigningAlgValues: [setup.algorithm] },
    adapter: MapAdapter,
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    scopes: ['openid', 'offline_access'],
    conformIdTokenClaims: false,
    rotateRefreshToken: true,
    routes: { authorization: '/authorize', token: '/token', userinfo: '/userinfo', jwks: '/.well-known/keys' },
    cookies: { keys: ['bench-cookie-key-0123456789'] },
    features: {
      devInteractions: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      dPoP: { enabled: false },
      resourceIndicators: { enabled: false },
    },
  };
  const provider = new Provider(issuer, configuration);
  app.use(MOUNT, provider.callback());
  // A clean exit on SIGTERM, so that --cpu-prof writes its profile.
  process.once('SIGTERM', () => process.exit(0));

  const client = await provider.Client.find(setup.clientId);
  if (client === undefined) throw new Error('the static client is missing');
  // One grant per token, as each of Lanyard's sign-ins makes one.
  const newGrant = async (): Promise<string> => {
    const grant = new provider.Grant({ accountId: 'bench-user', clientId: setup.clientId });
    grant.addOIDCScope('openid offline_access');
    return grant.save();
  };
  const common = { accountId: 'bench-user', client, scope: 'openid offline_access' };
  const refreshTokens: string[] = [];
  for (let i = 0; i < TOKEN_POOL; i++) {
    refreshTokens.push(await new provider.RefreshToken({ ...common, grantId: await newGrant(), gty: 'authorization_code', rotations: 0 }).save());
  }
  const accessToken = await new provider.AccessToken({ ...common, grantId: await newGrant(), gty: 'authorization_code', scope: 'openid' }).save();
  app.post(CODES_PATH, async (req, res) => {
    const codes: string[] = [];
    for (let i = 0; i < Number(req.query.n); i++) {
      codes.push(await new provider.AuthorizationCode({ ...common, grantId: await newGrant(), gty: 'authorization_code', redirectUri: REDIRECT_URI, authTime: Math.floor(Date.now() / 1000) }).save());
    }
    res.json(codes);
  });
  process.stdout.write(`${JSON.stringify({ issuer, refreshTokens, accessToken } satisfies PlainReady)}\n`);
}

// ---- Main ----

type Run = (target: Target, seconds: number) => Promise<Measurement>;

/**
 * Both servers run side by side and are measured in alternating rounds, so a neighbour's load on
 * the machine falls on both alike; each figure is the median of the rounds.
 */
async function benchmark(algorithms: readonly SigningAlgorithm[]): Promise<void> {
  const wanted = new Set(chosenFromEnv('LANYARD_BENCH_OIDC_ENDPOINTS', ENDPOINTS));
  for (const algorithm of algorithms) {
    const plain = await plainTarget(algorithm);
    const lanyard = await lanyardTarget(algorithm).catch(async (err: unknown) => {
      await plain.stop();
      throw err;
    });
    const rows: Array<Array<string | number>> = [];
    const calls: Array<Array<string | number>> = [];
    const addRows = (endpoint: string, p: Measurement, l: Measurement): void => {
      calls.push([endpoint, l.storageCalls ?? '']);
      const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}x`;
      const row = (server: string, m: Measurement) => [endpoint, server, String(m.ok), String(m.failed), m.rps, m.p50, m.p99, m.cpuPerRequestUs, m.rssMb];
      rows.push(
        row('plain node-oidc-provider', p),
        row('Lanyard', l),
        [endpoint, p.failed > 0 ? 'Lanyard / plain (BASELINE FAILED: ratio void)' : l.failed > 0 ? 'Lanyard / plain (LANYARD FAILED requests)' : 'Lanyard / plain', '', '', ratio(l.rps, p.rps), ratio(l.p50, p.p50), ratio(l.p99, p.p99), ratio(l.cpuPerRequestUs, p.cpuPerRequestUs), ratio(l.rssMb, p.rssMb)],
      );
    };
    try {
      const pools = new Map([plain, lanyard].map((target) => [target, [...target.refreshTokens]]));
      const endpoints: ReadonlyArray<readonly [string, Run]> = [
        ...(wanted.has('userinfo') ? [['userinfo', userinfoRun] as const] : []),
        ...(wanted.has('refresh')
          ? [['token (refresh_token, rotating)', (target: Target, seconds: number) => refreshRun(target, pools.get(target) as string[], seconds)] as const]
          : []),
      ];
      for (const [endpoint, run] of endpoints) {
        for (const target of [plain, lanyard]) {
          // A failing warm-up would drain the refresh-token pool unnoticed.
          const warm = await run(target, WARMUP_SECONDS);
          if (warm.failed > 0) throw new Error(`${endpoint} warm-up: ${warm.failed} failed requests on ${target === plain ? 'the plain library' : 'Lanyard'}`);
        }
        const rounds = new Map<Target, Measurement[]>([
          [plain, []],
          [lanyard, []],
        ]);
        for (let round = 0; round < ROUNDS; round++) {
          for (const target of [plain, lanyard]) rounds.get(target)?.push(await run(target, ROUND_SECONDS));
        }
        addRows(endpoint, median(rounds.get(plain) as Measurement[]), median(rounds.get(lanyard) as Measurement[]));
      }
      if (wanted.has('code')) {
        const exchanged = new Map<Target, Measurement>();
        for (const target of [plain, lanyard]) {
          const warm = await codeRun(target, await target.codes(WARMUP_CODES));
          if (warm.failed > 0) throw new Error(`code exchange warm-up: ${warm.failed} failed requests on ${target === plain ? 'the plain library' : 'Lanyard'}`);
          exchanged.set(target, await codeRun(target, await target.codes(CODES)));
        }
        addRows(`token (authorization_code, ${CODES} codes)`, exchanged.get(plain) as Measurement, exchanged.get(lanyard) as Measurement);
      }
    } finally {
      await Promise.all([plain.stop(), lanyard.stop()]);
    }
    printTable(
      `OIDC endpoints, ${algorithm} ID tokens (${CONNECTIONS} connections; median of ${ROUNDS} alternating ${ROUND_SECONDS} s rounds after ${WARMUP_SECONDS} s warm-up; RSS after the run)`,
      ['endpoint', 'server', '2xx', 'failed', 'req/s', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'RSS MB'],
      rows,
    );
    printTable('Lanyard storage calls per request (operation, kind; from its metrics, middle round)', ['endpoint', 'calls per request'], calls);
  }
}

function median(runs: readonly Measurement[]): Measurement {
  const middle = (by: (value: Measurement) => number): number => by([...runs].sort((a, b) => by(a) - by(b))[Math.floor(runs.length / 2)] as Measurement);
  return {
    rps: middle((run) => run.rps),
    p50: middle((run) => run.p50),
    p99: middle((run) => run.p99),
    cpuPerRequestUs: middle((run) => run.cpuPerRequestUs),
    // Counts add up over the rounds: a failure in any round shows.
    ok: runs.reduce((sum, run) => sum + run.ok, 0),
    failed: runs.reduce((sum, run) => sum + run.failed, 0),
    rssMb: Math.max(...runs.map((run) => run.rssMb)),
    ...(runs[0]?.storageCalls !== undefined ? { storageCalls: runs[Math.floor(runs.length / 2)]?.storageCalls ?? '' } : {}),
  };
}

/** `npm run bench -- oidc-flows`: ES256, the algorithm of the issue's table. */
export async function runOidcFlowsBench(algorithms: readonly SigningAlgorithm[] = ['ES256']): Promise<void> {
  const load = loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`(${cpus().length} CPUs, load average ${load})`);
  await benchmark(algorithms);
}

if (process.argv.includes(PLAIN_FLAG)) {
  await servePlainProvider();
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const requested = process.argv.slice(2);
  const unknown = requested.filter((alg) => !isSigningAlgorithm(alg));
  if (unknown.length > 0) throw new Error(`unknown algorithm(s) ${unknown.join(', ')}; use RS256, RS384, RS512, ES256, ES384, ES512 or EdDSA`);
  await runOidcFlowsBench(requested.length > 0 ? requested.filter(isSigningAlgorithm) : undefined);
}
