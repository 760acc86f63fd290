/**
 * The providers' bearer artefacts at rest: after a real code flow with refresh (openid-client as
 * the relying party, the real sign-in pages), no file of the data directory — the SQLite database,
 * its -wal and -shm files, the configuration file — holds the authorization code, an access token,
 * a refresh token or the session cookie's id. Issued tokens survive a restart (the hashing key is
 * persistent), and state written in the old form (raw ids, clear payloads) is re-keyed at start.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import { STATE_KIND } from '../../../server/oidc/provider/adapter.js';
import { loadStateProtection } from '../../../server/oidc/provider/state_protection.js';
import type { Json } from '../../../storage/types.js';
import { startTestServer, type TestServer } from '../../support/server.js';
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
} from '../../support/relying_party.js';

/** Every file under `dir` that holds one of `values` (as UTF-8 bytes), with the value found. */
async function filesHolding(dir: string, values: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const bytes = await readFile(path).catch(() => undefined);
    if (bytes === undefined) continue;
    for (const value of values) if (bytes.includes(Buffer.from(value, 'utf8'))) found.push(`${entry.name}: ${value.slice(0, 12)}…`);
  }
  return found;
}

interface Flow {
  readonly code: string;
  readonly tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
  readonly browser: Browser;
}

describe('OIDC bearer artefacts at rest', () => {
  let server: TestServer;
  let restarted: TestServer | undefined;
  let client: ClientCredentials;
  let alice: TestUser;
  let rp: oidc.Configuration;

  const flow = async (config: oidc.Configuration): Promise<Flow> => {
    const browser = new Browser();
    const request = await authorizationRequest(config, { scope: 'openid offline_access', prompt: 'consent' });
    const { callback } = await signIn(browser, request.url, { username: 'alice', password: alice.password });
    const code = callback.searchParams.get('code') as string;
    expect(code).toBeTruthy();
    return { code, tokens: await exchange(config, callback, request), browser };
  };

  beforeAll(async () => {
    server = await startTestServer();
    await createKey(server, 'k1');
    client = await createClient(server, 'web', { key: 'k1', redirect_uris: REDIRECT_URI, assignments: 'allow_all' });
    alice = await createUser(server, 'alice');
    rp = await relyingParty(await createProvider(server, 'p1', { allowed_client_ids: '*' }), client);
  });

  afterAll(async () => {
    await restarted?.destroy();
    await server?.destroy();
  });

  it('leaves no code, access token, refresh token or session id in any file, WAL included; a restart keeps the refresh token', async () => {
    const { code, tokens, browser } = await flow(rp);
    const refreshed = await oidc.refreshTokenGrant(rp, tokens.refresh_token as string);
    const session = browser.cookie('lanyard_session.p1');
    expect(session).toBeTruthy();
    const secrets = [code, tokens.access_token, tokens.refresh_token as string, refreshed.access_token, refreshed.refresh_token as string, session as string];

    // While running: the WAL holds the latest writes.
    const files = await readdir(server.dataDir);
    expect(files).toEqual(expect.arrayContaining(['state.db', 'state.db-wal']));
    // The scan sees what is there: the WAL holds the refresh token's record, under its hash.
    expect(await filesHolding(server.dataDir, ['p1:RefreshToken:'])).toEqual(expect.arrayContaining([expect.stringMatching(/^state\.db-wal:/)]));
    expect(await filesHolding(server.dataDir, secrets)).toEqual([]);
    await server.stop();
    expect(await filesHolding(server.dataDir, secrets)).toEqual([]);

    restarted = await startTestServer({ dataDir: server.dataDir });
    const after = await relyingParty(await createProvider(restarted, 'p1', { allowed_client_ids: '*' }), client);
    const again = await oidc.refreshTokenGrant(after, refreshed.refresh_token as string);
    expect(again.claims()?.sub).toBe(alice.entityId);
    // The rotated-away token was consumed before the restart: a replay is still refused.
    const replay = await oidc.refreshTokenGrant(after, tokens.refresh_token as string).catch((err: unknown) => err);
    expect((replay as oidc.ResponseBodyError).error).toBe('invalid_grant');
    await restarted.stop();
  });
});

describe('provider state written before ids were hashed', () => {
  it('is re-keyed at start: old tokens and sessions keep working and the store no longer holds them', async () => {
    const first = await startTestServer();
    let second: TestServer | undefined;
    try {
      await createKey(first, 'k1');
      const client = await createClient(first, 'web', { key: 'k1', redirect_uris: REDIRECT_URI, assignments: 'allow_all' });
      const alice = await createUser(first, 'alice');
      const rp = await relyingParty(await createProvider(first, 'p1', { allowed_client_ids: '*' }), client);
      const browser = new Browser();
      const request = await authorizationRequest(rp, { scope: 'openid offline_access', prompt: 'consent' });
      const tokens = await exchange(rp, (await signIn(browser, request.url, { username: 'alice', password: alice.password })).callback, request);

      // Rewrite every provider record the way the adapter stored it before: raw ids, clear payloads.
      const { storage } = first.runtime.services;
      const protection = await loadStateProtection(first.runtime.services);
      let rewritten = 0;
      for (const entry of await storage.list<Record<string, Json>>(STATE_KIND)) {
        if (entry.id.startsWith('~')) continue;
        const [provider, model] = entry.id.split(':');
        const payload = protection.openPayload(entry.value.payload as string, entry.id) as Record<string, Json>;
        const scoped = (value: Json | undefined) => (typeof value === 'string' ? `${provider}:${value}` : undefined);
        const legacy = {
          payload,
          ...(entry.value.expiresAt !== undefined ? { expiresAt: entry.value.expiresAt } : {}),
          ...(entry.value.consumed !== undefined ? { consumed: entry.value.consumed } : {}),
          ...(entry.value.grantId !== undefined ? { grantId: scoped(payload.grantId) } : {}),
          ...(entry.value.uid !== undefined ? { uid: scoped(payload.uid) } : {}),
        };
        await storage.delete(STATE_KIND, entry.id);
        await storage.put(STATE_KIND, `${provider}:${model}:${payload.jti}`, legacy, entry.expiresAt !== undefined ? { expiresAt: entry.expiresAt } : {});
        rewritten += 1;
      }
      expect(rewritten).toBeGreaterThan(2);
      // A data dir from before has no marker saying its state was re-keyed.
      expect(await storage.delete('system', 'oidc_state_rekeyed')).toBe(true);
      expect(JSON.stringify(await storage.list(STATE_KIND))).toContain(tokens.refresh_token);
      await first.stop();

      second = await startTestServer({ dataDir: first.dataDir });
      const after = await relyingParty(await createProvider(second, 'p1', { allowed_client_ids: '*' }), client);
      const refreshed = await oidc.refreshTokenGrant(after, tokens.refresh_token as string);
      expect(refreshed.claims()?.sub).toBe(alice.entityId);
      // The browser's session was re-keyed too: a silent sign-in finds it.
      const silent = await authorizationRequest(after, { prompt: 'none' });
      expect((await signIn(browser, silent.url)).callback.searchParams.get('code')).toBeTruthy();

      expect(await second.runtime.services.storage.get('system', 'oidc_state_rekeyed')).toEqual(expect.objectContaining({ version: 1, migrated: rewritten }));
      const stored = JSON.stringify(await second.runtime.services.storage.list(STATE_KIND));
      expect(stored).not.toContain(tokens.refresh_token);
      expect(stored).not.toContain(browser.cookie('lanyard_session.p1'));
    } finally {
      await second?.destroy();
      await first.destroy();
    }
  });
});
