/** The data directory is private to the server's user: created 0700, narrowed to 0700, or warned about. */
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { makePrivateDir } from '../../server/data_dir.js';
import { createLogger } from '../../server/log.js';
import { startTestServer } from '../support/server.js';

const modeOf = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;

describe('the data directory', () => {
  let parent: string;

  beforeEach(async () => {
    parent = await mkdtemp(join(tmpdir(), 'lanyard-datadir-'));
  });

  afterEach(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  it('is created 0700 by a server start', async () => {
    const dir = join(parent, 'new', 'data');
    const server = await startTestServer({ dataDir: dir });
    try {
      expect(await modeOf(dir)).toBe(0o700);
    } finally {
      await server.destroy();
    }
  });

  it('is narrowed to 0700 when found open to others, without a warning', async () => {
    const dir = join(parent, 'data');
    await makePrivateDir(dir);
    await chmod(dir, 0o755);
    const lines: string[] = [];
    const server = await startTestServer({ dataDir: dir, log: createLogger({ format: 'json', level: 'warn', write: (line) => lines.push(line) }) });
    try {
      expect(await modeOf(dir)).toBe(0o700);
      expect(lines.filter((line) => line.includes('data dir'))).toEqual([]);
    } finally {
      await server.destroy();
    }
  });

  it('warns, naming the fix, when it cannot be made private', async () => {
    const dir = join(parent, 'shared');
    await makePrivateDir(dir);
    await chmod(dir, 0o755);
    const refused = Object.assign(new Error('operation not permitted'), { code: 'EPERM' });
    const warning = await makePrivateDir(dir, { chmod: () => Promise.reject(refused) });
    expect(warning).toBe(`data dir ${dir} is accessible to other users (mode 0755) and could not be made private; run: chmod 700 ${dir}`);
    expect(await makePrivateDir(dir)).toBeUndefined();
  });
});
