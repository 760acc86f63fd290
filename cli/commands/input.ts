/**
 * Reading what the person or the pipeline gives: a file named in an argument (`k=@FILE`), the
 * whole of stdin (JSON bodies, `k=-` values, policy text), or one line typed without echo
 * (passwords, tokens).
 */
import { readFile } from 'node:fs/promises';
import type { CliIo } from '../io.js';
import { CliError, usageError } from './cli_error.js';

/** The admin API refuses bodies above 32 MiB; stop reading there rather than fill memory. */
const MAX_STDIN_BYTES = 32 * 1024 * 1024;

/** A file named on the command line, with a usage error that says which file and why. */
export async function readFileArgument(path: string, purpose: string): Promise<string> {
  if (path === '') throw usageError(`missing file name for ${purpose}`);
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message;
    throw new CliError(`Error: cannot read ${JSON.stringify(path)} for ${purpose}: ${reason}`, 1);
  }
}

/** Stdin can be consumed once; a second `-` in the same command line is a usage mistake. */
export function stdinOnce(io: CliIo): (purpose: string) => Promise<string> {
  let usedFor: string | undefined;
  return async (purpose) => {
    if (usedFor !== undefined) throw usageError(`stdin can only be read once, and it is already used for ${usedFor}`);
    usedFor = purpose;
    return readStdin(io);
  };
}

export async function readStdin(io: CliIo): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of io.stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    if (size > MAX_STDIN_BYTES) throw new CliError('Error: stdin is larger than 32 MiB, the most the server accepts');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Ask on stderr and read one line with echo off. Needs a terminal; callers check `stdin.isTTY` and
 * say what to do instead when there is none.
 */
export async function promptHidden(io: CliIo, prompt: string): Promise<string> {
  const { stdin, stderr } = io;
  stderr.write(prompt);
  stdin.setRawMode?.(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise<string>((resolve, reject) => {
    let typed: string[] = [];
    const finish = (failure?: CliError) => {
      stdin.removeListener('data', onData);
      stdin.removeListener('end', onEnd);
      stdin.setRawMode?.(false);
      stdin.pause();
      stderr.write('\n');
      if (failure) reject(failure);
      else resolve(typed.join(''));
    };
    const onData = (chunk: string | Buffer) => {
      for (const char of String(chunk)) {
        switch (char) {
          case '\r':
          case '\n':
            finish();
            return;
          case '\u0003': // Ctrl-C: raw mode swallows the signal, so honour it here.
            finish(new CliError('Error: interrupted', 130));
            return;
          case '\u0004': // Ctrl-D
            finish(typed.length === 0 ? new CliError('Error: no input given', 1) : undefined);
            return;
          case '\u007f':
          case '\b':
            typed = typed.slice(0, -1);
            break;
          case '\u0015': // Ctrl-U: start over
            typed = [];
            break;
          default:
            if (char >= ' ') typed.push(char);
        }
      }
    };
    const onEnd = () => finish(typed.length === 0 ? new CliError('Error: no input given', 1) : undefined);
    stdin.on('data', onData);
    stdin.on('end', onEnd);
  });
}
