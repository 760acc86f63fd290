/**
 * Snapshots through the CLI against running servers: a snapshot saved under write load holds every
 * write acknowledged before the save and restores into another server (same seal key) that keeps
 * working tokens, users, clients and keys; secrets stay sealed in the file; restoring into the same
 * server rolls it back; a damaged snapshot or a token without sudo changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lanyard, scratchDir } from '../cli/harness.js';
import { api, startTestServer, type TestServer } from '../support/server.js';
import {
  Browser,
  REDIRECT_URI,
  authorizationRequest,
  createClient,
  createKey,
  createProvider,
  createUser,
  exchange,
  relyingParty,
  signIn,
  type ClientCredentials,
  type TestUser,
} from '../support/relying_party.js';

let source: TestServer;
let target: TestServer;
let scratch: Awaited<ReturnType<typeof scratchDir>>;
const envFor = (server: TestServer) => ({ LANYARD_ADDR: server.url, LANYARD_TOKEN: server.rootToken, LANYARD_TOKEN_FILE: join(scratch.dir, 'token') });

beforeAll(async () => {
  scratch = await scratchDir();
  source = await startTestServer();
});
afterAll(async () => {
  await source?.destroy();
  await target?.destroy();
  await scratch.cleanup();
});

const createToken = async (server: TestServer, meta: Record<string, string> = {}): Promise<string> => {
  const res = await api(server, 'POST', '/v1/auth/token/create', { policies: ['p1'], meta });
  expect(res.status).toBe(200);
  return res.body.auth.client_token as string;
};
const tokenWorks = async (server: TestServer, token: string): Promise<boolean> => (await api(server, 'GET', '/v1/auth/token/lookup-self', undefined, token)).status === 200;

describe('snapshot save and restore', () => {
  let web: ClientCredentials;
  let alice: TestUser;
  let early: string;
  let file: string;
  const acknowledgedBeforeSave: string[] = [];

  it('saves under write load a snapshot holding every write acknowledged before the save, with secrets sealed', async () => {
    await api(source, 'PUT', '/v1/sys/policies/acl/p1', { policy: 'path "secret/*" { capabilities = ["read"] }' });
    await createKey(source, 'k1', { algorithm: 'ES256' });
    web = await createClient(source, 'web', { key: 'k1', redirect_uris: REDIRECT_URI, assignments: 'allow_all' });
    await createProvider(source, 'p1', { allowed_client_ids: '*' });
    alice = await createUser(source, 'alice');
    early = await createToken(source);

    // Writers keep creating tokens; each one acknowledged before the save starts must be in it.
    let saving = false;
    let stop = false;
    const writer = async () => {
      while (!stop) {
        const token = await createToken(source, { n: String(acknowledgedBeforeSave.length) });
        if (!saving) acknowledgedBeforeSave.push(token);
      }
    };
    const writers = [writer(), writer(), writer()];
    while (acknowledgedBeforeSave.length < 30) await new Promise((resolve) => setImmediate(resolve));
    file = join(scratch.dir, 'lanyard.snap');
    saving = true;
    const saved = await lanyard(['operator', 'snapshot', 'save', file], { env: envFor(source) });
    stop = true;
    await Promise.all(writers);
    expect(saved).toEqual({ code: 0, stdout: `Success! Saved snapshot to: ${file}\n`, stderr: '' });

    const text = await readFile(file, 'utf8');
    const snapshot = JSON.parse(text) as { kinds: Record<string, unknown[]> };
    expect(snapshot.kinds.token?.length).toBeGreaterThanOrEqual(acknowledgedBeforeSave.length + 2);
    for (const secret of [web.client_secret as string, alice.password, early, source.rootToken, ...acknowledgedBeforeSave]) expect(text.includes(secret)).toBe(false);
  });

  it('restores into another server with the same seal key, which then works with the restored tokens, users, clients and keys', async () => {
    target = await startTestServer({ settings: { 'seal-key-file': join(source.dataDir, 'seal.key') } });
    const restored = await lanyard(['operator', 'snapshot', 'restore', file], { env: envFor(target) });
    expect(restored).toEqual({ code: 0, stdout: `Success! Restored snapshot from: ${file}\n`, stderr: '' });

    for (const token of [early, ...acknowledgedBeforeSave]) expect(await tokenWorks(target, token)).toBe(true);
    expect((await api(target, 'GET', '/v1/sys/policies/acl/p1')).body.data.policy).toContain('secret/*');
    const client = await api(target, 'GET', '/v1/identity/oidc/client/web');
    expect(client.body.data).toMatchObject({ client_id: web.client_id, client_secret: web.client_secret });
    const jwks = async (server: TestServer) => (await api(server, 'GET', '/v1/identity/oidc/provider/p1/.well-known/keys', undefined, null)).body.keys.map((k: { kid: string }) => k.kid).sort();
    expect(await jwks(target)).toEqual(await jwks(source));

    // A full code flow on the restored server, with the restored user, client and key.
    const issuer = (await api(target, 'GET', '/v1/identity/oidc/provider/p1/.well-known/openid-configuration', undefined, null)).body.issuer as string;
    const config = await relyingParty(issuer, web);
    const request = await authorizationRequest(config);
    const { callback } = await signIn(new Browser(), request.url, { username: 'alice', password: alice.password });
    const tokens = await exchange(config, callback, request);
    expect(tokens.claims()?.sub).toBe(alice.entityId);
  });

  it('rolls the same server back: writes after the save are gone, writes before it stay', async () => {
    const later = await createToken(source);
    await api(source, 'PUT', '/v1/sys/policies/acl/after', { policy: 'path "x" { capabilities = ["read"] }' });
    // p1 changes after the save; the early token's ACL is compiled (and cached) with the new rules.
    await api(source, 'PUT', '/v1/sys/policies/acl/p1', { policy: 'path "sys/policies/acl/p1" { capabilities = ["read"] }' });
    expect((await api(source, 'GET', '/v1/sys/policies/acl/p1', undefined, early)).status).toBe(200);
    expect((await lanyard(['operator', 'snapshot', 'restore', file], { env: envFor(source) })).code).toBe(0);
    expect(await tokenWorks(source, later)).toBe(false);
    expect(await tokenWorks(source, early)).toBe(true);
    expect((await api(source, 'GET', '/v1/sys/policies/acl/after')).status).toBe(404);
    expect((await api(source, 'GET', '/v1/sys/policies/acl?list=true')).body.data.keys).not.toContain('after');
    // The ACL cached from the newer p1 is not served from memory after the restore.
    expect((await api(source, 'GET', '/v1/sys/policies/acl/p1', undefined, early)).status).toBe(403);
  });

  it('refuses a damaged snapshot or a token without sudo, and changes nothing', async () => {
    const marker = await createToken(target);
    const text = await readFile(file, 'utf8');
    const damaged = join(scratch.dir, 'damaged.snap');
    await writeFile(damaged, text.replace(/"p1"/, '"p2"'));
    const refused = await lanyard(['operator', 'snapshot', 'restore', damaged], { env: envFor(target) });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('snapshot checksum does not match its content');
    for (const body of [{}, { snapshot: 'not json' }, { snapshot: '{"format":"other"}' }, { snapshot: JSON.stringify({ ...JSON.parse(text), version: 9 }) }]) {
      expect((await api(target, 'PUT', '/v1/sys/storage/snapshot', body)).status).toBe(400);
    }
    await api(target, 'PUT', '/v1/sys/policies/acl/snapper', { policy: 'path "sys/storage/snapshot" { capabilities = ["read", "update"] }' });
    const plain = (await api(target, 'POST', '/v1/auth/token/create', { policies: ['snapper'] })).body.auth.client_token as string;
    expect((await api(target, 'GET', '/v1/sys/storage/snapshot', undefined, plain)).status).toBe(403);
    expect((await api(target, 'PUT', '/v1/sys/storage/snapshot', { snapshot: text }, plain)).status).toBe(403);
    expect(await tokenWorks(target, marker)).toBe(true);
  });
});
