/**
 * The provider state adapter over a real SQLite store: records and indexes namespaced per
 * provider, expiry by the injected clock, atomic consumption with grant revocation on replay.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { errors } from 'oidc-provider';
import { STATE_KINDS } from '../../../storage/schema.js';
import { SqliteStorage } from '../../../storage/sqlite.js';
import { StateAdapter } from '../../../server/oidc/provider/adapter.js';
import { StateProtection } from '../../../server/oidc/provider/state_protection.js';

describe('StateAdapter', () => {
  let dir: string;
  let storage: SqliteStorage;
  let now = Date.now();
  const protection = new StateProtection(Buffer.alloc(32, 7));
  const adapter = (provider: string, model: string) => new StateAdapter(model, { storage, provider, now: () => now, protection });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lanyard-adapter-'));
    storage = await SqliteStorage.open(join(dir, 'state.db'), STATE_KINDS);
  });

  afterAll(async () => {
    await storage?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps each provider’s records to itself, for ids and for index lookups', async () => {
    await adapter('alpha', 'AccessToken').upsert('t1', { jti: 't1', grantId: 'g1', kind: 'AccessToken' }, 60);
    await adapter('alpha', 'Session').upsert('s1', { jti: 's1', uid: 'u1', kind: 'Session' }, 60);
    expect(await adapter('alpha', 'AccessToken').find('t1')).toEqual(expect.objectContaining({ jti: 't1' }));
    expect(await adapter('beta', 'AccessToken').find('t1')).toBeUndefined();
    expect(await adapter('alpha', 'RefreshToken').find('t1')).toBeUndefined();
    expect(await adapter('alpha', 'Session').findByUid('u1')).toEqual(expect.objectContaining({ jti: 's1' }));
    expect(await adapter('beta', 'Session').findByUid('u1')).toBeUndefined();

    await adapter('beta', 'AccessToken').revokeByGrantId('g1');
    expect(await adapter('alpha', 'AccessToken').find('t1')).toBeDefined();
    await adapter('alpha', 'AccessToken').revokeByGrantId('g1');
    expect(await adapter('alpha', 'AccessToken').find('t1')).toBeUndefined();
  });

  it('expires records by the server clock', async () => {
    await adapter('alpha', 'AuthorizationCode').upsert('c1', { jti: 'c1', kind: 'AuthorizationCode' }, 300);
    now += 299_000;
    expect(await adapter('alpha', 'AuthorizationCode').find('c1')).toBeDefined();
    now += 2_000;
    expect(await adapter('alpha', 'AuthorizationCode').find('c1')).toBeUndefined();
  });

  it('consumes once; consuming again revokes the whole grant', async () => {
    const codes = adapter('alpha', 'AuthorizationCode');
    await codes.upsert('c2', { jti: 'c2', grantId: 'g2', kind: 'AuthorizationCode' }, 60);
    await adapter('alpha', 'AccessToken').upsert('t2', { jti: 't2', grantId: 'g2', kind: 'AccessToken' }, 60);
    await adapter('alpha', 'Grant').upsert('g2', { jti: 'g2', kind: 'Grant' }, 60);

    await codes.consume('c2');
    expect((await codes.find('c2'))?.consumed).toEqual(expect.any(Number));
    await expect(codes.consume('c2')).rejects.toBeInstanceOf(errors.InvalidGrant);
    expect(await adapter('alpha', 'AccessToken').find('t2')).toBeUndefined();
    expect(await adapter('alpha', 'Grant').find('g2')).toBeUndefined();
    expect(await codes.find('c2')).toBeUndefined();
  });

  it('refuses to consume what does not exist', async () => {
    await expect(adapter('alpha', 'RefreshToken').consume('missing')).rejects.toBeInstanceOf(errors.InvalidGrant);
  });

  it('stores ids, index values and payloads of its records in no readable form', async () => {
    await adapter('alpha', 'DeviceCode').upsert('dc-secret-id', { jti: 'dc-secret-id', grantId: 'g-secret', userCode: 'USER-CODE', kind: 'DeviceCode' }, 60);
    await adapter('alpha', 'Session').upsert('sess-secret-id', { jti: 'sess-secret-id', uid: 'uid-secret', kind: 'Session' }, 60);
    const stored = JSON.stringify(await storage.list('oidc_state'));
    for (const value of ['dc-secret-id', 'g-secret', 'USER-CODE', 'sess-secret-id', 'uid-secret']) expect(stored).not.toContain(value);
    expect(await adapter('alpha', 'DeviceCode').findByUserCode('USER-CODE')).toEqual(expect.objectContaining({ jti: 'dc-secret-id' }));
    expect(await adapter('alpha', 'Session').findByUid('uid-secret')).toEqual(expect.objectContaining({ jti: 'sess-secret-id' }));
    // Another key finds nothing: the hashes are keyed.
    const other = new StateAdapter('Session', { storage, provider: 'alpha', now: () => now, protection: new StateProtection(Buffer.alloc(32, 8)) });
    expect(await other.find('sess-secret-id')).toBeUndefined();
    await adapter('alpha', 'DeviceCode').destroy('dc-secret-id');
    expect(await adapter('alpha', 'DeviceCode').find('dc-secret-id')).toBeUndefined();
  });
});
