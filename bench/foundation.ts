/**
 * Foundation benchmark: admin writes and reads as the store grows (1k and 10k config objects,
 * 100k entities), token-authenticated reads against the health endpoint in the same run, token
 * creation, event-loop stalls, start-up time and memory. Everything goes over HTTP to the built
 * server running in a child process.
 */
import autocannon from 'autocannon';
import { percentile, printTable } from './support/table.js';
import { startServerProcess, type ServerProcess } from './support/server_process.js';

const SAMPLE = 300;

async function call(server: ServerProcess, method: string, path: string, body?: unknown, token = server.rootToken): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method,
    headers: { 'X-Vault-Token': token, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** Run `count` requests with `concurrency` in flight; fail loudly on a non-2xx. */
async function seed(count: number, concurrency: number, request: (i: number) => Promise<Response>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const res = await request(i);
        if (!res.ok) throw new Error(`seed request ${i} failed: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
      }
    }),
  );
}

/** Latencies (ms) of `n` sequential requests. */
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

async function loop(server: ServerProcess, path: string, token?: string): Promise<{ rps: number; p99: number; cpuPerReqUs: number }> {
  const cpuBefore = await server.cpuMicros();
  const result = await autocannon({
    url: `${server.url}${path}`,
    connections: 20,
    duration: 5,
    headers: token ? { 'X-Vault-Token': token } : {},
  });
  const cpu = (await server.cpuMicros()) - cpuBefore;
  if (result.non2xx > 0) throw new Error(`${path}: ${result.non2xx} non-2xx answers`);
  return { rps: result.requests.average, p99: result.latency.p99, cpuPerReqUs: cpu / Math.max(1, result.requests.total) };
}

async function stall(server: ServerProcess): Promise<number> {
  const res = await call(server, 'GET', '/v1/sys/metrics?reset=true');
  const body = (await res.json()) as { data: { event_loop_delay_ms: { max: number } } };
  return body.data.event_loop_delay_ms.max;
}

export async function runFoundationBench(): Promise<void> {
  const server = await startServerProcess();
  const rssIdle = await server.rss();
  const writeRows: Array<[string, string, number, number, number]> = [];
  try {
    const policy = (i: number) => ({ policy: `path "bench/${i}/*" { capabilities = ["read", "list"] }` });
    const putPolicy = (i: number) => call(server, 'PUT', `/v1/sys/policies/acl/bench-${i}`, policy(i));

    await seed(1000, 8, putPolicy);
    await stall(server);
    const at1k = await latencies(SAMPLE, (i) => putPolicy(100_000 + i));
    writeRows.push(['config write (policy)', '1k config objects', percentile(at1k, 50), percentile(at1k, 99), await stall(server)]);
    const reads1k = await latencies(SAMPLE, (i) => call(server, 'GET', `/v1/sys/policies/acl/bench-${i}`));
    writeRows.push(['config read (policy)', '1k config objects', percentile(reads1k, 50), percentile(reads1k, 99), await stall(server)]);

    await seed(9000, 8, (i) => putPolicy(1000 + i));
    await stall(server);
    const at10k = await latencies(100, (i) => putPolicy(200_000 + i));
    writeRows.push(['config write (policy)', '10k config objects', percentile(at10k, 50), percentile(at10k, 99), await stall(server)]);

    const entity = (i: number) => call(server, 'POST', '/v1/identity/entity', { name: `bench-entity-${i}`, metadata: { team: `t${i % 50}` } });
    await seed(100_000, 32, entity);
    await stall(server);
    const entityWrites = await latencies(SAMPLE, (i) => entity(1_000_000 + i));
    writeRows.push(['entity write', '100k entities', percentile(entityWrites, 50), percentile(entityWrites, 99), await stall(server)]);
    const entityReads = await latencies(SAMPLE, (i) => call(server, 'GET', `/v1/identity/entity/name/bench-entity-${i * 97}`));
    writeRows.push(['entity read by name', '100k entities', percentile(entityReads, 50), percentile(entityReads, 99), await stall(server)]);
    const tokenWrites = await latencies(SAMPLE, () => call(server, 'POST', '/v1/auth/token/create', { policies: ['default'], ttl: '1h' }));
    writeRows.push(['token create', '100k entities', percentile(tokenWrites, 50), percentile(tokenWrites, 99), await stall(server)]);

    printTable('Admin API latency (sequential requests, ms; stall = worst event-loop delay in the window)', ['operation', 'store size', 'p50 ms', 'p99 ms', 'stall ms'], writeRows);

    // Throughput: a token-authenticated read against the unauthenticated health endpoint.
    const tokenRes = await call(server, 'POST', '/v1/auth/token/create', { policies: ['default'], ttl: '1h' });
    const token = ((await tokenRes.json()) as { auth: { client_token: string } }).auth.client_token;
    const health = await loop(server, '/v1/sys/health');
    const lookup = await loop(server, '/v1/auth/token/lookup-self', token);
    const policyRead = await loop(server, '/v1/sys/policies/acl/bench-42', server.rootToken);
    const throughputStall = await stall(server);
    printTable(
      'Throughput (autocannon, 20 connections, 5 s each, 100k entities and 10k policies stored)',
      ['endpoint', 'req/s', 'p99 ms', 'server CPU µs/req', 'ratio to health'],
      [
        ['GET /v1/sys/health (baseline)', health.rps, health.p99, health.cpuPerReqUs, 1],
        ['GET /v1/auth/token/lookup-self (token)', lookup.rps, lookup.p99, lookup.cpuPerReqUs, lookup.rps / health.rps],
        ['GET /v1/sys/policies/acl/:name (root)', policyRead.rps, policyRead.p99, policyRead.cpuPerReqUs, policyRead.rps / health.rps],
      ],
    );
    printTable('Process', ['measure', 'value'], [
      ['start-up to ready (ms)', server.startupMs],
      ['RSS idle after start (MB)', rssIdle / 1e6],
      ['RSS after the run (MB)', (await server.rss()) / 1e6],
      ['worst event-loop stall during throughput (ms)', throughputStall],
    ]);
  } finally {
    await server.stop();
  }
}
