/**
 * What the LIST-verb shim costs. A trivial handler is served three ways: by a plain Node HTTP
 * server; by a plain server made to read through JavaScript (the part of the shim's cost that any
 * rewriting of bytes in JavaScript pays, since the native parser otherwise reads the socket
 * itself); and by createListVerbServer. autocannon drives each with 20 keep-alive connections for
 * 5 s after a 1 s warm-up, twice, and the better round is kept to damp noise from other processes.
 * Each server runs in a child process, which also reports its CPU time per request (less
 * sensitive to a busy machine than req/s). autocannon refuses to send LIST, so every run sends
 * GET: following every request is the cost that matters; a rewrite adds a few pushes to one.
 * A measurement, not a test: numbers vary by machine.
 *
 *   npm run build && node dist/bench/list_verb_overhead.js
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { createListVerbServer } from '../server/http/list_verb.js';

type Mode = 'node' | 'jsReads' | 'shim';

const RUNS: ReadonlyArray<{ mode: Mode; label: string }> = [
  { mode: 'node', label: 'node http' },
  { mode: 'jsReads', label: 'node http, reads via JS' },
  { mode: 'shim', label: 'list verb shim' },
];
const ROUNDS = 2;

const handler: http.RequestListener = (_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 2 });
  res.end('ok');
};

/** Child process: serve in `mode` on a free loopback port, report the port, then CPU time on request. */
async function serve(mode: Mode): Promise<void> {
  let port: number;
  if (mode === 'shim') {
    port = (await createListVerbServer(handler).listen(0, '127.0.0.1')).port;
  } else {
    const server = http.createServer(handler);
    if (mode === 'jsReads') {
      // The same switch createListVerbServer makes, without the rewriting.
      const ignore = (): void => {};
      server.on('connection', (socket: Socket) => socket.on('data', ignore).removeListener('data', ignore));
    }
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  }
  process.on('message', () => {
    const { user, system } = process.cpuUsage();
    process.send?.({ cpuMicros: user + system });
  });
  process.send?.({ port });
}

interface Measurement {
  requestsPerSecond: number;
  cpuMicrosPerRequest: number;
  p99: number;
}

async function measure(mode: Mode): Promise<Measurement> {
  const child = fork(fileURLToPath(import.meta.url), ['serve', mode], { stdio: 'inherit' });
  const cpuMicros = async (): Promise<number> => {
    child.send('usage');
    const [{ cpuMicros: micros }] = (await once(child, 'message')) as [{ cpuMicros: number }];
    return micros;
  };
  try {
    const [{ port }] = (await once(child, 'message')) as [{ port: number }];
    const url = `http://127.0.0.1:${port}/v1/identity/oidc/client`;
    await autocannon({ url, connections: 20, duration: 1 });
    const before = await cpuMicros();
    const result = await autocannon({ url, connections: 20, duration: 5 });
    const after = await cpuMicros();
    if (result.non2xx > 0 || result.errors > 0) throw new Error(`${mode}: ${result.non2xx} non-2xx, ${result.errors} errors`);
    return {
      requestsPerSecond: result.requests.average,
      cpuMicrosPerRequest: (after - before) / result.requests.total,
      p99: result.latency.p99,
    };
  } finally {
    child.kill();
  }
}

async function main(): Promise<void> {
  const best = new Map<Mode, Measurement>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const { mode } of RUNS) {
      const run = await measure(mode);
      const kept = best.get(mode);
      best.set(mode, {
        requestsPerSecond: Math.max(run.requestsPerSecond, kept?.requestsPerSecond ?? 0),
        cpuMicrosPerRequest: Math.min(run.cpuMicrosPerRequest, kept?.cpuMicrosPerRequest ?? Infinity),
        p99: Math.min(run.p99, kept?.p99 ?? Infinity),
      });
    }
  }
  const node = best.get('node')!;
  console.table(
    RUNS.map(({ mode, label }) => {
      const m = best.get(mode)!;
      return {
        server: label,
        'req/s': Math.round(m.requestsPerSecond),
        'req/s vs node': (m.requestsPerSecond / node.requestsPerSecond).toFixed(2),
        'CPU µs/req': m.cpuMicrosPerRequest.toFixed(1),
        'CPU vs node': (m.cpuMicrosPerRequest / node.cpuMicrosPerRequest).toFixed(2),
        'p99 ms': m.p99,
      };
    }),
  );
}

if (process.argv[2] === 'serve') await serve(process.argv[3] as Mode);
else await main();
