/** The pieces without a server: duration text, the token file, the hidden prompt. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { stat, writeFile, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { humanDuration } from '../../cli/format.js';
import { tokenFilePath, readTokenFile, writeTokenFile } from '../../cli/token_helper.js';
import { promptHidden } from '../../cli/commands/input.js';
import { scratchDir, terminalInput } from './harness.js';

describe('humanDuration (Go duration text, as Vault prints TTLs)', () => {
  it.each([
    [0, '0s'],
    [45, '45s'],
    [60, '1m'],
    [90, '1m30s'],
    [3600, '1h'],
    [5400, '1h30m'],
    [3661, '1h1m1s'],
    [3601, '1h0m1s'],
    [2764800, '768h'],
  ])('%d seconds is %s', (seconds, text) => {
    expect(humanDuration(seconds)).toBe(text);
  });
});

describe('token file', () => {
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  beforeAll(async () => {
    scratch = await scratchDir();
  });
  afterAll(async () => scratch.cleanup());

  it('lives at LANYARD_TOKEN_FILE, else ~/.lanyard-token', () => {
    expect(tokenFilePath({ LANYARD_TOKEN_FILE: '/x/t', HOME: '/home/a' })).toBe('/x/t');
    expect(tokenFilePath({ HOME: '/home/a' })).toBe('/home/a/.lanyard-token');
  });

  it('replaces a looser file with one only the owner can read, leaving no temp files', async () => {
    const path = join(scratch.dir, 'token');
    await writeFile(path, 'lys.old', { mode: 0o644 });
    await writeTokenFile(path, 'lys.new');
    expect(await readFile(path, 'utf8')).toBe('lys.new');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(scratch.dir)).toEqual(['token']);
  });

  it('reads a token without surrounding whitespace; no file or a blank one is no token', async () => {
    const path = join(scratch.dir, 'edited');
    await writeFile(path, '  lys.typed-by-hand\n');
    expect(await readTokenFile(path)).toBe('lys.typed-by-hand');
    await writeFile(path, '\n');
    expect(await readTokenFile(path)).toBeUndefined();
    expect(await readTokenFile(join(scratch.dir, 'absent'))).toBeUndefined();
  });
});

describe('promptHidden', () => {
  const io = (stdin: ReturnType<typeof terminalInput>) => {
    const stderr = { text: '', isTTY: true, write(chunk: string) { this.text += chunk; return true; } };
    return { io: { stdin, stderr, stdout: stderr, env: {} }, stderr };
  };

  it('reads a line with echo off, honouring backspace and Ctrl-U', async () => {
    const stdin = terminalInput();
    const { io: cliIo, stderr } = io(stdin);
    const answer = promptHidden(cliIo, 'Password: ');
    stdin.write('wrong\u0015pa');
    stdin.write('sx\u007fs\r');
    expect(await answer).toBe('pass');
    expect(stderr.text).toBe('Password: \n');
    expect(stdin.rawModes).toEqual([true, false]);
  });

  it('treats Ctrl-C as an interruption (exit 130)', async () => {
    const stdin = terminalInput();
    const answer = promptHidden(io(stdin).io, 'Password: ');
    stdin.write('abc\u0003');
    await expect(answer).rejects.toMatchObject({ exitCode: 130 });
    expect(stdin.rawModes).toEqual([true, false]);
  });
});
