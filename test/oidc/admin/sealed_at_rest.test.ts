/** Nothing secret reaches the data directory in the clear: client secrets and private key parameters are sealed. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { Seal } from '../../../keys/seal.js';
import { openClientSecret } from '../../../server/oidc/admin/client_secret.js';
import { openKey, readStoredKey } from '../../../server/oidc/key_store.js';
import type { ClientRecord } from '../../../server/oidc/types.js';
import { startOidcServer, type OidcTestServer } from './fixtures.js';

let t: OidcTestServer;
beforeAll(async () => {
  t = await startOidcServer();
});
afterAll(async () => t.server.destroy());

const PRIVATE_PARAMS = ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const;

async function dataDirText(dir: string): Promise<string> {
  let text = '';
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || entry.name === 'seal.key') continue;
    text += (await readFile(join(entry.parentPath, entry.name))).toString('latin1');
  }
  return text;
}

describe('secrets at rest', () => {
  let secret: string;
  const privateValues: string[] = [];

  beforeAll(async () => {
    expect((await t.call('POST', 'identity/oidc/key/krsa', { allowed_client_ids: '*' })).status).toBe(204);
    expect((await t.call('POST', 'identity/oidc/key/kec', { algorithm: 'ES384', allowed_client_ids: '*' })).status).toBe(204);
    expect((await t.call('POST', 'identity/oidc/client/web', { key: 'krsa', assignments: 'allow_all' })).status).toBe(204);
    expect((await t.call('POST', 'identity/oidc/client/svc', { key: 'default' })).status).toBe(204);
    expect((await t.call('POST', 'identity/oidc/key/krsa/rotate')).status).toBe(204);
    secret = (await t.call('GET', 'identity/oidc/client/web')).body.data.client_secret;
    expect(secret).toMatch(/^hvo_secret_/);
    for (const name of ['krsa', 'kec', 'default']) {
      const key = await openKey(t.server.runtime.services, name);
      for (const material of [key?.current, key?.next]) {
        const jwk = material?.privateJwk as JWK;
        expect(typeof jwk.d).toBe('string');
        for (const param of PRIVATE_PARAMS) if (typeof jwk[param] === 'string') privateValues.push(jwk[param]);
      }
    }
  });

  it('stores sealed values only', async () => {
    const client = await t.server.runtime.services.storage.get<ClientRecord>('oidc_client', 'web');
    expect(Seal.isSealed(client?.client_secret)).toBe(true);
    for (const name of ['krsa', 'kec', 'default']) {
      const stored = await readStoredKey(t.server.runtime.services, name);
      expect(Seal.isSealed(stored?.current?.privateJwk)).toBe(true);
      expect(Seal.isSealed(stored?.next?.privateJwk)).toBe(true);
      expect(JSON.stringify(stored?.previous)).not.toMatch(/"d":/);
    }
  });

  it('leaves no secret and no private key parameter in any data file', async () => {
    const text = await dataDirText(t.server.dataDir);
    expect(text).toContain('krsa'); // the files are the ones holding the records
    expect(text).not.toContain(secret);
    expect(text).not.toContain(secret.slice('hvo_secret_'.length));
    expect(privateValues.length).toBeGreaterThanOrEqual(6 * 2 + 2 + 2);
    for (const value of privateValues) expect(text).not.toContain(value);
  });

  it('opens the sealed secret only in its own record', async () => {
    const services = t.server.runtime.services;
    const web = await services.storage.get<ClientRecord>('oidc_client', 'web');
    expect(web?.client_secret).not.toBe(secret);
    expect(openClientSecret(services, web as ClientRecord)).toBe(secret);
    // A sealed secret moved to another client's record does not open there.
    expect(() => openClientSecret(services, { name: 'svc', client_secret: web?.client_secret as string })).toThrow();
    expect(openClientSecret(services, { name: 'pub', client_secret: '' })).toBe('');
  });

  it('opens them again after a restart with the same data directory', async () => {
    await t.server.stop();
    const restarted = await startOidcServer({ dataDir: t.server.dataDir });
    try {
      expect((await restarted.call('GET', 'identity/oidc/client/web')).body.data.client_secret).toBe(secret);
      const key = await openKey(restarted.server.runtime.services, 'krsa');
      expect(privateValues).toContain(key?.current?.privateJwk.d);
    } finally {
      await restarted.server.stop();
    }
  });
});
