/**
 * A real Lanyard server for tests: real data dir in a temp folder, real lowdb and SQLite files,
 * the real Express app listening on 127.0.0.1 (through the same LIST-verb listener as production),
 * initialised in dev mode with a known root token.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type RawSettings } from '../../server/config.js';
import { listen, type Listening } from '../../server/listen.js';
import { silentLogger, type Logger } from '../../server/log.js';
import { startRuntime, type Runtime, type RuntimeOptions } from '../../server/runtime.js';

export interface TestServer {
  readonly url: string;
  readonly rootToken: string;
  readonly runtime: Runtime;
  readonly dataDir: string;
  /** Stop the server; the data dir stays until `destroy`. */
  stop(): Promise<void>;
  /** Stop and delete the data dir. */
  destroy(): Promise<void>;
}

export const ROOT_TOKEN = 'lys.test-root-token';

export interface TestServerOptions extends RuntimeOptions {
  /** Reuse a data dir (restart tests). */
  readonly dataDir?: string;
  readonly settings?: RawSettings;
  /** false: start uninitialised (no dev mode). */
  readonly dev?: boolean;
  readonly log?: Logger;
  /** Listen on this port rather than a free one (a test that must know its address up front). */
  readonly port?: number;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'lanyard-test-')));
  const dev = options.dev ?? true;
  const config = loadConfig(
    {
      listen: '127.0.0.1:0',
      'data-dir': dataDir,
      ...(dev ? { dev: true, 'dev-root-token': ROOT_TOKEN } : {}),
      ...options.settings,
    },
    {},
  );
  const runtime = await startRuntime(config, options.log ?? silentLogger, options);
  const listening: Listening = await listen(runtime, '127.0.0.1', options.port ?? 0);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await listening.shutdown('test');
  };
  return {
    url: listening.url,
    rootToken: ROOT_TOKEN,
    runtime,
    dataDir,
    stop,
    async destroy() {
      await stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** fetch against the server's API with the root token (or another), returning status and JSON. */
export async function api(
  server: Pick<TestServer, 'url' | 'rootToken'>,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = server.rootToken,
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (token !== null) headers['X-Vault-Token'] = token;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${server.url}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}
