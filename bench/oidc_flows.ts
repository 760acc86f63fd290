/**
 * OIDC protocol benchmark: Lanyard's providers against a plain node-oidc-provider in the same run.
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/oidc_flows.js [ALG ...]   (default RS256 EdDSA)
 *
 * Both servers run in child processes, each an Express 5 app with the provider mounted at the same
 * path: Lanyard is the built server (SQLite state, lowdb configuration, per-client keys,
 * assignments, templates); the plain one is node-oidc-provider with its in-memory adapter, one
 * static client and one key of the same algorithm. The load generator (autocannon, 10
 * connections) runs here, so the servers' CPU time, read from /proc, is theirs alone. The two
 * are measured in alternating rounds and each figure is the median of its rounds, so load from
 * elsewhere on the machine falls on both alike.
 *
 * Measured: the token endpoint with grant_type=refresh_token (refresh tokens rotate: each answer's
 * new token goes back into a pool the requests draw from; the ID token is signed on every refresh)
 * and the userinfo endpoint. Reported: requests/s, p99 latency, server CPU per request, and the
 * Lanyard/plain ratio of each.
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
import { printTable } from './support/table.js';
import { startServerProcess, type ServerProcess } from './support/server_process.js';

const CONNECTIONS = 10;
const WARMUP_SECONDS = 5;
const ROUNDS = 5;
const ROUND_SECONDS = 5;
/**
 * Refresh tokens per server. Every connection holds one in flight, and a run that ends cuts its
 * in-flight requests off, losing their new tokens: each run may cost a token per connection.
 */
const TOKEN_POOL = CONNECTIONS * (ROUNDS + 4);
const REDIRECT_URI = 'https://rp.example.com/callback';
const MOUNT = '/v1/identity/oidc/provider/bench';
const PLAIN_FLAG = '--plain-provider';
const PLAIN_ENV = 'LANYARD_BENCH_PLAIN';

/** What both servers are measured with: an issuer, a confidential client and its tokens. */
interface Target {
  readonly issuer: string;
  readonly basic: string;
  readonly refreshTokens: string[];
  readonly accessToken: string;
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

interface Measurement {
  readonly rps: number;
  readonly p99: number;
  readonly cpuPerRequestUs: number;
}

// ---- The measuring side ----

/** One run of refresh_token grants: each answer's new refresh token goes back into the pool. */
function refreshRun(target: Target, pool: string[], seconds: number): Promise<Measurement> {
  let broken = 0;
  const result = load(target, seconds, {
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
      else broken++;
    },
  });
  return result.then((measurement) => {
    if (broken > 0) throw new Error(`${broken} refreshes failed`);
    return measurement;
  });
}

function userinfoRun(target: Target, seconds: number): Promise<Measurement> {
  return load(target, seconds, { method: 'GET', path: new URL(`${target.issuer}/userinfo`).pathname, headers: { authorization: `Bearer ${target.accessToken}` } });
}

async function load(target: Target, seconds: number, request: Record<string, unknown>): Promise<Measurement> {
  const cpuBefore = await target.cpuMicros();
  const result = await autocannon({
    url: new URL(target.issuer).origin,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [request as never],
  });
  const cpu = (await target.cpuMicros()) - cpuBefore;
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${String(request.path)}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return { rps: result.requests.average, p99: result.latency.p99, cpuPerRequestUs: cpu / Math.max(1, result.requests.total) };
}

// ---- Lanyard ----

async function lanyardTarget(algorithm: SigningAlgorithm): Promise<Target> {
  const server: ServerProcess = await startServerProcess();
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
  await admin('POST', 'auth/userpass/users/bench', { password: 'bench-password' });
  const login = await fetch(`${server.url}/v1/auth/userpass/login/bench`, { method: 'POST', body: JSON.stringify({ password: 'bench-password' }) });
  const userToken = ((await login.json()) as { auth: { client_token: string } }).auth.client_token;

  const issuer = `${server.url}${MOUNT}`;
  const basic = `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`;
  const refreshTokens: string[] = [];
  let accessToken = '';
  for (let i = 0; i < TOKEN_POOL; i++) {
    // Sign-in with the user's Lanyard token: one redirect, no pages.
    const authorize = new URL(`${issuer}/authorize`);
    authorize.search = new URLSearchParams({ client_id: client.client_id, redirect_uri: REDIRECT_URI, response_type: 'code', scope: 'openid offline_access', prompt: 'consent' }).toString();
    const redirect = await fetch(authorize, { headers: { 'x-vault-token': userToken }, redirect: 'manual' });
    const code = new URL(redirect.headers.get('location') as string).searchParams.get('code');
    if (code === null) throw new Error(`authorization failed: ${redirect.headers.get('location')}`);
    const tokens = await tokenRequest(issuer, basic, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI });
    refreshTokens.push(tokens.refresh_token);
    accessToken = tokens.access_token;
  }
  return { issuer, basic, refreshTokens, accessToken, cpuMicros: () => server.cpuMicros(), stop: () => server.stop() };
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
  const child: ChildProcess = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', fileURLToPath(import.meta.url), PLAIN_FLAG], {
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
    cpuMicros: () => processCpuMicros(pid),
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

  const client = await provider.Client.find(setup.clientId);
  if (client === undefined) throw new Error('the static client is missing');
  const grant = new provider.Grant({ accountId: 'bench-user', clientId: setup.clientId });
  grant.addOIDCScope('openid offline_access');
  const grantId = await grant.save();
  const common = { accountId: 'bench-user', client, grantId, scope: 'openid offline_access', gty: 'authorization_code' };
  const refreshTokens: string[] = [];
  for (let i = 0; i < TOKEN_POOL; i++) refreshTokens.push(await new provider.RefreshToken({ ...common, rotations: 0 }).save());
  const accessToken = await new provider.AccessToken({ ...common, scope: 'openid' }).save();
  process.stdout.write(`${JSON.stringify({ issuer, refreshTokens, accessToken } satisfies PlainReady)}\n`);
}

