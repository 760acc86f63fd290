/**
 * Test helpers for driving a Lanyard OIDC provider the way a browser and a relying party would,
 * over a real listening server:
 *
 * - Browser: fetch with a cookie jar and manual redirects, which reads the real sign-in and
 *   consent pages and posts their forms (username, password, the hidden csrf field).
 * - signIn: follows an authorization request through every page to the relying party's
 *   redirect URI and returns that URL (code and state, or an error).
 * - oidcSetup helpers: keys, assignments, clients, providers, users through the admin API.
 * - relyingParty: an openid-client 6 Configuration for a client, discovered from the provider.
 */
import * as oidc from 'openid-client';
import { api, type TestServer } from './server.js';

interface StoredCookie {
  readonly name: string;
  readonly value: string;
  readonly path: string;
}

/** A minimal cookie jar for one host: names, values and paths (enough for the provider's cookies). */
export class Browser {
  readonly #cookies = new Map<string, StoredCookie>();
  /** Extra headers sent with every request (e.g. a Lanyard token). */
  headers: Record<string, string> = {};

  async request(url: string | URL, init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<Response> {
    const target = new URL(url);
    const headers: Record<string, string> = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8', ...this.headers, ...init.headers };
    const cookie = this.#cookieHeader(target.pathname);
    if (cookie !== '') headers.cookie = cookie;
    let body: string | undefined;
    if (init.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(target, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, ...(body !== undefined ? { body } : {}), redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) this.#store(line);
    return res;
  }

  /** The value of a cookie the jar holds, whatever its path. */
  cookie(name: string): string | undefined {
    for (const cookie of this.#cookies.values()) if (cookie.name === name) return cookie.value;
    return undefined;
  }

  cookieNames(): string[] {
    return [...this.#cookies.values()].map((c) => c.name);
  }

  #cookieHeader(path: string): string {
    return [...this.#cookies.values()]
      .filter((c) => path === c.path || path.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`) || c.path === '/')
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  #store(line: string): void {
    const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    let path = '/';
    let expired = false;
    for (const attribute of attributes) {
      const [key = '', val = ''] = attribute.split('=');
      if (key.toLowerCase() === 'path') path = val;
      if (key.toLowerCase() === 'expires' && Date.parse(val) < Date.now()) expired = true;
      if (key.toLowerCase() === 'max-age' && Number(val) <= 0) expired = true;
    }
    const id = `${name};${path}`;
    if (expired || value === '') this.#cookies.delete(id);
    else this.#cookies.set(id, { name, value, path });
  }
}

/** A form of a page: where it posts and its hidden fields. */
export interface PageForm {
  readonly action: string;
  readonly fields: Record<string, string>;
}

/** The forms of an HTML page, in order (a tiny reader for the server's own markup). */
export function formsOf(html: string): PageForm[] {
  const forms: PageForm[] = [];
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const action = /action="([^"]*)"/.exec(match[1] ?? '')?.[1] ?? '';
    const fields: Record<string, string> = {};
    for (const input of (match[2] ?? '').matchAll(/<input\b[^>]*type="hidden"[^>]*>/g)) {
      const name = /name="([^"]*)"/.exec(input[0])?.[1];
      const value = /value="([^"]*)"/.exec(input[0])?.[1];
      if (name !== undefined) fields[name] = decodeEntities(value ?? '');
    }
    forms.push({ action: decodeEntities(action), fields });
  }
  return forms;
}

function decodeEntities(text: string): string {
  return text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

export interface SignInOptions {
  readonly username?: string;
  readonly password?: string;
  /** Answer a consent page with Allow (default) or Deny. */
  readonly consent?: 'allow' | 'deny';
}

export interface SignInResult {
  /** Where the flow left the server: the relying party's redirect URI with its parameters. */
  readonly callback: URL;
  /** The pages the browser was shown, by kind. */
  readonly pages: Array<'login' | 'consent'>;
}

/**
 * Follows an authorization URL through redirects and pages until the server redirects away from
 * itself (to the relying party). Throws when a page it cannot handle is shown.
 */
export async function signIn(browser: Browser, authorizationUrl: URL, options: SignInOptions = {}): Promise<SignInResult> {
  const origin = authorizationUrl.origin;
  const pages: Array<'login' | 'consent'> = [];
  let res = await browser.request(authorizationUrl);
  let current = authorizationUrl;
  for (let step = 0; step < 20; step++) {
    if (res.status >= 300 && res.status < 400) {
      const next = new URL(res.headers.get('location') as string, current);
      await res.arrayBuffer();
      if (next.origin !== origin) return { callback: next, pages };
      current = next;
      res = await browser.request(next);
      continue;
    }
    const text = await res.text();
    if (res.status === 200 && text.includes('name="password"')) {
      if (options.username === undefined) throw new Error('the flow asked for a sign-in but no credentials were given');
      pages.push('login');
      const [login] = formsOf(text);
      if (!login) throw new Error('sign-in page without a form');
      current = new URL(login.action, current);
      res = await browser.request(current, { form: { ...login.fields, username: options.username, password: options.password ?? '' } });
      continue;
    }
    if (res.status === 200 && text.includes('Allow access?')) {
      pages.push('consent');
      const [consent] = formsOf(text);
      if (!consent) throw new Error('consent page without a form');
      const deny = /formaction="([^"]*)"/.exec(text)?.[1];
      const action = options.consent === 'deny' && deny !== undefined ? decodeEntities(deny) : consent.action;
      current = new URL(action, current);
      res = await browser.request(current, { form: consent.fields });
      continue;
    }
    throw new Error(`unexpected page (${res.status}) at ${current.href}: ${text.slice(0, 400)}`);
  }
  throw new Error('too many steps');
}

// ---- Admin setup through the API ----

type Api = Pick<TestServer, 'url' | 'rootToken'>;

async function write(server: Api, path: string, body: unknown): Promise<void> {
  const res = await api(server, 'POST', path, body);
  if (res.status >= 300) throw new Error(`POST ${path} failed: ${res.status} ${JSON.stringify(res.body)}`);
}

export async function createKey(server: Api, name: string, params: Record<string, unknown> = {}): Promise<void> {
  await write(server, `/v1/identity/oidc/key/${name}`, { allowed_client_ids: '*', ...params });
}

export async function rotateKey(server: Api, name: string, params: Record<string, unknown> = {}): Promise<void> {
  await write(server, `/v1/identity/oidc/key/${name}/rotate`, params);
}

export interface ClientCredentials {
  readonly name: string;
  readonly client_id: string;
  readonly client_secret?: string;
}

export async function createClient(server: Api, name: string, params: Record<string, unknown>): Promise<ClientCredentials> {
  await write(server, `/v1/identity/oidc/client/${name}`, params);
  const read = await api(server, 'GET', `/v1/identity/oidc/client/${name}`);
  return { name, client_id: read.body.data.client_id, ...(read.body.data.client_secret ? { client_secret: read.body.data.client_secret } : {}) };
}

/**
 * A provider whose issuer is the test server's real address (the configured api address of a
 * server listening on port 0 does not name its port). Resolves to the effective issuer.
 */
export async function createProvider(server: Api, name: string, params: Record<string, unknown>): Promise<string> {
  await write(server, `/v1/identity/oidc/provider/${name}`, { issuer: server.url, ...params });
  return (await api(server, 'GET', `/v1/identity/oidc/provider/${name}`)).body.data.issuer;
}

export async function createAssignment(server: Api, name: string, params: Record<string, unknown>): Promise<void> {
  await write(server, `/v1/identity/oidc/assignment/${name}`, params);
}

export async function createScope(server: Api, name: string, template: string, description = ''): Promise<void> {
  await write(server, `/v1/identity/oidc/scope/${name}`, { template, description });
}

export interface TestUser {
  readonly username: string;
  readonly password: string;
  /** The entity the user's first login created. */
  readonly entityId: string;
  /** A Lanyard token of the user (from the userpass login API). */
  readonly token: string;
}

/** A userpass user, logged in once through the API so its entity exists. */
export async function createUser(server: Api, username: string, password = `${username}-password-123`): Promise<TestUser> {
  await write(server, `/v1/auth/userpass/users/${username}`, { password });
  const login = await api(server, 'POST', `/v1/auth/userpass/login/${username}`, { password }, null);
  if (login.status !== 200) throw new Error(`login of ${username} failed: ${login.status} ${JSON.stringify(login.body)}`);
  return { username, password, entityId: login.body.auth.entity_id, token: login.body.auth.client_token };
}

// ---- The relying party ----

export const REDIRECT_URI = 'https://rp.example.com/callback';

/** An openid-client configuration for a client of the provider at `issuer` (plain http allowed). */
export async function relyingParty(issuer: string, client: ClientCredentials, auth: 'basic' | 'post' | 'none' = client.client_secret ? 'basic' : 'none'): Promise<oidc.Configuration> {
  const clientAuth =
    auth === 'basic' ? oidc.ClientSecretBasic(client.client_secret) : auth === 'post' ? oidc.ClientSecretPost(client.client_secret) : oidc.None();
  return oidc.discovery(new URL(issuer), client.client_id, undefined, clientAuth, { execute: [oidc.allowInsecureRequests] });
}

export interface AuthorizationRequest {
  readonly url: URL;
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
}

/** An authorization request with state, nonce and PKCE S256, plus any extra parameters. */
export async function authorizationRequest(config: oidc.Configuration, extra: Record<string, string> = {}): Promise<AuthorizationRequest> {
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const verifier = oidc.randomPKCECodeVerifier();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid',
    state,
    nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...extra,
  });
  return { url, state, nonce, verifier };
}

/** Exchanges the code of a callback URL, checking state, nonce and PKCE as a relying party does. */
export function exchange(config: oidc.Configuration, callback: URL, request: AuthorizationRequest) {
  return oidc.authorizationCodeGrant(config, callback, {
    expectedState: request.state,
    expectedNonce: request.nonce,
    pkceCodeVerifier: request.verifier,
    idTokenExpected: true,
  });
}
