/**
 * No hostile body gets a 5xx, on any endpoint: every registered admin route and operation (with a
 * root token, so that the body reaches parsing, validation and the handler), the unauthenticated
 * login endpoints, the Infisical-shaped endpoints, the OIDC protocol endpoints and a live sign-in
 * interaction. Bodies are generated (hostile_bodies.ts) from a fixed seed, so a failure replays.
 * Afterwards the server still answers and the root token still works.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Operation, VaultPath } from '../../server/http/vault_path.js';
import { features } from '../../server/features.js';
import { metricsPaths } from '../../server/sys/routes/metrics.js';
import { policyPaths } from '../../server/sys/routes/policies.js';
import { tokenPaths } from '../../server/tokens/routes/token.js';
import { rawRequest } from '../support/raw_http.js';
import { Browser, authorizationRequest, createClient, createKey, createProvider, createUser, relyingParty, REDIRECT_URI } from '../support/relying_party.js';
import { api, startTestServer, type TestServer } from '../support/server.js';
import { fieldBodies, genericBodies, type HostileBody } from './hostile_bodies.js';
import { seededRandom } from './spellings.js';

interface Target {
  readonly method: string;
  readonly path: string;
  readonly fields: readonly string[];
  readonly headers?: Record<string, string>;
}

const METHOD: Record<Operation, string> = { read: 'GET', list: 'GET', create: 'POST', update: 'PUT', delete: 'DELETE' };
/** Revoking the caller's own token would take the root token away from the rest of the run. */
const SKIP = new Set(['/auth/token/revoke-self']);

let server: TestServer;
let targets: Target[];

function vaultTargets(paths: readonly VaultPath[]): Target[] {
  const out: Target[] = [];
  for (const path of paths) {
    if (SKIP.has(path.pattern)) continue;
    const concrete = path.pattern.replace(/:([a-z_]+)/gi, 'fuzz');
    for (const operation of Object.keys(path.operations) as Operation[]) {
      out.push({
        method: METHOD[operation],
        path: `/v1${concrete}${operation === 'list' ? '?list=true' : ''}`,
        fields: Object.keys(path.fields ?? {}),
      });
    }
  }
  return out;
}

async function interactionTarget(): Promise<Target[]> {
  await createKey(server, 'fuzz-key');
  const client = await createClient(server, 'fuzz-app', { key: 'fuzz-key', redirect_uris: [REDIRECT_URI], assignments: ['allow_all'] });
  const issuer = await createProvider(server, 'fuzz', { allowed_client_ids: ['*'] });
  await createUser(server, 'fuzzer');
  const browser = new Browser();
  const request = await authorizationRequest(await relyingParty(issuer, client));
  const res = await browser.request(request.url);
  const location = new URL(res.headers.get('location') ?? '', request.url);
  expect(location.pathname).toMatch(/\/interaction\//);
  const cookie = browser.cookieNames().map((name) => `${name}=${browser.cookie(name)}`).join('; ');
  const protocol = new URL(issuer).pathname;
  const form = ['username', 'password', 'csrf', 'grant_type', 'code', 'token', 'client_id', 'client_secret', 'refresh_token'];
  return [
    { method: 'POST', path: `${location.pathname}/login`, fields: form, headers: { cookie } },
    { method: 'POST', path: `${location.pathname}/consent`, fields: form, headers: { cookie } },
    { method: 'POST', path: `${location.pathname}/abort`, fields: form, headers: { cookie } },
    ...['token', 'revoke', 'introspect', 'userinfo', 'logout', 'authorize'].map((endpoint) => ({
      method: 'POST',
      path: `${protocol}/${endpoint}`,
      fields: form,
      headers: { authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret ?? ''}`).toString('base64')}` },
    })),
  ];
}

