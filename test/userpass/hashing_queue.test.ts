/**
 * Password hashing runs through a bounded queue: a few hashes at once, a bounded waiting list,
 * and a clear 429 past that, so unauthenticated logins cannot take libuv's whole thread pool.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { LanyardError } from '../../server/errors.js';
import { HashingQueue, passwordHashing } from '../../server/userpass/hashing_queue.js';
import { Browser, REDIRECT_URI, authorizationRequest, createClient, createKey, createProvider, formsOf, relyingParty } from '../support/relying_party.js';
import { api, startTestServer, type TestServer } from '../support/server.js';

/** A promise and the function that settles it. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('HashingQueue', () => {
  it('runs at most maxActive tasks, queues maxWaiting in order, and refuses the rest with 429', async () => {
    const queue = new HashingQueue(2, 1);
    const started: number[] = [];
    const gates = [gate(), gate(), gate()];
    const runs = gates.map((g, i) => queue.run(async () => {
      started.push(i);
      await g.promise;
      return i;
    }));
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect(queue.load).toEqual({ active: 2, waiting: 1 });

    const refused = await queue.run(async () => 'never').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(LanyardError);
    expect((refused as LanyardError).status).toBe(429);
    expect((refused as LanyardError).headers).toEqual({ 'Retry-After': '1' });

    gates[1]?.open();
    expect(await runs[1]).toBe(1);
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    gates[0]?.open();
    gates[2]?.open();
    expect(await Promise.all(runs)).toEqual([0, 1, 2]);
    expect(queue.load).toEqual({ active: 0, waiting: 0 });
  });

  it('frees the slot of a task that fails', async () => {
    const queue = new HashingQueue(1, 0);
    await expect(queue.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await queue.run(async () => 'next')).toBe('next');
  });
});

describe('userpass login while the hashing queue is full', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
    expect((await api(server, 'POST', '/v1/auth/userpass/users/alice', { password: 'correct horse battery staple' })).status).toBe(204);
  });

  afterAll(async () => {
    await server?.destroy();
  });

  it('answers 429 in Vault’s shape, and logs in normally once the queue drains', async () => {
    // Hold every slot and every place in the waiting list, as a flood of logins would.
    const hold = gate();
    const holders = Array.from({ length: passwordHashing.maxActive + passwordHashing.maxWaiting }, () => passwordHashing.run(() => hold.promise));
    expect(passwordHashing.load).toEqual({ active: passwordHashing.maxActive, waiting: passwordHashing.maxWaiting });

    const refused = await api(server, 'POST', '/v1/auth/userpass/login/alice', { password: 'correct horse battery staple' }, null);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.body).toEqual({ errors: ['too many password checks in progress; try again shortly'] });
    // Unknown users cost a hash too, and are refused the same way.
    expect((await api(server, 'POST', '/v1/auth/userpass/login/nobody', { password: 'whatever-it-is' }, null)).status).toBe(429);

    hold.open();
    await Promise.all(holders);
    const ok = await api(server, 'POST', '/v1/auth/userpass/login/alice', { password: 'correct horse battery staple' }, null);
    expect(ok.status).toBe(200);
    expect(ok.body.auth.client_token).toMatch(/^lys\./);
    // Waiting for the queue was not a failed attempt: no lock-out followed.
    const wrong = await api(server, 'POST', '/v1/auth/userpass/login/alice', { password: 'not the password' }, null);
    expect(wrong.status).toBe(400);
  });

  it('tells a person on the sign-in page that the service is busy, not that they failed too often', async () => {
    await createKey(server, 'k1');
    const client = await createClient(server, 'web', { key: 'k1', redirect_uris: REDIRECT_URI, assignments: 'allow_all' });
    const rp = await relyingParty(await createProvider(server, 'p1', { allowed_client_ids: '*' }), client);
    const browser = new Browser();
    const request = await authorizationRequest(rp);
    const start = await browser.request(request.url);
    const pageUrl = new URL(start.headers.get('location') as string, request.url);
    const [form] = formsOf(await (await browser.request(pageUrl)).text());
    expect(form).toBeDefined();

    const hold = gate();
    const holders = Array.from({ length: passwordHashing.maxActive + passwordHashing.maxWaiting }, () => passwordHashing.run(() => hold.promise));
    try {
      const busy = await browser.request(new URL(form?.action as string, pageUrl), {
        form: { ...form?.fields, username: 'alice', password: 'correct horse battery staple' },
      });
      expect(busy.status).toBe(429);
      const html = await busy.text();
      expect(html).toContain('The sign-in service is busy. Try again in a moment.');
      expect(html).not.toContain('Too many failed attempts');
    } finally {
      hold.open();
      await Promise.all(holders);
    }
  });
});
