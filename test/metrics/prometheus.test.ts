/**
 * `GET /v1/sys/metrics?format=prometheus` read with a real exposition parser: the families exist,
 * counters move as requests, logins, tokens, grants, verifier cache lookups and store operations
 * happen, label values are route templates (never raw paths), and the endpoint is policy-checked
 * unless unauthenticated scraping is switched on.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';
import * as oidc from 'openid-client';
import { TestIssuer } from '../support/jwt_issuer.js';
import { api, startTestServer, type TestServer } from '../support/server.js';
import { Browser, REDIRECT_URI, authorizationRequest, createClient, createKey, createProvider, createUser, exchange, relyingParty, signIn } from '../support/relying_party.js';
import { baseConfig, configuredIdentity, login } from '../machine/machine_support.js';

let server: TestServer;
let idp: TestIssuer;
beforeAll(async () => {
  server = await startTestServer();
  idp = await TestIssuer.start({ keys: [{ alg: 'RS256', kid: 'k1' }] });
});
afterAll(async () => {
  await server.destroy();
  await idp.close();
});

type Scrape = ParsedFamily[] & { text: string };

async function scrape(token: string | null = server.rootToken): Promise<Scrape> {
  const res = await fetch(`${server.url}/v1/sys/metrics?format=prometheus`, { headers: token === null ? {} : { 'X-Vault-Token': token } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  return Object.assign(parsePrometheusTextFormat(text), { text });
}

/** The summed value of a counter's samples whose labels include `labels`. */
function sample(families: readonly ParsedFamily[], name: string, labels: Record<string, string> = {}): number {
  const family = families.find((f) => f.name === name);
  if (!family) return 0;
  return family.metrics
    .filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
    .reduce((sum, m) => sum + Number(m.value ?? 0), 0);
}

/**
 * A histogram's observation count over the series whose labels include `labels`. The parser
 * merges the series of a labelled histogram into one, so the `_count` lines are read directly.
 */
