/**
 * Real replica processes on one database: two started at the same moment on an empty schema, and
 * one SIGKILLed during a burst of writes through both — no acknowledged write is lost, the other
 * keeps answering, and the killed one rejoins after a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dropSchema, ensurePostgres, freshSchemaName, TEST_DATABASE_URL } from '../support/postgres.js';
import { buildServer, freePort, startReplicaProcess, type ReplicaProcess } from '../support/replica_process.js';
import { api } from '../support/server.js';

const ROOT_TOKEN = 'lys.replica-process-root';

describe('replica processes', () => {
  let entry: string;
  let dir: string;
  let schema: string;
  let flags: string[];
  const running: ReplicaProcess[] = [];

  beforeAll(async () => {
    await ensurePostgres();
    entry = buildServer();
    dir = await mkdtemp(join(tmpdir(), 'lanyard-processes-'));
    const sealKeyFile = join(dir, 'seal.key');
    await writeFile(sealKeyFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    schema = freshSchemaName('proc');
    flags = ['--dev', '--dev-root-token', ROOT_TOKEN, '--storage', 'postgres', '--database-url', TEST_DATABASE_URL, '--database-schema', schema, '--seal-key-file', sealKeyFile];
  }, 180_000);

  afterAll(async () => {
    await Promise.allSettled(running.map((r) => r.stop()));
    await dropSchema(schema);
    await rm(dir, { recursive: true, force: true });
  });

  const start = async (port: number): Promise<ReplicaProcess> => {
    const replica = await startReplicaProcess(entry, port, flags);
    running.push(replica);
    return replica;
  };
  const as = (replica: ReplicaProcess) => ({ url: replica.url, rootToken: ROOT_TOKEN });

  it('loses no acknowledged write when one of two replicas is SIGKILLed mid-burst, and takes it back after a restart', async () => {
    const ports = [await freePort(), await freePort()] as const;
    // Both start at the same moment on an empty schema: one migration, one initialisation.
    const [a, b] = (await Promise.all(ports.map((port) => start(port)))) as [ReplicaProcess, ReplicaProcess];
    const inits = await Promise.all([a, b].map((r) => api(as(r), 'GET', '/v1/sys/init', undefined, null)));
    expect(inits[0]!.body.organization_id).toBe(inits[1]!.body.organization_id);

    const acknowledged: string[] = [];
    const failedOnB: number[] = [];
    let killed = false;
    const writeThrough = async (replica: ReplicaProcess, name: string): Promise<void> => {
      const res = await api(as(replica), 'PUT', `/v1/sys/policies/acl/${name}`, { policy: `path "secret/${name}" { capabilities = ["read"] }` }).catch(() => undefined);
      if (res?.status === 204) acknowledged.push(name);
      else if (replica === b) failedOnB.push(res?.status ?? 0);
    };
    const burst = (async () => {
      for (let i = 0; i < 150; i++) {
        await Promise.all([writeThrough(a, `a-${i}`), writeThrough(b, `b-${i}`)]);
        if (i === 40) {
          killed = true;
          void a.kill9();
        }
      }
    })();
    await burst;
    expect(killed).toBe(true);
    // The survivor answered every write, before and after the kill.
    expect(failedOnB).toEqual([]);
    const listed = new Set((await api(as(b), 'LIST', '/v1/sys/policies/acl')).body.data.keys as string[]);
    expect(acknowledged.filter((name) => !listed.has(name))).toEqual([]);
    expect(acknowledged.filter((name) => name.startsWith('a-')).length).toBeGreaterThanOrEqual(40);

    // The killed replica rejoins on its port and sees everything, including writes made while it was gone.
    const again = await start(ports[0]);
    expect((await api(as(again), 'GET', '/v1/sys/health', undefined, null)).status).toBe(200);
    expect((await api(as(again), 'GET', '/v1/sys/policies/acl/b-149')).status).toBe(200);
    expect((await api(as(again), 'PUT', '/v1/sys/policies/acl/after-restart', { policy: 'path "x" { capabilities = ["read"] }' })).status).toBe(204);
    expect((await api(as(b), 'GET', '/v1/sys/policies/acl/after-restart')).status).toBe(200);
  }, 120_000);
});
