/**
 * Crash tests for the file-backed stores: a child Node process writes in a loop through the
 * backend's library, printing a line after each write it knows is done, and is SIGKILLed at a
 * random moment. The child imports packages resolved from the repository root.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Runs an ES module `script` in a child process until it has printed `atLeast` lines, then SIGKILLs
 * it once `killAt` resolves, and resolves to every complete line it printed.
 */
export async function runAndKill(
  script: string,
  env: Record<string, string>,
  atLeast: number,
  killAt: () => Promise<void>,
): Promise<string[]> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.split('\n').length > atLeast) resolve();
    });
    child.once('exit', (code) => reject(new Error(`writer exited by itself (code ${code}): ${err}`)));
  });
  await killAt();
  child.kill('SIGKILL');
  await closed;
  // The text after the last newline is a line the child was still printing.
  return out.split('\n').slice(0, -1);
}

/** A random moment within `ms`. */
export const randomly = (ms: number) => (): Promise<void> => delay(Math.random() * ms);
