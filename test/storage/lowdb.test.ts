import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { StorageError } from '../../storage/errors.js';
import { LowdbStorage } from '../../storage/lowdb.js';
import { conformanceSchema, runClockTests, runConformanceTests, type User } from './conformance.js';
import { randomly, runAndKill } from './killed_child.js';

runConformanceTests('lowdb', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lanyard-lowdb-'));
  const file = join(dir, 'config.json');
  return {
    storage: await LowdbStorage.open(file, conformanceSchema),
    reopen: () => LowdbStorage.open(file, conformanceSchema),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

runClockTests('lowdb', async (now) => {
  const dir = await mkdtemp(join(tmpdir(), 'lanyard-lowdb-'));
  return {
    storage: await LowdbStorage.open(join(dir, 'config.json'), conformanceSchema, { now }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describe('LowdbStorage', () => {
  let dir: string;
  let file: string;
  const mode = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lanyard-lowdb-'));
    file = join(dir, 'config.json');
  });

  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('creates its file owner-only (0600) and keeps it so through writes and reopening', async () => {
    const storage = await LowdbStorage.open(file, conformanceSchema);
    expect(await mode(file)).toBe(0o600);
    await storage.put('notes', 'a', {});
    await storage.put('notes', 'b', {});
    expect(await mode(file)).toBe(0o600);
    await storage.close();

    await chmod(file, 0o644);
    const reopened = await LowdbStorage.open(file, conformanceSchema);
    expect(await mode(file)).toBe(0o600);
    await reopened.put('notes', 'c', {});
    expect(await mode(file)).toBe(0o600);
    await reopened.close();
  });

  it('keeps memory equal to the file when a write fails, and recovers when the disk does', async () => {
    const storage = await LowdbStorage.open(file, conformanceSchema);
    await storage.put('users', 'ann', { name: 'ann', email: 'ann@example.com' });
    // A directory where the writer's temporary file goes makes every write fail, even as root.
    const temporary = join(dir, '.config.json.tmp');
    await mkdir(temporary);

    await expect(storage.put('users', 'bob', { name: 'bob', email: 'bob@example.com' })).rejects.toThrow();
    await expect(storage.update<User>('users', 'ann', (ann) => ({ ...ann, email: 'new@example.com' }))).rejects.toThrow();
    await expect(storage.delete('users', 'ann')).rejects.toThrow();
    // ping() checks permissions without rewriting the file, so it cannot see this fault; the
    // failed writes above are what the health endpoint's callers would notice.
    expect(await storage.list('users')).toEqual([{ id: 'ann', value: { name: 'ann', email: 'ann@example.com' } }]);
    expect((await storage.findBy('users', 'email', 'ann@example.com')).map((entry) => entry.id)).toEqual(['ann']);
    expect(await storage.findBy('users', 'email', 'bob@example.com')).toEqual([]);

    await rmdir(temporary);
    await storage.ping();
    await storage.create('users', 'bob', { name: 'bob', email: 'new@example.com' });
    await storage.close();
    const reopened = await LowdbStorage.open(file, conformanceSchema);
    expect((await reopened.list('users')).map((entry) => entry.id)).toEqual(['ann', 'bob']);
    await reopened.close();
  });

  it('refuses a file that is not a Lanyard storage file, or from a newer layout', async () => {
    const contents = ['{ "version": 1, "kinds": {', '[]', '{"version":1,"kinds":{"notes":{"n":{"no":"value"}}}}', '{"version":2,"kinds":{}}'];
    for (const content of contents) {
      await writeFile(file, content);
      await expect(LowdbStorage.open(file, conformanceSchema)).rejects.toBeInstanceOf(StorageError);
    }
  });

  it('keeps records of kinds the schema does not name', async () => {
    await writeFile(file, JSON.stringify({ version: 1, kinds: { retired: { r: { value: { kept: true } } } } }));
    const storage = await LowdbStorage.open(file, conformanceSchema);
    await storage.put('notes', 'n', {});
    await storage.close();
    const reopened = await LowdbStorage.open(file, { ...conformanceSchema, retired: {} });
    expect(await reopened.get('retired', 'r')).toEqual({ kept: true });
    await reopened.close();
  });

  it('reads a complete file after a writer is killed mid-write, again and again', async () => {
    const records = 2000;
    const writer = `
      import { Low } from 'lowdb';
      import { JSONFile } from 'lowdb/node';
      const db = new Low(new JSONFile(process.env.LOWDB_FILE), {});
      const pad = 'x'.repeat(1000);
      for (let generation = 0; ; generation++) {
        const notes = {};
        for (let i = 0; i < ${records}; i++) notes['n' + String(i).padStart(4, '0')] = { value: { generation, i, pad } };
        db.data = { version: 1, kinds: { notes } };
        await db.write();
        console.log(generation);
      }`;
    // A random moment lands inside a write only some of the time, so every other round waits for
    // the writer's temporary file to appear, which means a write is under way.
    const temporary = join(dir, '.config.json.tmp');
    const midWrite = async (): Promise<void> => {
      while (!existsSync(temporary)) await delay(1);
    };
    for (let round = 0; round < 6; round++) {
      const written = await runAndKill(writer, { LOWDB_FILE: file }, 1, round % 2 ? randomly(150) : midWrite);
      const acknowledged = Number(written.at(-1));

      const storage = await LowdbStorage.open(file, conformanceSchema);
      const notes = await storage.list<{ generation: number; i: number; pad: string }>('notes');
      await storage.close();
      expect(notes).toHaveLength(records);
      const generation = notes[0]!.value.generation;
      expect(generation).toBeGreaterThanOrEqual(acknowledged);
      expect(notes.every(({ value }, i) => value.generation === generation && value.i === i && value.pad.length === 1000)).toBe(true);
    }
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ version: 1 });
  });
});
