/**
 * `lanyard login -method=oidc headless=true`: the real CLI (in-process) runs the device grant of a
 * Lanyard provider, prints the address and code, and polls; a person enters the code on the real
 * pages; the CLI exchanges the access token for a Lanyard token and stores it. The exchange takes
 * only device-grant tokens of the `lanyard-cli` client, once.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import { runCli } from '../../../cli/run.js';
import { scratchDir } from '../../cli/harness.js';
import { api, startTestServer, type TestServer } from '../../support/server.js';
import { Browser, createClient, createKey, createProvider, createUser, formsOf, relyingParty, type ClientCredentials, type TestUser } from '../../support/relying_party.js';

const DEVICE = 'urn:ietf:params:oauth:grant-type:device_code';

/** Collects what the CLI writes and tells when the code has been printed. */
class Terminal {
  text = '';
  readonly isTTY = false;
  readonly #waiters: Array<(found: { uri: string; code: string }) => void> = [];

  write(chunk: string): boolean {
    this.text += chunk;
    const match = /open this address in a browser on any device:\n\n\s+(\S+)\n\nand enter the code:\n\n\s+(\S+)/.exec(this.text);
    if (match) for (const resolve of this.#waiters.splice(0)) resolve({ uri: match[1] as string, code: match[2] as string });
    return true;
  }

  printedCode(): Promise<{ uri: string; code: string }> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}

/** Enters the code and goes through confirmation, sign-in and consent; returns the last page's text. */
async function approve(uri: string, code: string, user: TestUser): Promise<string> {
  const browser = new Browser();
  let current = new URL(uri);
  let text = await (await browser.request(current)).text();
  let [form] = formsOf(text);
  current = new URL(form!.action, current);
  let res = await browser.request(current, { form: { ...form!.fields, user_code: code } });
  for (let step = 0; step < 20; step++) {
    if (res.status >= 300 && res.status < 400) {
      current = new URL(res.headers.get('location') as string, current);
      await res.arrayBuffer();
      res = await browser.request(current);
      continue;
    }
    text = await res.text();
    [form] = formsOf(text);
    if (text.includes('Is this your device?')) res = await browser.request((current = new URL(form!.action, current)), { form: { ...form!.fields, confirm: 'yes' } });
    else if (text.includes('name="password"')) res = await browser.request((current = new URL(form!.action, current)), { form: { ...form!.fields, username: user.username, password: user.password } });
    else if (text.includes('Allow access?')) res = await browser.request((current = new URL(form!.action, current)), { form: form!.fields });
    else return text;
  }
  throw new Error('too many steps');
}

describe('lanyard login -method=oidc headless=true', () => {
  let server: TestServer;
  let issuer: string;
  let cli: ClientCredentials;
  let alice: TestUser;
  let scratch: { dir: string; cleanup(): Promise<void> };

  beforeAll(async () => {
    server = await startTestServer();
    scratch = await scratchDir();
    await createKey(server, 'k1');
    cli = await createClient(server, 'lanyard-cli', { key: 'k1', client_type: 'public', grant_types: DEVICE, assignments: 'allow_all' });
    issuer = await createProvider(server, 'p1', { allowed_client_ids: '*' });
    alice = await createUser(server, 'alice');
  });

  afterAll(async () => {
    await server?.destroy();
    await scratch?.cleanup();
  });

  it('prints the address and code, waits for the approval and stores a working Lanyard token', async () => {
    const tokenFile = join(scratch.dir, 'token');
    const stdout = new Terminal();
    const stderr = new Terminal();
    const printed = stderr.printedCode();
    const exit = runCli(['login', '-method=oidc', 'headless=true', 'provider=p1'], {
      stdout,
      stderr,
      stdin: Readable.from([]),
      env: { LANYARD_ADDR: server.url, LANYARD_TOKEN_FILE: tokenFile },
    });
    const { uri, code } = await printed;
    expect(uri).toBe(`${issuer}/device`);
    expect(code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(await approve(uri, code, alice)).toContain('Device connected');

    expect(await exit).toBe(0);
    const token = (await readFile(tokenFile, 'utf8')).trim();
    expect(token).toMatch(/^lys\./);
    const self = await api(server, 'GET', '/v1/auth/token/lookup-self', undefined, token);
    expect(self.status).toBe(200);
    expect(self.body.data).toMatchObject({ entity_id: alice.entityId, path: 'auth/oidc/device' });
  });

  it('exchanges only a device-grant token of the CLI client, and only once', async () => {
    const login = (accessToken: string) =>
      fetch(`${issuer}/cli/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ access_token: accessToken }) });
    expect((await login('not-a-token')).status).toBe(401);

    const config = await relyingParty(issuer, cli);
    const started = await oidc.initiateDeviceAuthorization(config, { scope: 'openid' });
    await approve(started.verification_uri, started.user_code, alice);
    const tokens = await oidc.pollDeviceAuthorizationGrant(config, { ...started, interval: 0 });
    const first = await login(tokens.access_token);
    expect(first.status).toBe(200);
    expect(((await first.json()) as { auth: { client_token: string } }).auth.client_token).toMatch(/^lys\./);
    expect((await login(tokens.access_token)).status).toBe(401);
  });
});