function observations(scraped: Scrape, name: string, labels: Record<string, string>): number {
  let total = 0;
  for (const line of scraped.text.split('\n')) {
    const match = new RegExp(`^${name}_count\\{(.*)\\} (\\S+)$`).exec(line);
    if (!match) continue;
    const found = Object.fromEntries([...(match[1] as string).matchAll(/(\w+)="((?:[^"\\\\]|\\\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) total += Number(match[2]);
  }
  return total;
}

describe('prometheus exposition', () => {
  it('exposes the documented families with their types, process and event-loop metrics included', async () => {
    const families = await scrape();
    const types = Object.fromEntries(families.map((f) => [f.name, f.type]));
    expect(types).toMatchObject({
      lanyard_http_requests_total: 'COUNTER',
      lanyard_http_request_duration_seconds: 'HISTOGRAM',
      lanyard_logins_total: 'COUNTER',
      lanyard_tokens_issued_total: 'COUNTER',
      lanyard_tokens_renewed_total: 'COUNTER',
      lanyard_tokens_revoked_total: 'COUNTER',
      lanyard_oidc_grants_total: 'COUNTER',
      lanyard_verifier_cache_total: 'COUNTER',
      lanyard_storage_operation_duration_seconds: 'HISTOGRAM',
      process_cpu_seconds_total: 'COUNTER',
      process_resident_memory_bytes: 'GAUGE',
      nodejs_eventloop_lag_p99_seconds: 'GAUGE',
    });
    // The JSON form stays as it was.
    const json = await api(server, 'GET', '/v1/sys/metrics');
    expect(json.body.data).toMatchObject({ event_loop_delay_ms: expect.any(Object), rss_bytes: expect.any(Number) });
    expect((await api(server, 'GET', '/v1/sys/metrics?format=xml')).status).toBe(400);
  });

  it('counts requests by route template and status, never by raw path', async () => {
    const before = await scrape();
    const route = '/v1/identity/oidc/key/:name';
    for (const name of ['a1', 'a2', 'a3']) expect((await api(server, 'GET', `/v1/identity/oidc/key/${name}`)).status).toBe(404);
    expect((await api(server, 'GET', '/v1/no/such/thing-12345')).status).toBe(404);
    const after = await scrape();
    expect(sample(after, 'lanyard_http_requests_total', { route, status: '404', method: 'GET' }) - sample(before, 'lanyard_http_requests_total', { route, status: '404', method: 'GET' })).toBe(3);
    expect(observations(after, 'lanyard_http_request_duration_seconds', { route, status: '404' }) - observations(before, 'lanyard_http_request_duration_seconds', { route, status: '404' })).toBe(3);
    const routes = new Set(after.find((f) => f.name === 'lanyard_http_requests_total')?.metrics.map((m) => m.labels?.route));
    for (const r of routes) expect(r).not.toMatch(/a1|a2|a3|thing-12345/);
    expect(routes.has('unmatched')).toBe(true);
  });

  it('counts logins by method and outcome with the reason code, and tokens issued, renewed and revoked', async () => {
    const before = await scrape();
    await api(server, 'PUT', '/v1/auth/userpass/users/carol', { password: 'carol-password-1' });
    expect((await api(server, 'PUT', '/v1/auth/userpass/login/carol', { password: 'carol-password-1' }, null)).status).toBe(200);
    expect((await api(server, 'PUT', '/v1/auth/userpass/login/carol', { password: 'nope-nope-nope' }, null)).status).toBe(400);
    const id = await configuredIdentity(server, baseConfig(idp));
    const ok = await login(server, id, await idp.token());
    expect(ok.status).toBe(200);
    expect((await login(server, id, await idp.token({ aud: 'someone-else' }))).status).toBe(401);
    const token = ok.body.accessToken as string;
    expect((await api(server, 'POST', '/v1/auth/token/renew-self', {}, token)).status).toBe(200);
    expect((await api(server, 'POST', '/v1/auth/token/revoke-self', {}, token)).status).toBe(204);
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) => sample(after, name, labels) - sample(before, name, labels);
    expect(delta('lanyard_logins_total', { method: 'userpass', outcome: 'success' })).toBe(1);
    expect(delta('lanyard_logins_total', { method: 'userpass', outcome: 'failure' })).toBe(1);
    expect(delta('lanyard_logins_total', { method: 'oidc-auth', outcome: 'success' })).toBe(1);
    expect(delta('lanyard_logins_total', { method: 'oidc-auth', outcome: 'failure', reason: 'audience_not_allowed' })).toBe(1);
    expect(delta('lanyard_tokens_issued_total')).toBe(2);
    expect(delta('lanyard_tokens_renewed_total')).toBe(1);
    expect(delta('lanyard_tokens_revoked_total')).toBe(1);
    // The machine login fetched discovery and JWKS once, then hit the cache.
    const issuer = idp.baseUrl;
    expect(delta('lanyard_verifier_cache_total', { issuer, cache: 'jwks', result: 'miss' })).toBe(1);
    expect(delta('lanyard_verifier_cache_total', { issuer, cache: 'jwks', result: 'hit' })).toBe(1);
    expect(delta('lanyard_verifier_cache_total', { issuer, cache: 'discovery', result: 'miss' })).toBe(1);
    const tokenWrites = (s: Scrape) => observations(s, 'lanyard_storage_operation_duration_seconds', { operation: 'create', kind: 'token' });
    expect(tokenWrites(after) - tokenWrites(before)).toBeGreaterThanOrEqual(2);
    const entityLabels = after.flatMap((f) => f.metrics.flatMap((m) => Object.values(m.labels ?? {})));
    expect(entityLabels).not.toContain(id);
  });

  it('counts OIDC grants by provider, client and type', async () => {
    await createKey(server, 'k1', { algorithm: 'ES256' });
    const web = await createClient(server, 'web', { key: 'k1', redirect_uris: REDIRECT_URI, assignments: 'allow_all' });
    const issuer = await createProvider(server, 'p1', { allowed_client_ids: '*' });
    const alice = await createUser(server, 'alice');
    const config = await relyingParty(issuer, web);
    const before = await scrape();
    const request = await authorizationRequest(config, { scope: 'openid offline_access', prompt: 'consent' });
    const { callback } = await signIn(new Browser(), request.url, { username: 'alice', password: alice.password });
    const tokens = await exchange(config, callback, request);
    await oidc.refreshTokenGrant(config, tokens.refresh_token as string);
    await oidc.refreshTokenGrant(config, 'not-a-refresh-token').catch(() => undefined);
    const after = await scrape();
    const delta = (labels: Record<string, string>) => sample(after, 'lanyard_oidc_grants_total', labels) - sample(before, 'lanyard_oidc_grants_total', labels);
    expect(delta({ provider: 'p1', client_id: web.client_id, grant_type: 'authorization_code', outcome: 'success' })).toBe(1);
    expect(delta({ provider: 'p1', client_id: web.client_id, grant_type: 'refresh_token', outcome: 'success' })).toBe(1);
    expect(delta({ provider: 'p1', client_id: web.client_id, grant_type: 'refresh_token', outcome: 'failure' })).toBe(1);
    expect(delta({ method: 'oidc-provider-page', outcome: 'success' })).toBe(0);
    const pageLogins = sample(after, 'lanyard_logins_total', { method: 'oidc-provider-page', outcome: 'success' }) - sample(before, 'lanyard_logins_total', { method: 'oidc-provider-page', outcome: 'success' });
    expect(pageLogins).toBe(1);
    const routes = new Set(after.find((f) => f.name === 'lanyard_http_requests_total')?.metrics.map((m) => m.labels?.route));
    for (const route of ['/v1/identity/oidc/provider/:name/token', '/v1/identity/oidc/provider/:name/interaction/:uid/login', '/v1/identity/oidc/provider/:name/.well-known/openid-configuration']) {
      expect(routes.has(route)).toBe(true);
    }
    for (const route of routes) expect(route).not.toContain('/p1/');
  });

  it('is policy-checked: a token without read on sys/metrics is refused', async () => {
    const token = (await api(server, 'POST', '/v1/auth/token/create', { policies: ['default'] })).body.auth.client_token as string;
    const refused = await fetch(`${server.url}/v1/sys/metrics?format=prometheus`, { headers: { 'X-Vault-Token': token } });
    expect(refused.status).toBe(403);
    expect((await fetch(`${server.url}/v1/sys/metrics?format=prometheus`)).status).toBe(403);
  });
});

describe('unauthenticated scraping', () => {
  it('serves the metrics without a token when the setting is on', async () => {
    const open = await startTestServer({ settings: { 'metrics-unauthenticated': true } });
    try {
      const res = await fetch(`${open.url}/v1/sys/metrics?format=prometheus`);
      expect(res.status).toBe(200);
      expect(parsePrometheusTextFormat(await res.text()).some((f) => f.name === 'lanyard_http_requests_total')).toBe(true);
    } finally {
      await open.destroy();
    }
  });
});
