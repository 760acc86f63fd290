/**
 * Runs a client script with Debian's python3 (where apt puts python3-hvac and python3-authlib,
 * whatever `python3` is first on PATH) without blocking the event loop: the Lanyard server under
 * test runs in this same process.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const DEBIAN_PYTHON = '/usr/bin/python3';
const CLIENTS = join(process.cwd(), 'test', 'interop', 'clients');

/** The script's JSON answer on stdout; rejects with its stderr when it exits non-zero. */
export function runPython(script: string, env: Record<string, string>, args: readonly string[] = []): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    const child = spawn(DEBIAN_PYTHON, [join(CLIENTS, script), ...args], { env: { ...process.env, ...env, PYTHONDONTWRITEBYTECODE: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${script} exited ${code}: ${stderr.slice(-3000)}`));
      try {
        resolve(JSON.parse(stdout) as Record<string, any>);
      } catch {
        reject(new Error(`${script} printed no JSON: ${stdout.slice(0, 2000)} ${stderr.slice(-2000)}`));
      }
    });
  });
}
