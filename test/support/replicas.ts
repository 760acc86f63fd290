/**
 * Several Lanyard replicas on one PostgreSQL schema, in this process, each a real listening server
 * with its own pool and LISTEN session; a round-robin HTTP load balancer in front of them (no
 * sticky sessions, as in production); and a TCP proxy between a replica and the database that can
 * cut the connection, to simulate a database outage without stopping the shared server.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import { createServer as createTcpServer, connect, type Socket, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RawSettings } from '../../server/config.js';
import { dropSchema, freshSchemaName, TEST_DATABASE_URL } from './postgres.js';
import { ROOT_TOKEN, startTestServer, type TestServer, type TestServerOptions } from './server.js';

export interface Cluster {
  readonly schema: string;
  readonly sealKeyFile: string;
  /** Settings that put a test server on this cluster's database. */
  settings(extra?: RawSettings): RawSettings;
  start(options?: TestServerOptions): Promise<TestServer>;
  destroy(): Promise<void>;
}

/** A cluster: one schema, one seal key; replicas are started with `start`. */
export async function createCluster(label = 'cluster'): Promise<Cluster> {
  const dir = await mkdtemp(join(tmpdir(), 'lanyard-cluster-'));
  const sealKeyFile = join(dir, 'seal.key');
  await writeFile(sealKeyFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  const schema = freshSchemaName(label);
  const started: TestServer[] = [];
  const cluster: Cluster = {
    schema,
    sealKeyFile,
    settings: (extra = {}) => ({
      storage: 'postgres',
      'database-url': TEST_DATABASE_URL,
      'database-schema': schema,
      'seal-key-file': sealKeyFile,
      ...extra,
    }),
    async start(options = {}) {
      const server = await startTestServer({ ...options, settings: cluster.settings(options.settings) });
      started.push(server);
      return server;
    },
    async destroy() {
      await Promise.allSettled(started.map((s) => s.destroy()));
      await dropSchema(schema);
      await rm(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}

export interface LoadBalancer {
  readonly url: string;
  readonly rootToken: string;
  /** Which replica answered each request so far (index into the targets). */
  readonly served: number[];
  close(): Promise<void>;
}

/** Round-robin reverse proxy: consecutive requests go to consecutive replicas. */
export async function loadBalancer(targets: ReadonlyArray<Pick<TestServer, 'url'>>): Promise<LoadBalancer> {
  let next = 0;
  const served: number[] = [];
  const server: Server = createServer((req, res) => {
    const index = next++ % targets.length;
    served.push(index);
    const target = new URL(targets[index]!.url);
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: req.headers.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 1;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    rootToken: ROOT_TOKEN,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface DatabaseLink {
  /** A database URL that goes through this link. */
  readonly url: string;
  /** Cuts every connection and refuses new ones: the database is gone for whoever uses the link. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/** A TCP proxy to the test database that can be cut and restored. */
export async function databaseLink(): Promise<DatabaseLink> {
  const database = new URL(TEST_DATABASE_URL);
  const sockets = new Set<Socket>();
  let open = true;
  const server: TcpServer = createTcpServer((client) => {
    if (!open) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(database.port || 5432), database.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const url = new URL(TEST_DATABASE_URL);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.toString(),
    cut() {
      open = false;
      for (const socket of sockets) socket.destroy();
    },
    restore() {
      open = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        open = false;
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Polls `check` until it holds, resolving to the milliseconds it took; rejects after `limitMs`. */
export async function until(check: () => Promise<boolean>, limitMs = 10_000): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await check()) return performance.now() - started;
    if (performance.now() - started > limitMs) throw new Error(`condition not reached within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