function infisicalTargets(): Target[] {
  const identity = '/api/v1/auth/oidc-auth/identities/fuzz';
  const config = ['configurationType', 'discoveryURL', 'clientId', 'clientSecret', 'isActive', 'organizationId', 'allowedEmailDomains'];
  const machine = ['oidcDiscoveryUrl', 'boundIssuer', 'boundAudiences', 'boundClaims', 'boundSubject', 'accessTokenTTL', 'accessTokenMaxTTL', 'accessTokenNumUsesLimit', 'accessTokenTrustedIps'];
  return [
    { method: 'POST', path: identity, fields: machine },
    { method: 'PATCH', path: identity, fields: machine },
    { method: 'POST', path: `${identity}/explain`, fields: ['jwt'] },
    { method: 'POST', path: '/api/v1/auth/oidc-auth/login', fields: ['identityId', 'jwt'] },
    { method: 'POST', path: '/api/v1/auth/token/renew', fields: ['accessToken'] },
    { method: 'POST', path: '/api/v1/auth/token/revoke', fields: ['accessToken'] },
    { method: 'POST', path: '/api/v1/sso/oidc/config', fields: config },
    { method: 'PATCH', path: '/api/v1/sso/oidc/config', fields: config },
    { method: 'POST', path: '/api/v1/sso/oidc/cli/start', fields: ['redirect', 'state'] },
    { method: 'POST', path: '/api/v1/sso/oidc/cli/login', fields: ['code', 'state'] },
    { method: 'POST', path: '/v1/sys/init', fields: ['secret_shares'] },
  ];
}

beforeAll(async () => {
  server = await startTestServer();
  const services = server.runtime.services;
  const paths = [policyPaths, tokenPaths, metricsPaths, ...(features.vaultPaths ?? [])].flatMap((build) => build(services));
  targets = [...vaultTargets(paths), ...infisicalTargets(), ...(await interactionTarget())];
}, 60_000);
afterAll(async () => server.destroy());

describe('hostile bodies', () => {
  it('get a 4xx (never a 5xx) on every endpoint, and the server keeps serving', async () => {
    const random = seededRandom(4_12_2026);
    // Every route gets every generic body; its own fields get the deepest nesting plus three
    // more wrong values drawn at random (all of them would be ~40,000 requests).
    const pick = (values: readonly string[]): string[] => [values[0] as string, ...[0, 1, 2].map(() => values[1 + Math.floor(random() * (values.length - 1))] as string)];
    const failures: string[] = [];
    let sent = 0;
    for (const target of targets) {
      const bodies: HostileBody[] = [...genericBodies(), ...fieldBodies(target.fields, pick)];
      for (const hostile of bodies) {
        const res = await rawRequest(server.url, {
          method: target.method,
          path: target.path,
          token: server.rootToken,
          body: hostile.body,
          contentType: hostile.contentType,
          ...(target.headers === undefined ? {} : { headers: target.headers }),
        });
        sent++;
        if (res.status >= 500 || res.status < 200) failures.push(`${target.method} ${target.path} [${hostile.label}] → ${res.status} ${res.text.slice(0, 160)}`);
      }
    }
    expect(targets.length).toBeGreaterThan(100);
    expect(sent).toBeGreaterThan(4_000);
    expect(failures).toEqual([]);
    expect((await api(server, 'GET', '/v1/sys/health')).status).toBe(200);
    expect((await api(server, 'GET', '/v1/auth/token/lookup-self')).status).toBe(200);
  }, 600_000);
});

describe('what a hostile body leaves behind', () => {
  it('refuses lone UTF-16 surrogates in values and keys, and stores nothing', async () => {
    for (const body of ['{"name": "surrogate-probe", "metadata": {"k": "v\\udfff"}}', '{"name": "surrogate-probe", "metadata": {"k\\ud800": "v"}}']) {
      const res = await rawRequest(server.url, { method: 'POST', path: '/v1/identity/entity', token: server.rootToken, body });
      expect(res.status).toBe(400);
      expect(res.json.errors).toEqual(['JSON string contains an unpaired UTF-16 surrogate']);
    }
    expect((await api(server, 'GET', '/v1/identity/entity/name/surrogate-probe')).status).toBe(404);
    // A well-formed pair is text like any other.
    const pair = await rawRequest(server.url, { method: 'POST', path: '/v1/identity/entity', token: server.rootToken, body: '{"name": "pair-probe", "metadata": {"k": "\\ud83d\\ude00"}}' });
    expect(pair.status).toBe(200);
    expect((await api(server, 'GET', '/v1/identity/entity/name/pair-probe')).body.data.metadata).toEqual({ k: '\u{1F600}' });
  });

  it('keeps a `__proto__` key a plain field: no prototype changes, refused as a field of the wrong type', async () => {
    const body = '{"name": "proto-probe", "metadata": {"__proto__": {"polluted": "yes"}}}';
    const res = await rawRequest(server.url, { method: 'POST', path: '/v1/identity/entity', token: server.rootToken, body });
    expect(res.status).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await api(server, 'GET', '/v1/identity/entity/name/proto-probe')).status).toBe(404);
  });
});
