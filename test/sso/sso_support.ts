/**
 * Helpers for the SSO suites: a Lanyard server whose api-addr is its real address (the callback
 * URL registered at the upstream IdP is built from it), the SSO configuration body for an
 * upstream IdP, and a browser walk through the upstream sign-in and Lanyard's callback.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type RawSettings } from '../../server/config.js';
import { listen } from '../../server/listen.js';
import { silentLogger, type Logger } from '../../server/log.js';
import { startRuntime } from '../../server/runtime.js';
import type { Browser } from '../support/relying_party.js';
import { api, ROOT_TOKEN, type TestServer } from '../support/server.js';
import type { UpstreamIdp } from '../support/upstream_idp.js';

export const CALLBACK_PATH = '/api/v1/sso/oidc/callback';
/** A loopback redirect nobody listens on: API-level tests stop at the redirect to it. */
export const CLI_REDIRECT = 'http://127.0.0.1:9/oidc/callback';

/**
 * A dev-mode Lanyard on 127.0.0.1 whose api-addr names its port. The port is picked by binding
 * port 0 first; should another process take it in between, a new one is picked.
 */
export async function startSsoServer(options: { settings?: RawSettings; log?: Logger; now?: () => number } = {}): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'lanyard-sso-test-'));
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const config = loadConfig({ listen: `127.0.0.1:${port}`, 'api-addr': url, 'data-dir': dataDir, dev: true, 'dev-root-token': ROOT_TOKEN, ...options.settings }, {});
    const runtime = await startRuntime(config, options.log ?? silentLogger, options.now === undefined ? {} : { now: options.now });
    try {
      const listening = await listen(runtime, '127.0.0.1', port);
      let stopped: Promise<void> | undefined;
      const stop = () => (stopped ??= listening.shutdown('test'));
      return {
        url,
        rootToken: ROOT_TOKEN,
        runtime,
        dataDir,
        stop,
        async destroy() {
          await stop();
          await rm(dataDir, { recursive: true, force: true });
        },
      };
    } catch (error) {
      await runtime.close();
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt === 5) throw error;
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export async function organizationId(server: Pick<TestServer, 'url' | 'rootToken'>): Promise<string> {
  return (await api(server, 'GET', '/v1/sys/init', undefined, null)).body.organization_id;
}

/** A complete create body for `idp`: a `custom` configuration unless `configurationType` says otherwise. */
export function ssoBody(idp: UpstreamIdp, orgId: string, changes: Record<string, unknown> = {}): Record<string, unknown> {
  const discovery = changes.configurationType === 'discoveryURL';
  return {
    configurationType: 'custom',
    ...(discovery
      ? { discoveryURL: idp.issuer }
      : {
          issuer: idp.issuer,
          authorizationEndpoint: idp.endpoints.authorization,
          tokenEndpoint: idp.endpoints.token,
          userinfoEndpoint: idp.endpoints.userinfo,
          jwksUri: idp.endpoints.jwks,
        }),
    clientId: idp.clientId,
    clientSecret: idp.clientSecret,
    isActive: true,
    organizationId: orgId,
    jwtSignatureAlgorithm: idp.alg,
    ...changes,
  };
}

/** Create or replace the organisation's SSO configuration (POST, or PATCH when one exists). */
export async function configureSso(server: Pick<TestServer, 'url' | 'rootToken'>, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  let res = await api(server, 'POST', '/api/v1/sso/oidc/config', body);
  if (res.status === 400) res = await api(server, 'PATCH', '/api/v1/sso/oidc/config', body);
  if (res.status !== 200) throw new Error(`SSO configuration failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Where a browser walk ended: a redirect off both servers, or a page one of them showed. */
export type WalkEnd = { readonly kind: 'redirect'; readonly url: URL } | { readonly kind: 'page'; readonly url: URL; readonly status: number; readonly html: string };

/**
 * Follows redirects from `start` through the upstream IdP and Lanyard (same host, two ports, one
 * cookie jar) until the browser is sent elsewhere or a page is shown. The upstream's sign-in form
 * is submitted with `account` when one is given.
 */
export async function walk(browser: Browser, start: URL, servers: readonly string[], account?: string): Promise<WalkEnd> {
  let current = start;
  let res = await browser.request(current);
  for (let step = 0; step < 20; step++) {
    if (res.status >= 300 && res.status < 400) {
      const next = new URL(res.headers.get('location') as string, current);
      await res.arrayBuffer();
      if (!servers.includes(next.origin)) return { kind: 'redirect', url: next };
      current = next;
      res = await browser.request(current);
      continue;
    }
    const html = await res.text();
    const form = /<form method="post" action="([^"]*\/login)">/.exec(html);
    if (account !== undefined && form !== null && html.includes('name="account"')) {
      current = new URL(form[1] as string, current);
      res = await browser.request(current, { form: { account } });
      continue;
    }
    return { kind: 'page', url: current, status: res.status, html };
  }
  throw new Error('too many steps');
}

export function clientNonce(): string {
  return randomBytes(32).toString('base64url');
}

/** `POST /api/v1/sso/oidc/cli/start`: the upstream authorization URL. */
export async function cliStart(server: Pick<TestServer, 'url' | 'rootToken'>, nonce: string, redirectUri = CLI_REDIRECT): Promise<URL> {
  const res = await api(server, 'POST', '/api/v1/sso/oidc/cli/start', { redirectUri, clientNonce: nonce }, null);
  if (res.status !== 200) throw new Error(`cli/start failed: ${res.status} ${JSON.stringify(res.body)}`);
  return new URL(res.body.authUrl);
}

/** `POST /api/v1/sso/oidc/cli/login` with what the loopback redirect carried. */
export function cliLogin(server: Pick<TestServer, 'url' | 'rootToken'>, redirect: URL, nonce: string) {
  const params = redirect.searchParams;
  return api(
    server,
    'POST',
    '/api/v1/sso/oidc/cli/login',
    { state: params.get('state'), code: params.get('code'), clientNonce: nonce, ...(params.has('iss') ? { iss: params.get('iss') } : {}) },
    null,
  );
}
