/**
 * Running the real CLI in-process: `runCli` with collected stdout/stderr, a chosen stdin, and an
 * environment that never reaches the developer's own ~/.lanyard-token.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import type { CliInput } from '../../cli/io.js';
import { runCli } from '../../cli/run.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Text on stdin (not a terminal); default an empty stream. */
  readonly stdin?: string | CliInput;
  readonly stdoutIsTTY?: boolean;
}

class Collected {
  text = '';
  readonly isTTY: boolean;
  constructor(isTTY: boolean) {
    this.isTTY = isTTY;
  }
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

export async function lanyard(args: readonly string[], options: RunOptions = {}): Promise<CliRun> {
  const stdout = new Collected(options.stdoutIsTTY ?? false);
  const stderr = new Collected(false);
  const stdin: CliInput = typeof options.stdin === 'object' ? options.stdin : Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]);
  const code = await runCli(args, { stdout, stderr, stdin, env: options.env ?? {} });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** A stdin that says it is a terminal, fed by the test (a real stream carrying the keystrokes). */
export function terminalInput(): PassThrough & { isTTY: true; rawModes: boolean[]; setRawMode(mode: boolean): void } {
  const stream = new PassThrough() as PassThrough & { isTTY: true; rawModes: boolean[]; setRawMode(mode: boolean): void };
  stream.isTTY = true;
  stream.rawModes = [];
  stream.setRawMode = (mode: boolean) => void stream.rawModes.push(mode);
  return stream;
}

/** A temp dir for token files and inputs; `cleanup` removes it. */
export async function scratchDir(): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'lanyard-cli-test-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
