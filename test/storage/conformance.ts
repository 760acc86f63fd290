/**
 * The storage conformance suite, in the spirit of Dex's storage/conformance: every backend runs
 * these tests over `conformanceSchema`, so they all mean the same thing by the contract in
 * storage/types.ts. Each test gets a fresh storage from `open`; tests never sleep: expiry uses
 * instants in the past or the future, and gc takes an explicit `now`.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { AlreadyExistsError, NotFoundError, StorageClosedError, UnknownKindError } from '../../storage/errors.js';
import type { Schema, Storage } from '../../storage/types.js';

export interface User {
  name: string;
  email?: string;
  aliases?: string[];
  groups?: string[];
  count?: number;
}

/** `users` has unique, multi-valued unique and multi-valued indexes; `notes` has none. */
export const conformanceSchema = {
  users: {
    indexes: {
      email: { unique: true, of: (user: User) => user.email },
      aliases: { unique: true, of: (user: User) => user.aliases },
      groups: { of: (user: User) => user.groups },
    },
  },
  notes: {},
} satisfies Schema;

export interface OpenedStorage {
  readonly storage: Storage;
  /** Opens the same data again; the suite closes the first storage before calling it. */
  readonly reopen?: () => Promise<Storage>;
  readonly cleanup: () => Promise<void>;
}

const HOUR = 3_600_000;

/**
 * A backend given a clock judges expiry by it rather than by the wall clock, so a server (or a
 * test) running on its own time sees the expiry it set.
 */
export function runClockTests(
  name: string,
  open: (now: () => number) => Promise<{ storage: Storage; cleanup: () => Promise<void> }>,
): void {
  describe(`${name} storage clock`, () => {
    it('judges expiry and gc by the clock it was given', async () => {
      let clock = Date.UTC(2001, 0, 1);
      const { storage, cleanup } = await open(() => clock);
      try {
        const ann = { name: 'ann', email: 'ann@example.com' };
        await storage.put('users', 'ann', ann, { expiresAt: clock + 1000 });
        expect(await storage.get('users', 'ann')).toEqual(ann);
        expect(await storage.gc()).toBe(0);

        clock += 1000;
        expect(await storage.get('users', 'ann')).toBeUndefined();
        expect(await storage.findBy('users', 'email', 'ann@example.com')).toEqual([]);
        await expect(storage.update('users', 'ann', (value) => value)).rejects.toBeInstanceOf(NotFoundError);
        expect(await storage.gc()).toBe(1);
        await storage.create('users', 'bob', { name: 'bob', email: 'ann@example.com' });
      } finally {
        await storage.close();
        await cleanup();
      }
    });
  });
}

