/**
 * Fail closed, as Vault does: with devices enabled and none able to write, requests are refused
 * with 503 rather than served unaudited, and served again once a device can write. A file device
 * reopens its file on SIGHUP (logrotate).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EventEmitter } from 'node:events';
import { mkdir, rename, rmdir, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { api, startTestServer, type TestServer } from '../support/server.js';
import { enableFile, readAudit } from './support.js';

let server: TestServer;
// Jest's sandbox cannot catch a real signal (it would end the test process), so the runtime's
// SIGHUP arrives through this stand-in; the server command listens on the process itself.
const signals = new EventEmitter();
beforeAll(async () => {
  server = await startTestServer({ signals });
});
afterAll(async () => server.destroy());

/** Resolves once `check` holds, re-checking after each turn of the event loop (a closed socket is noticed asynchronously). */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (await check()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('condition never held');
}

const readPolicies = () => api(server, 'GET', '/v1/sys/policies/acl/default');
const machineLogin = () =>
  fetch(`${server.url}/api/v1/auth/oidc-auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identityId: 'x', jwt: 'y' }) });

describe('file device', () => {
  it('reopens its file on SIGHUP, refuses requests while the file cannot be opened, and recovers', async () => {
    const file = join(server.dataDir, 'rotated.log');
    await enableFile(server, 'rot', file);
    expect((await readPolicies()).status).toBe(200);

    // logrotate: move the file away, signal, and the next lines go to a new file.
    await rename(file, `${file}.1`);
    signals.emit('SIGHUP');
    const marker = await readPolicies();
    expect(marker.status).toBe(200);
    expect((await readAudit(file)).lines.some((l) => l.request.id === marker.headers.get('x-request-id'))).toBe(true);
    expect((await readAudit(`${file}.1`)).lines.some((l) => l.request.id === marker.headers.get('x-request-id'))).toBe(false);

    // The file's place is taken by a directory: the reopen fails and so does every request.
    await rename(file, `${file}.2`);
    await mkdir(file);
    signals.emit('SIGHUP');
    expect(await readPolicies()).toMatchObject({ status: 503, body: { errors: ['audit logging failed'] } });
    const login = await machineLogin();
    expect(login.status).toBe(503);
    expect(await login.json()).toMatchObject({ statusCode: 503, message: 'audit logging failed' });
    const writeAttempt = await api(server, 'PUT', '/v1/sys/policies/acl/unaudited', { policy: 'path "x" { capabilities = ["read"] }' });
    expect(writeAttempt.status).toBe(503);

    // The directory goes: the device reopens on the next write and requests are served again.
    await rmdir(file);
    expect((await readPolicies()).status).toBe(200);
    expect((await api(server, 'GET', '/v1/sys/policies/acl/unaudited')).status).toBe(404);
    expect((await api(server, 'DELETE', '/v1/sys/audit/rot')).status).toBe(204);
    await rm(`${file}.1`);
  });
});

describe('socket device', () => {
  it('fails closed while its listener is gone and recovers when it returns', async () => {
    const received: string[] = [];
    const sockets = new Set<Socket>();
    const listen = (port: number): Promise<Server> =>
      new Promise((resolve, reject) => {
        const listener = createServer((socket) => {
          sockets.add(socket);
          socket.on('data', (chunk) => received.push(chunk.toString('utf8')));
          socket.on('close', () => sockets.delete(socket));
        });
        listener.once('error', reject);
        listener.listen(port, '127.0.0.1', () => resolve(listener));
      });
    let listener = await listen(0);
    const port = (listener.address() as { port: number }).port;
    const enable = await api(server, 'PUT', '/v1/sys/audit/sock', { type: 'socket', description: 'siem', options: { address: `127.0.0.1:${port}` } });
    expect(enable.status).toBe(204);
    const served = await readPolicies();
    expect(served.status).toBe(200);
    await eventually(async () => received.join('').includes(served.headers.get('x-request-id') as string));

    // The collector goes away: nothing can be recorded, nothing is served.
    await new Promise<void>((resolve) => {
      listener.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
    await eventually(async () => (await readPolicies()).status === 503);
    expect((await machineLogin()).status).toBe(503);

    listener = await listen(port);
    const back = await readPolicies();
    expect(back.status).toBe(200);
    await eventually(async () => received.join('').includes(back.headers.get('x-request-id') as string));
    for (const line of received.join('').split('\n').filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow();

    expect((await api(server, 'DELETE', '/v1/sys/audit/sock')).status).toBe(204);
    await new Promise<void>((resolve) => {
      listener.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
    // No device left: requests are served without one.
    expect((await readPolicies()).status).toBe(200);
  });

  it('writes to a unix socket', async () => {
    const path = join(server.dataDir, 'audit.sock');
    const received: string[] = [];
    const sockets = new Set<Socket>();
    const listener = createServer((socket) => {
      sockets.add(socket);
      socket.on('data', (chunk) => received.push(chunk.toString('utf8')));
    });
    await new Promise<void>((resolve) => listener.listen(path, () => resolve()));
    expect((await api(server, 'PUT', '/v1/sys/audit/unix', { type: 'socket', options: { address: path, socket_type: 'unix' } })).status).toBe(204);
    const served = await readPolicies();
    await eventually(async () => received.join('').includes(`"id":"${served.headers.get('x-request-id')}"`));
    expect((await api(server, 'DELETE', '/v1/sys/audit/unix')).status).toBe(204);
    await new Promise<void>((resolve) => {
      listener.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  });
});
