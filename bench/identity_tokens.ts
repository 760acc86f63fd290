/**
 * Identity-token issuance (`GET /v1/identity/oidc/token/:role`) over HTTP per key algorithm, next
 * to the bare signing rate of the same algorithm (keys/sign_jwt.ts in this process) and the
 * server's own `GET /v1/sys/health` rate, all in the same run.
 *
 * `LANYARD_BENCH_ALGORITHMS=ES256,EdDSA` measures only those algorithms (all by default), so a
 * profile (LANYARD_BENCH_PROFILE_DIR) holds their work alone.
 */
import autocannon from 'autocannon';
import { createKeyState } from '../keys/named_key.js';
import { SIGNING_ALGORITHMS, type SigningAlgorithm } from '../keys/named_key_params.js';
import { signJwt } from '../keys/sign_jwt.js';
import { chosenFromEnv } from './support/env_list.js';
import { printTable } from './support/table.js';
import { startServerProcess, type ServerProcess } from './support/server_process.js';

async function call(server: ServerProcess, method: string, path: string, body?: unknown, token = server.rootToken): Promise<any> { // JSON answers of several shapes; the bench reads a field or two
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { 'X-Vault-Token': token, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? undefined : res.json();
}

interface Rate {
  readonly rps: number;
  readonly p99: number;
  /** Server CPU (user + system) per answered request, µs. */
  readonly cpuUs: number;
}

async function rate(server: ServerProcess, path: string, token?: string, seconds = 5): Promise<Rate> {
  const cpuBefore = await server.cpuMicros();
  const result = await autocannon({ url: `${server.url}${path}`, connections: 20, duration: seconds, headers: token ? { 'X-Vault-Token': token } : {} });
  const cpu = (await server.cpuMicros()) - cpuBefore;
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${path}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return { rps: result.requests.average, p99: result.latency.p99, cpuUs: cpu / Math.max(1, result['2xx']) };
}

/** Signatures per second of one algorithm in this process (one thread), over about a second. */
async function bareSigningRate(algorithm: SigningAlgorithm): Promise<number> {
  const state = await createKeyState({ algorithm, allowed_client_ids: ['*'] }, Date.now());
  const payload = { iss: 'bench', sub: 'entity', aud: 'client', iat: 0, exp: 1 };
  for (let i = 0; i < 200; i++) signJwt(state, payload);
  let count = 0;
  const started = performance.now();
  while (performance.now() - started < 1000) {
    signJwt(state, payload);
    count++;
  }
  return count / ((performance.now() - started) / 1000);
}

export async function runIdentityTokenBench(): Promise<void> {
  const algorithms = chosenFromEnv('LANYARD_BENCH_ALGORITHMS', SIGNING_ALGORITHMS);
  const server = await startServerProcess();
  try {
    const entity = await call(server, 'POST', '/v1/identity/entity', { name: 'bench-workload', policies: ['tokens'] });
    await call(server, 'PUT', '/v1/sys/policies/acl/tokens', { policy: 'path "identity/oidc/token/*" { capabilities = ["read"] }' });
    const token = (await call(server, 'POST', '/v1/auth/token/create', { entity_id: entity.data.id, policies: ['default'], ttl: '1h' })).auth.client_token as string;
    await rate(server, '/v1/sys/health', undefined, 2); // warm-up
    const rows: Array<Array<string | number>> = [];
    for (const algorithm of algorithms) {
      const role = `bench-${algorithm.toLowerCase()}`;
      await call(server, 'POST', `/v1/identity/oidc/key/${role}`, { algorithm, allowed_client_ids: '*' });
      await call(server, 'POST', `/v1/identity/oidc/role/${role}`, { key: role, ttl: '1h' });
      await call(server, 'GET', `/v1/identity/oidc/token/${role}`, undefined, token);
      // The baseline is measured right before each algorithm: this shared machine's speed drifts
      // over a run, and a baseline from a minute earlier would move the ratio with it.
      const health = await rate(server, '/v1/sys/health');
      const issued = await rate(server, `/v1/identity/oidc/token/${role}`, token);
      const bare = await bareSigningRate(algorithm);
      rows.push([algorithm, issued.rps, issued.p99, Math.round(issued.cpuUs), health.rps, Math.round(health.cpuUs), bare, issued.rps / health.rps, health.cpuUs / issued.cpuUs]);
    }
    printTable(
      'Identity-token issuance (GET /v1/identity/oidc/token/:role; autocannon, 20 connections, 5 s) vs GET /v1/sys/health measured just before it, and bare signing in one thread',
      ['alg', 'tokens/s', 'p99 ms', 'server CPU µs/token', 'health/s', 'server CPU µs/health', 'bare signs/s', 'rate ÷ health rate', 'health CPU ÷ token CPU'],
      rows,
    );
    const target = rows.filter((row) => row[0] === 'ES256' || row[0] === 'EdDSA').map((row) => `${row[0]} ${(row[7] as number).toFixed(2)}`);
    console.log(`Target: ES256 and EdDSA ≥ 0.6 of the health rate: ${target.join(', ')}`);
  } finally {
    await server.stop();
  }
}
