/**
 * `lanyard login -method=oidc` end to end: the real CLI (in-process, real loopback listener),
 * a real Lanyard and a real upstream IdP; the browser part is fetch with a cookie jar, following
 * the URL the CLI prints. The token ends up in the token file and works.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { runCli } from '../../cli/run.js';
import { lanyard, scratchDir } from '../cli/harness.js';
import { Browser } from '../support/relying_party.js';
import { api, type TestServer } from '../support/server.js';
import { UpstreamIdp } from '../support/upstream_idp.js';
import { CALLBACK_PATH, configureSso, organizationId, ssoBody, startSsoServer, walk } from './sso_support.js';

let server: TestServer;
let idp: UpstreamIdp;
let scratch: { dir: string; cleanup(): Promise<void> };

beforeAll(async () => {
  server = await startSsoServer();
  idp = await UpstreamIdp.start({
    redirectUri: `${server.url}${CALLBACK_PATH}`,
    accounts: [
      { sub: 'carol-1', email: 'carol@example.com', email_verified: true },
      { sub: 'eve-1', email: 'eve@elsewhere.test', email_verified: true },
    ],
  });
  await configureSso(server, ssoBody(idp, await organizationId(server), { allowedEmailDomains: 'example.com' }));
  scratch = await scratchDir();
});
afterAll(async () => {
  await server.destroy();
  await idp.close();
  await scratch.cleanup();
});

/** A stream that collects what the CLI writes and tells when the sign-in URL has been printed. */
class Terminal {
  text = '';
  readonly isTTY = false;
  readonly #waiters: Array<(url: URL) => void> = [];

  write(chunk: string): boolean {
    this.text += chunk;
    const match = /Launching browser to:\n\n\s+(\S+)/.exec(this.text);
    if (match) for (const resolve of this.#waiters.splice(0)) resolve(new URL(match[1] as string));
    return true;
  }

  signInUrl(): Promise<URL> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}

function startLogin(tokenFile: string, extra: string[] = []) {
  const stdout = new Terminal();
  const stderr = new Terminal();
  const url = stderr.signInUrl();
  const exit = runCli(['login', '-method=oidc', 'skip_browser=true', ...extra], {
    stdout,
    stderr,
    stdin: Readable.from([]),
    env: { LANYARD_ADDR: server.url, LANYARD_TOKEN_FILE: tokenFile },
  });
  return { stdout, stderr, url, exit };
}

/** Through the IdP as `sub`, then to the CLI's listener; resolves to the page the listener shows. */
async function browse(authUrl: URL, sub: string): Promise<{ status: number; html: string; loopback: URL }> {
  idp.autoLogin = sub;
  const browser = new Browser();
  const end = await walk(browser, authUrl, [server.url, idp.issuer]);
  if (end.kind !== 'redirect') throw new Error(`stopped at a page: ${end.status}`);
  const page = await browser.request(end.url);
  return { status: page.status, html: await page.text(), loopback: end.url };
}

describe('lanyard login -method=oidc', () => {
  it('signs in through the browser and stores a working token', async () => {
    const tokenFile = join(scratch.dir, 'token-ok');
    const login = startLogin(tokenFile);
    const authUrl = await login.url;
    expect(authUrl.origin).toBe(idp.issuer);
    expect(login.stderr.text).toContain('Complete the login via your OIDC provider.');

    const page = await browse(authUrl, 'carol-1');
    expect(page.loopback.hostname).toBe('127.0.0.1');
    expect(page.loopback.pathname).toBe('/oidc/callback');
    expect(page.status).toBe(200);
    expect(page.html).toContain('You are signed in to Lanyard');

    expect(await login.exit).toBe(0);
    const token = (await readFile(tokenFile, 'utf8')).trim();
    expect(token).toMatch(/^lys\./);
    expect(login.stdout.text).toContain('You are now authenticated');
    const self = await api(server, 'GET', '/v1/auth/token/lookup-self', undefined, token);
    expect(self.status).toBe(200);
    expect(self.body.data).toMatchObject({ path: 'auth/oidc/login', meta: { email: 'carol@example.com' } });
  });

  it('ignores a callback that does not carry its sign-in’s state', async () => {
    const tokenFile = join(scratch.dir, 'token-stray');
    const login = startLogin(tokenFile, ['-format=json']);
    const authUrl = await login.url;
    idp.autoLogin = 'carol-1';
    const browser = new Browser();
    const end = await walk(browser, authUrl, [server.url, idp.issuer]);
    if (end.kind !== 'redirect') throw new Error('no redirect');

    const stray = new URL(end.url);
    stray.searchParams.set('state', 'someone-elses-state');
    const strayPage = await browser.request(stray);
    expect(strayPage.status).toBe(400);
    expect(await strayPage.text()).toContain('does not belong to the sign-in the terminal is waiting for');

    expect((await browser.request(end.url)).status).toBe(200);
    expect(await login.exit).toBe(0);
    expect(JSON.parse(login.stdout.text)).toMatchObject({ mount_type: 'oidc', auth: { client_token: expect.stringMatching(/^lys\./) } });
  });

  it('shows a refused sign-in in the browser and the terminal, and stores nothing', async () => {
    const tokenFile = join(scratch.dir, 'token-refused');
    const login = startLogin(tokenFile);
    const page = await browse(await login.url, 'eve-1');
    expect(page.status).toBe(400);
    expect(page.html).toContain('Accounts with your email address are not allowed to sign in here.');
    expect(await login.exit).toBe(2);
    expect(login.stderr.text).toContain('Error logging in with OIDC: code 403');
    expect(login.stderr.text).toContain('Accounts with your email address are not allowed to sign in here.');
    await expect(readFile(tokenFile, 'utf8')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('ends when the person declines at the IdP', async () => {
    const login = startLogin(join(scratch.dir, 'token-denied'));
    const page = await browse(await login.url, 'deny');
    expect(page.status).toBe(403);
    expect(page.html).toContain('did not let you in');
    expect(await login.exit).toBe(2);
    expect(login.stderr.text).toContain('Error logging in with OIDC: The sign-in service did not let you in, or you declined.');
  });

  it('explains a server without SSO, and a wrong argument', async () => {
    const bare = await startSsoServer();
    try {
      const run = await lanyard(['login', '-method=oidc', 'skip_browser=true'], { env: { LANYARD_ADDR: bare.url, LANYARD_TOKEN_FILE: join(scratch.dir, 'none') } });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('Error starting the OIDC login: code 404');
      expect(run.stderr).toContain('This Lanyard has no single sign-on configured.');
    } finally {
      await bare.destroy();
    }
    const wrong = await lanyard(['login', '-method=oidc', 'role=admin'], { env: { LANYARD_ADDR: server.url } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('unknown argument "role"');
  });
});