export function runConformanceTests(name: string, open: () => Promise<OpenedStorage>): void {
  describe(`${name} storage conformance`, () => {
    let opened: OpenedStorage;
    let storage: Storage;

    beforeEach(async () => {
      opened = await open();
      storage = opened.storage;
    });

    afterEach(async () => {
      await storage.close();
      await opened.cleanup();
    });

    /** Closes the storage and opens its data again; undefined for a storage that has no files. */
    async function reopened(): Promise<Storage | undefined> {
      if (!opened.reopen) return undefined;
      await storage.close();
      storage = await opened.reopen();
      return storage;
    }

    const ids = async (kind: string, options?: { prefix?: string; limit?: number }): Promise<string[]> =>
      (await storage.list(kind, options)).map((entry) => entry.id);
    const found = async (index: string, value: string): Promise<string[]> =>
      (await storage.findBy('users', index, value)).map((entry) => entry.id);

    describe('records', () => {
      it.each(Object.keys(conformanceSchema))('creates, reads, replaces and deletes a %s record', async (kind) => {
        expect(await storage.get(kind, 'r1')).toBeUndefined();
        await storage.create(kind, 'r1', { name: 'first' });
        expect(await storage.get(kind, 'r1')).toEqual({ name: 'first' });
        await storage.put(kind, 'r1', { name: 'second' });
        expect(await storage.get(kind, 'r1')).toEqual({ name: 'second' });
        expect(await storage.delete(kind, 'r1')).toBe(true);
        expect(await storage.get(kind, 'r1')).toBeUndefined();
        expect(await storage.delete(kind, 'r1')).toBe(false);
      });

      it('keeps kinds apart: the same id in two kinds is two records', async () => {
        await storage.create('users', 'same', { name: 'user' });
        await storage.create('notes', 'same', { name: 'note' });
        expect(await storage.get('users', 'same')).toEqual({ name: 'user' });
        expect(await storage.delete('notes', 'same')).toBe(true);
        expect(await storage.get('users', 'same')).toEqual({ name: 'user' });
      });

      it('create refuses a taken id with AlreadyExistsError and changes nothing', async () => {
        await storage.create('notes', 'n', { v: 1 });
        const error = await storage.create('notes', 'n', { v: 2 }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(AlreadyExistsError);
        expect(error).toMatchObject({ kind: 'notes', id: 'n', index: undefined });
        expect(await storage.get('notes', 'n')).toEqual({ v: 1 });
      });

      it('put inserts when absent and replaces when present', async () => {
        await storage.put('notes', 'n', { v: 1 });
        expect(await storage.get('notes', 'n')).toEqual({ v: 1 });
        await storage.put('notes', 'n', { w: 2 });
        expect(await storage.get('notes', 'n')).toEqual({ w: 2 });
      });

      it('round-trips values exactly: nested JSON, unicode, every JSON type at the top', async () => {
        const nested = {
          text: 'plain "quoted" \\ back\nslash\ttab \u2028 \u0000 end',
          unicode: 'héllo wörld — 日本語 עברית 😀 \u{1F9D1}\u200D\u{1F680} \uFFFD',
          numbers: [0, -1, 1.5, -2.25e-7, 1e300, Number.MAX_SAFE_INTEGER],
          flags: [true, false, null],
          deep: { a: { b: { c: [{ d: [] }, {}, ''] } } },
          'key with spaces & ünïcode 🔑': 'value',
        };
        const values: unknown[] = [nested, [1, 'two', { three: 3 }], 'just a string', 42, -0.5, true, false, null];
        for (const [i, value] of values.entries()) await storage.put('notes', `v${i}`, value);
        for (const [i, value] of values.entries()) {
          const read = await storage.get('notes', `v${i}`);
          expect(read).toEqual(value);
          expect(JSON.stringify(read)).toBe(JSON.stringify(value));
        }
        expect((await storage.list('notes')).map((entry) => entry.value)).toEqual(values);
      });

      it('stores values, not references: changing an object after put or get changes nothing', async () => {
        const user: User = { name: 'ann', groups: ['a'] };
        await storage.put('users', 'ann', user);
        user.groups!.push('mutated');
        const read = await storage.get<User>('users', 'ann');
        read!.groups!.push('mutated too');
        (await storage.list<User>('users'))[0]!.value.name = 'mutated';
        expect(await storage.get('users', 'ann')).toEqual({ name: 'ann', groups: ['a'] });
      });

      it('keeps a "__proto__" key of a value as data, in reads, lists and updates', async () => {
        const value = JSON.parse('{"__proto__": {"polluted": true}, "deep": [{"__proto__": 1}]}') as Record<string, unknown>;
        await storage.put('notes', 'p', value);
        const reads = [await storage.get<Record<string, unknown>>('notes', 'p'), (await storage.list<Record<string, unknown>>('notes'))[0]?.value];
        reads.push(await storage.update<Record<string, unknown>>('notes', 'p', (current) => ({ ...JSON.parse(JSON.stringify(current)), seen: true })));
        for (const read of reads) {
          expect(Object.getPrototypeOf(read)).toBe(Object.prototype);
          expect(Object.keys(read!)).toContain('__proto__');
          expect((read as { polluted?: unknown }).polluted).toBeUndefined();
          expect(JSON.stringify((read as { deep: unknown }).deep)).toBe('[{"__proto__":1}]');
        }
        expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
      });

      it('stores what JSON keeps: undefined properties vanish, dates become strings', async () => {
        await storage.put('notes', 'n', { kept: 1, dropped: undefined, at: new Date(0) });
        expect(await storage.get('notes', 'n')).toStrictEqual({ kept: 1, at: '1970-01-01T00:00:00.000Z' });
      });

      it('rejects malformed arguments with TypeError and stores nothing', async () => {
        const attempts: Array<() => Promise<unknown>> = [
          () => storage.put('notes', '', { v: 1 }),
          () => storage.put('notes', 'lone \uD800 surrogate', { v: 1 }),
          () => storage.put('notes', 'n', undefined),
          () => storage.put('notes', 'n', () => 1),
          () => storage.put('notes', 'n', { big: 1n }),
          () => storage.put('notes', 'n', { v: 1 }, { expiresAt: Number.NaN }),
          () => storage.get('notes', ''),
          () => storage.list('notes', { limit: -1 }),
          () => storage.list('notes', { limit: 1.5 }),
          () => storage.findBy('users', 'no-such-index', 'x'),
          () => storage.gc(Number.POSITIVE_INFINITY),
        ];
        for (const attempt of attempts) await expect(attempt()).rejects.toBeInstanceOf(TypeError);
        expect(await storage.list('notes')).toEqual([]);
      });
    });

    describe('unique indexes', () => {
      it('create refuses a unique value another record holds, naming the index', async () => {
        await storage.create('users', 'ann', { name: 'ann', email: 'x@example.com' });
        const error = await storage.create('users', 'bob', { name: 'bob', email: 'x@example.com' }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(AlreadyExistsError);
        expect(error).toMatchObject({ kind: 'users', id: 'bob', index: 'email' });
        expect(await storage.get('users', 'bob')).toBeUndefined();
        expect(await found('email', 'x@example.com')).toEqual(['ann']);
      });

      it('put and update refuse a clash and change nothing', async () => {
        await storage.put('users', 'ann', { name: 'ann', email: 'ann@example.com' });
        await storage.put('users', 'bob', { name: 'bob', email: 'bob@example.com', groups: ['g'] });

        await expect(storage.put('users', 'bob', { name: 'bob', email: 'ann@example.com' })).rejects.toMatchObject({
          constructor: AlreadyExistsError,
          index: 'email',
        });
        await expect(
          storage.update<User>('users', 'bob', (bob) => ({ ...bob, email: 'ann@example.com', groups: [] })),
        ).rejects.toBeInstanceOf(AlreadyExistsError);

        expect(await storage.get('users', 'bob')).toEqual({ name: 'bob', email: 'bob@example.com', groups: ['g'] });
        expect(await found('email', 'ann@example.com')).toEqual(['ann']);
        expect(await found('email', 'bob@example.com')).toEqual(['bob']);
        expect(await found('groups', 'g')).toEqual(['bob']);
      });

      it('lets a record keep its own unique values on put and update', async () => {
        await storage.put('users', 'ann', { name: 'ann', email: 'ann@example.com', aliases: ['a'] });
        await storage.put('users', 'ann', { name: 'Ann', email: 'ann@example.com', aliases: ['a'] });
        await storage.update<User>('users', 'ann', (ann) => ({ ...ann, name: 'ANN' }));
        expect(await storage.get('users', 'ann')).toEqual({ name: 'ANN', email: 'ann@example.com', aliases: ['a'] });
      });

      it('enforces a multi-valued unique index value by value', async () => {
        await storage.put('users', 'ann', { name: 'ann', aliases: ['p', 'q', 'q'] });
        await expect(storage.put('users', 'bob', { name: 'bob', aliases: ['r', 'q'] })).rejects.toMatchObject({
          constructor: AlreadyExistsError,
          index: 'aliases',
        });
        await storage.put('users', 'bob', { name: 'bob', aliases: ['r'] });
        expect(await found('aliases', 'p')).toEqual(['ann']);
        expect(await found('aliases', 'q')).toEqual(['ann']);
        expect(await found('aliases', 'r')).toEqual(['bob']);
      });

      it('frees values a record stops yielding on put, update, updater deletion and delete', async () => {
        await storage.put('users', 'ann', { name: 'ann', email: 'one@example.com', aliases: ['a1'] });
        await storage.put('users', 'ann', { name: 'ann', email: 'two@example.com', aliases: ['a2'] });
        await storage.create('users', 'bob', { name: 'bob', email: 'one@example.com', aliases: ['a1'] });

        await storage.update<User>('users', 'ann', (ann) => ({ ...ann, email: 'three@example.com' }));
        await storage.create('users', 'cat', { name: 'cat', email: 'two@example.com' });

        await storage.update('users', 'ann', () => undefined);
        await storage.create('users', 'dan', { name: 'dan', email: 'three@example.com', aliases: ['a2'] });

        await storage.delete('users', 'dan');
        await storage.create('users', 'eve', { name: 'eve', email: 'three@example.com', aliases: ['a2'] });

        expect(await found('email', 'one@example.com')).toEqual(['bob']);
        expect(await found('email', 'two@example.com')).toEqual(['cat']);
        expect(await found('email', 'three@example.com')).toEqual(['eve']);
        expect(await found('aliases', 'a2')).toEqual(['eve']);
      });
    });

    describe('findBy', () => {
      beforeEach(async () => {
        await storage.put('users', 'cat', { name: 'cat', groups: ['admins'] });
        await storage.put('users', 'ann', { name: 'ann', groups: ['admins', 'dev', 'dev'] });
        await storage.put('users', 'bob', { name: 'bob', groups: ['dev'] });
        await storage.put('users', 'dan', { name: 'dan' });
      });

      it('finds every record whose index yields the value, sorted by id, as entries', async () => {
        expect(await storage.findBy('users', 'groups', 'admins')).toStrictEqual([
          { id: 'ann', value: { name: 'ann', groups: ['admins', 'dev', 'dev'] } },
          { id: 'cat', value: { name: 'cat', groups: ['admins'] } },
        ]);
        expect(await found('groups', 'dev')).toEqual(['ann', 'bob']);
        expect(await found('groups', 'nobody')).toEqual([]);
        expect(await found('email', 'absent@example.com')).toEqual([]);
      });

      it('follows updates and deletes', async () => {
        await storage.update<User>('users', 'ann', (ann) => ({ ...ann, groups: ['dev'] }));
        await storage.put('users', 'dan', { name: 'dan', groups: ['admins'] });
        expect(await found('groups', 'admins')).toEqual(['cat', 'dan']);
        await storage.delete('users', 'cat');
        await storage.update('users', 'dan', () => undefined);
        expect(await found('groups', 'admins')).toEqual([]);
        expect(await found('groups', 'dev')).toEqual(['ann', 'bob']);
      });
    });

    describe('list', () => {
      it('sorts by code point, not by UTF-16 unit', async () => {
        const order = ['B', 'a', 'a-1', 'b', '\uFF61', '😀', '😀x'];
        for (const id of ['😀', 'b', '\uFF61', 'a-1', '😀x', 'B', 'a']) await storage.put('notes', id, { id });
        expect(await ids('notes')).toEqual(order);
      });

      it('filters by prefix literally and applies the limit after sorting', async () => {
        for (const id of ['app/2', 'apple', 'app/1', 'b', 'a%c', 'abc', 'a_c', 'axc']) await storage.put('notes', id, {});
        expect(await ids('notes', { prefix: 'app/' })).toEqual(['app/1', 'app/2']);
        expect(await ids('notes', { prefix: 'app' })).toEqual(['app/1', 'app/2', 'apple']);
        expect(await ids('notes', { prefix: 'a%' })).toEqual(['a%c']);
        expect(await ids('notes', { prefix: 'a_' })).toEqual(['a_c']);
        expect(await ids('notes', { prefix: 'zzz' })).toEqual([]);
        expect(await ids('notes', { limit: 2 })).toEqual(['a%c', 'a_c']);
        expect(await ids('notes', { prefix: 'app', limit: 2 })).toEqual(['app/1', 'app/2']);
        expect(await ids('notes', { limit: 0 })).toEqual([]);
        expect(await ids('users')).toEqual([]);
      });

      it('returns entries with their expiry when they have one', async () => {
        const expiresAt = Date.now() + HOUR;
        await storage.put('notes', 'a', { v: 1 }, { expiresAt });
        await storage.put('notes', 'b', { v: 2 });
        expect(await storage.list('notes')).toStrictEqual([
          { id: 'a', value: { v: 1 }, expiresAt },
          { id: 'b', value: { v: 2 } },
        ]);
      });
    });

    describe('expiry', () => {
      it('hides an expired record from get, list, findBy, update and delete at once', async () => {
        const past = Date.now() - 1;
        await storage.put('users', 'old', { name: 'old', email: 'old@example.com', groups: ['g'] }, { expiresAt: past });
        await storage.put('notes', 'expired', { v: 1 }, { expiresAt: past });
        await storage.put('notes', 'live', { v: 2 });

        expect(await storage.get('users', 'old')).toBeUndefined();
        expect(await storage.get('notes', 'expired')).toBeUndefined();
        expect(await ids('users')).toEqual([]);
        expect(await ids('notes', { limit: 1 })).toEqual(['live']);
        expect(await found('email', 'old@example.com')).toEqual([]);
        expect(await found('groups', 'g')).toEqual([]);
        await expect(storage.update('notes', 'expired', () => ({ v: 3 }))).rejects.toBeInstanceOf(NotFoundError);
        expect(await storage.delete('users', 'old')).toBe(false);
      });

      it('shows a record that expires later, with its expiry', async () => {
        const expiresAt = Date.now() + HOUR;
        await storage.put('users', 'ann', { name: 'ann', email: 'ann@example.com' }, { expiresAt });
        expect(await storage.get('users', 'ann')).toEqual({ name: 'ann', email: 'ann@example.com' });
        expect(await storage.findBy('users', 'email', 'ann@example.com')).toStrictEqual([
          { id: 'ann', value: { name: 'ann', email: 'ann@example.com' }, expiresAt },
        ]);
      });

      it('frees the id and the unique values of an expired record', async () => {
        const past = Date.now() - 1;
        await storage.put('users', 'old', { name: 'old', email: 'x@example.com', aliases: ['x'] }, { expiresAt: past });
        await storage.create('users', 'new', { name: 'new', email: 'x@example.com', aliases: ['x'] });
        await storage.create('users', 'old', { name: 'old again', email: 'y@example.com' });
        expect(await found('email', 'x@example.com')).toEqual(['new']);
        expect(await found('aliases', 'x')).toEqual(['new']);
        expect(await storage.list('users')).toStrictEqual([
          { id: 'new', value: { name: 'new', email: 'x@example.com', aliases: ['x'] } },
          { id: 'old', value: { name: 'old again', email: 'y@example.com' } },
        ]);
      });

      it('gc removes the records expired at the given instant and counts them', async () => {
        const now = Date.now();
        await storage.put('users', 'gone', { name: 'gone', email: 'gone@example.com' }, { expiresAt: now - HOUR });
        await storage.put('notes', 'gone', {}, { expiresAt: now - 1 });
        await storage.put('notes', 'later', {}, { expiresAt: now + HOUR });
        await storage.put('notes', 'forever', {});

        expect(await storage.gc()).toBe(2);
        expect(await storage.gc()).toBe(0);
        expect(await ids('notes')).toEqual(['forever', 'later']);
        expect(await storage.gc(now + HOUR)).toBe(1);
        expect(await ids('notes')).toEqual(['forever']);
        await storage.create('users', 'fresh', { name: 'fresh', email: 'gone@example.com' });
      });

      it('update keeps the expiry unless given a new one; put replaces it', async () => {
        const first = Date.now() + HOUR;
        const second = first + HOUR;
        await storage.put('notes', 'n', { v: 0 }, { expiresAt: first });
        await storage.update<{ v: number }>('notes', 'n', ({ v }) => ({ v: v + 1 }));
        expect(await storage.list('notes')).toStrictEqual([{ id: 'n', value: { v: 1 }, expiresAt: first }]);
        await storage.update<{ v: number }>('notes', 'n', ({ v }) => ({ v: v + 1 }), { expiresAt: second });
        expect(await storage.list('notes')).toStrictEqual([{ id: 'n', value: { v: 2 }, expiresAt: second }]);
        await storage.put('notes', 'n', { v: 3 });
        expect(await storage.list('notes')).toStrictEqual([{ id: 'n', value: { v: 3 } }]);
      });

      it('update with an expiry in the past makes the record invisible', async () => {
        await storage.put('notes', 'n', { v: 0 });
        await storage.update('notes', 'n', (value) => value, { expiresAt: Date.now() - 1 });
        expect(await storage.get('notes', 'n')).toBeUndefined();
      });
    });

    describe('update', () => {
      it('passes the current value and resolves to the new one', async () => {
        await storage.put('users', 'ann', { name: 'ann', count: 1 });
        const result = await storage.update<User>('users', 'ann', (ann) => ({ ...ann, count: ann.count! + 1 }));
        expect(result).toEqual({ name: 'ann', count: 2 });
        expect(await storage.get('users', 'ann')).toEqual({ name: 'ann', count: 2 });
      });

      it('rejects with NotFoundError for an absent record without calling the updater', async () => {
        let called = false;
        const error = await storage
          .update('notes', 'absent', (value) => {
            called = true;
            return value;
          })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(NotFoundError);
        expect(error).toMatchObject({ kind: 'notes', id: 'absent' });
        expect(called).toBe(false);
        expect(await storage.get('notes', 'absent')).toBeUndefined();
      });

      it('aborts with the updater’s error and writes nothing, even if it changed its argument', async () => {
        await storage.put('users', 'ann', { name: 'ann', email: 'ann@example.com', groups: ['g'] });
        const boom = new Error('boom');
        const error = await storage
          .update<User>('users', 'ann', (ann) => {
            ann.name = 'changed';
            ann.groups = [];
            throw boom;
          })
          .catch((e: unknown) => e);
        expect(error).toBe(boom);
        expect(await storage.get('users', 'ann')).toEqual({ name: 'ann', email: 'ann@example.com', groups: ['g'] });
        expect(await found('groups', 'g')).toEqual(['ann']);
      });

      it('deletes the record when the updater returns undefined', async () => {
        await storage.put('users', 'ann', { name: 'ann', email: 'ann@example.com', groups: ['g'] });
        expect(await storage.update('users', 'ann', () => undefined)).toBeUndefined();
        expect(await storage.get('users', 'ann')).toBeUndefined();
        expect(await found('groups', 'g')).toEqual([]);
        expect(await storage.delete('users', 'ann')).toBe(false);
      });

      it('refuses an asynchronous updater and writes nothing', async () => {
        await storage.put('notes', 'n', { v: 1 });
        const asynchronous = (async () => ({ v: 2 })) as unknown as () => { v: number };
        await expect(storage.update('notes', 'n', asynchronous)).rejects.toBeInstanceOf(TypeError);
        expect(await storage.get('notes', 'n')).toEqual({ v: 1 });
      });

      it('counts all of 100 concurrent updates of one record, each seeing a distinct value', async () => {
        await storage.put('notes', 'counter', 0);
        const results = await Promise.all(
          Array.from({ length: 100 }, () => storage.update<number>('notes', 'counter', (n) => n + 1)),
        );
        expect(await storage.get('notes', 'counter')).toBe(100);
        expect([...results].sort((a, b) => a! - b!)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      });
    });

    describe('lifecycle', () => {
      it('ping resolves on a working storage', async () => {
        await expect(storage.ping()).resolves.toBeUndefined();
      });

      it('rejects every call after close with StorageClosedError; closing again resolves', async () => {
        await storage.put('notes', 'n', {});
        await storage.close();
        const calls: Array<() => Promise<unknown>> = [
          () => storage.get('notes', 'n'),
          () => storage.create('notes', 'm', {}),
          () => storage.put('notes', 'n', {}),
          () => storage.update('notes', 'n', (value) => value),
          () => storage.delete('notes', 'n'),
          () => storage.list('notes'),
          () => storage.findBy('users', 'email', 'x'),
          () => storage.gc(),
          () => storage.ping(),
        ];
        for (const call of calls) await expect(call()).rejects.toBeInstanceOf(StorageClosedError);
        await expect(storage.close()).resolves.toBeUndefined();
      });

      it('rejects kinds outside the schema with UnknownKindError', async () => {
        const calls: Array<() => Promise<unknown>> = [
          () => storage.get('nope', 'n'),
          () => storage.create('nope', 'n', {}),
          () => storage.put('nope', 'n', {}),
          () => storage.update('nope', 'n', (value) => value),
          () => storage.delete('nope', 'n'),
          () => storage.list('nope'),
          () => storage.findBy('nope', 'email', 'x'),
          () => storage.get('__proto__', 'n'),
          () => storage.get('toString', 'n'),
        ];
        for (const call of calls) await expect(call()).rejects.toBeInstanceOf(UnknownKindError);
      });

      it('treats ids that are Object.prototype names as plain ids', async () => {
        for (const id of ['__proto__', 'constructor', 'toString']) {
          expect(await storage.get('notes', id)).toBeUndefined();
          await storage.create('notes', id, { id });
        }
        expect(await ids('notes')).toEqual(['__proto__', 'constructor', 'toString']);
        expect(await storage.get('notes', '__proto__')).toEqual({ id: '__proto__' });
      });
    });

    describe('persistence (backends with files)', () => {
      it('keeps every acknowledged write across reopen: values, expiries, deletions, indexes', async () => {
        const expiresAt = Date.now() + HOUR;
        await storage.put('users', 'ann', { name: 'ann', email: 'ann@example.com', groups: ['g'] }, { expiresAt });
        await storage.put('users', 'bob', { name: 'bob', groups: ['g'] });
        await storage.put('notes', 'unicode', { text: 'ünï 😀 \u2028' });
        await storage.put('notes', 'deleted', {});
        await storage.delete('notes', 'deleted');
        await storage.update<User>('users', 'bob', (bob) => ({ ...bob, email: 'bob@example.com' }));

        // A storage without files has nothing to reopen: the rest of this test is for those that do.
        const again = await reopened();
        if (again === undefined) return;

        expect(await again.list('users')).toStrictEqual([
          { id: 'ann', value: { name: 'ann', email: 'ann@example.com', groups: ['g'] }, expiresAt },
          { id: 'bob', value: { name: 'bob', groups: ['g'], email: 'bob@example.com' } },
        ]);
        expect(await again.list('notes')).toStrictEqual([{ id: 'unicode', value: { text: 'ünï 😀 \u2028' } }]);
        expect(await found('groups', 'g')).toEqual(['ann', 'bob']);
        await expect(again.create('users', 'cat', { name: 'cat', email: 'bob@example.com' })).rejects.toBeInstanceOf(
          AlreadyExistsError,
        );
      });

      it('finishes writes in flight when closed, in the order they were called', async () => {
        const writes = [
          ...Array.from({ length: 20 }, (_, i) => storage.put('notes', `n${i}`, { i })),
          storage.put('notes', 'counter', 0),
          storage.update<number>('notes', 'counter', (n) => n + 1),
        ];
        const again = await reopened();
        await Promise.all(writes);
        if (again === undefined) return;
        expect(await again.list('notes')).toHaveLength(21);
        expect(await again.get('notes', 'counter')).toBe(1);
      });
    });
  });
}
