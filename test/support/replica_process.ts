/**
 * Real `lanyard server` processes for replica tests: the project compiled once per test run into
 * node_modules/.cache (so packages resolve from the repository), each replica a child process
 * that can be SIGKILLed and started again on the same port.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BUILD = join(ROOT, 'node_modules', '.cache', 'lanyard-replica-build');

/** Compiles the server (about half a minute); resolves to the CLI entry point. */
export function buildServer(): string {
  const tsc = join(ROOT, 'node_modules', '.bin', 'tsc');
  const built = spawnSync(tsc, ['-p', join(ROOT, 'tsconfig.build.json'), '--outDir', BUILD, '--sourceMap', 'false'], { cwd: ROOT, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`build failed: ${built.stdout}${built.stderr}`);
  return join(BUILD, 'cli', 'main.js');
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface ReplicaProcess {
  readonly url: string;
  readonly child: ChildProcess;
  output(): string;
  /** SIGKILL, no shutdown: what a crash or an OOM kill does. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts `lanyard server` with these flags and waits until it listens. */
export async function startReplicaProcess(entry: string, port: number, flags: readonly string[]): Promise<ReplicaProcess> {
  const child = spawn(process.execPath, [entry, 'server', '--listen', `127.0.0.1:${port}`, '--log-format', 'json', '--log-level', 'warn', ...flags], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const check = setInterval(() => {
      if (output.includes('Lanyard server started')) {
        clearInterval(check);
        resolve();
      }
    }, 20);
    child.once('exit', (code) => {
      clearInterval(check);
      reject(new Error(`replica exited with ${code}: ${output}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    output: () => output,
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