// ---- Main ----

/**
 * Both servers run side by side and are measured in alternating rounds, so a neighbour's load on
 * the machine falls on both alike; each figure is the median of the rounds.
 */
async function benchmark(algorithms: readonly SigningAlgorithm[]): Promise<void> {
  for (const algorithm of algorithms) {
    const plain = await plainTarget(algorithm);
    const lanyard = await lanyardTarget(algorithm).catch(async (err: unknown) => {
      await plain.stop();
      throw err;
    });
    const rows: Array<Array<string | number>> = [];
    try {
      const pools = new Map([plain, lanyard].map((target) => [target, [...target.refreshTokens]]));
      // userinfo first: the plain library's in-memory store keeps 1000 entries, and the refresh
      // runs would push its (otherwise untouched) access token out.
      const endpoints: ReadonlyArray<readonly [string, (target: Target, seconds: number) => Promise<Measurement>]> = [
        ['userinfo', userinfoRun],
        ['token (refresh_token)', (target, seconds) => refreshRun(target, pools.get(target) as string[], seconds)],
      ];
      for (const [endpoint, run] of endpoints) {
        for (const target of [plain, lanyard]) await run(target, WARMUP_SECONDS);
        const rounds = new Map<Target, Measurement[]>([
          [plain, []],
          [lanyard, []],
        ]);
        for (let round = 0; round < ROUNDS; round++) {
          for (const target of [plain, lanyard]) rounds.get(target)?.push(await run(target, ROUND_SECONDS));
        }
        const p = median(rounds.get(plain) as Measurement[]);
        const l = median(rounds.get(lanyard) as Measurement[]);
        const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}x`;
        rows.push(
          [endpoint, 'plain node-oidc-provider', p.rps, p.p99, p.cpuPerRequestUs],
          [endpoint, 'Lanyard', l.rps, l.p99, l.cpuPerRequestUs],
          [endpoint, 'Lanyard / plain', ratio(l.rps, p.rps), ratio(l.p99, p.p99), ratio(l.cpuPerRequestUs, p.cpuPerRequestUs)],
        );
      }
    } finally {
      await Promise.all([plain.stop(), lanyard.stop()]);
    }
    printTable(
      `OIDC endpoints, ${algorithm} ID tokens (${CONNECTIONS} connections; median of ${ROUNDS} alternating ${ROUND_SECONDS} s rounds after ${WARMUP_SECONDS} s warm-up)`,
      ['endpoint', 'server', 'req/s', 'p99 ms', 'server CPU µs/req'],
      rows,
    );
  }
}

function median(runs: readonly Measurement[]): Measurement {
  const middle = <T>(values: T[], by: (value: T) => number): number => by([...values].sort((a, b) => by(a) - by(b))[Math.floor(values.length / 2)] as T);
  return {
    rps: middle([...runs], (run) => run.rps),
    p99: middle([...runs], (run) => run.p99),
    cpuPerRequestUs: middle([...runs], (run) => run.cpuPerRequestUs),
  };
}

if (process.argv.includes(PLAIN_FLAG)) {
  await servePlainProvider();
} else {
  const requested = process.argv.slice(2);
  const unknown = requested.filter((alg) => !isSigningAlgorithm(alg));
  if (unknown.length > 0) throw new Error(`unknown algorithm(s) ${unknown.join(', ')}; use RS256, RS384, RS512, ES256, ES384, ES512 or EdDSA`);
  const load = loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`\n=== oidc_flows (${new Date().toISOString()}, node ${process.version}, ${cpus().length} CPUs, load average ${load})`);
  await benchmark(requested.length > 0 ? requested.filter(isSigningAlgorithm) : ['RS256', 'EdDSA']);
}
