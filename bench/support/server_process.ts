/**
 * The real Lanyard server in a child process (the built `dist/cli/main.js`), so the benchmark's own
 * load generator does not share its event loop, and its CPU time and memory can be read apart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ServerProcess {
  readonly url: string;
  readonly rootToken: string;
  readonly pid: number;
  /** Milliseconds from spawn to the first 200 from /v1/sys/health. */
  readonly startupMs: number;
  /** Resident memory in bytes, from /proc. */
  rss(): Promise<number>;
  /** User + system CPU time in microseconds, from /proc (clock ticks of 10 ms). */
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

const ROOT = 'lys.bench-root-token';
const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'cli', 'main.js');

/**
 * `LANYARD_BENCH_PROFILE_DIR=DIR`: the server runs with `--cpu-prof` and writes its profile there
 * when it stops (read it with `node dist/bench/profile_top.js`).
 */
export function profileArgs(): string[] {
  const dir = process.env.LANYARD_BENCH_PROFILE_DIR;
  return dir === undefined || dir === '' ? [] : ['--cpu-prof', `--cpu-prof-dir=${dir}`];
}

export async function startServerProcess(extraArgs: readonly string[] = []): Promise<ServerProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'lanyard-bench-'));
  const started = performance.now();
  const child: ChildProcess = spawn(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', ...profileArgs(), MAIN, 'server', '--dev', '--dev-root-token', ROOT, '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--log-level', 'error', ...extraArgs],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const match = /Listening on: (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`server exited early with code ${code}`)));
  });
  while ((await fetch(`${url}/v1/sys/health`).then((r) => r.status, () => 0)) !== 200) await new Promise((r) => setTimeout(r, 5));
  const startupMs = performance.now() - started;
  const pid = child.pid as number;
  const stat = async () => (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  return {
    url,
    rootToken: ROOT,
    pid,
    startupMs,
    async rss() {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
    },
    async cpuMicros() {
      const fields = await stat();
      // utime and stime are fields 14 and 15 of /proc/pid/stat (11 and 12 after the comm field).
      return (Number(fields[11]) + Number(fields[12])) * 10_000;
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
