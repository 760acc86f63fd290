/**
 * A property of the whole admin API: for every registered route and operation, a token whose
 * policy grants everything but denies exactly that route's canonical path is refused on the
 * canonical path and on every other spelling of it (letter case, percent-encoding, `//`, `/./`,
 * `..`, `;`, `%2f`, trailing slashes, and combinations of them). A spelling is either refused
 * before routing (400 non-canonical, 404 unsupported path) or gets the canonical path's decision
 * (403); anything else means the request reached a handler past the deny rule.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Operation, VaultPath } from '../../server/http/vault_path.js';
import { features } from '../../server/features.js';
import { metricsPaths } from '../../server/sys/routes/metrics.js';
import { policyPaths } from '../../server/sys/routes/policies.js';
import { tokenPaths } from '../../server/tokens/routes/token.js';
import { rawRequest, type RawResponse } from '../support/raw_http.js';
import { api, startTestServer, type TestServer } from '../support/server.js';
import { combinedRespellings, respellings, seededRandom } from './spellings.js';

interface Probe {
  /** The request target of the canonical spelling. */
  readonly path: string;
  readonly method: string;
  /** The ACL path and capability that the canonical request is checked against. */
  readonly aclPath: string;
  readonly capability: string;
  /** The request target for a respelled path (adds the list flag back). */
  readonly target: (path: string) => string;
  readonly body?: string;
  /** The sample name when it fills a parameter the store keeps case-sensitively. */
  readonly fixedCase?: string;
}

const SAMPLE = 'probe';
const METHOD: Record<Operation, string> = { read: 'GET', list: 'GET', create: 'POST', update: 'PUT', delete: 'DELETE' };

function vaultProbes(paths: readonly VaultPath[]): Probe[] {
  const probes: Probe[] = [];
  for (const path of paths) {
    const logical = path.pattern
      .slice(1)
      .split('/')
      .map((segment) => (segment.startsWith(':') ? SAMPLE : segment))
      .join('/');
    const params = path.pattern.split('/').filter((segment) => segment.startsWith(':')).map((segment) => segment.slice(1));
    const caseSensitive = params.some((param) => path.canonicalParams?.[param] === undefined);
    for (const operation of Object.keys(path.operations) as Operation[]) {
      if (path.unauthenticated?.includes(operation)) continue;
      const list = operation === 'list';
      probes.push({
        path: `/v1/${logical}`,
        method: METHOD[operation],
        aclPath: list ? `${logical}/` : logical,
        capability: operation,
        target: (p) => (list ? `${p}?list=true` : p),
        ...(operation === 'create' || operation === 'update' ? { body: '{}' } : {}),
        ...(caseSensitive ? { fixedCase: SAMPLE } : {}),
      });
    }
  }
  return probes;
}

/** The Infisical-shaped admin endpoints and the ACL paths they check (server/machine, server/sso). */
function infisicalProbes(): Probe[] {
  const identity = `/api/v1/auth/oidc-auth/identities/${SAMPLE}`;
  const acl = `auth/oidc-auth/identities/${SAMPLE}`;
  const probe = (method: string, path: string, aclPath: string, capability: string, body?: string): Probe => ({
    path,
    method,
    aclPath,
    capability,
    target: (p) => p,
    ...(body === undefined ? {} : { body }),
    // Identity ids are matched exactly: `PROBE` is another (unknown) identity.
    ...(path.includes(SAMPLE) ? { fixedCase: SAMPLE } : {}),
  });
  return [
    probe('POST', identity, acl, 'create', '{}'),
    probe('PATCH', identity, acl, 'update', '{}'),
    probe('GET', identity, acl, 'read'),
    probe('DELETE', identity, acl, 'delete'),
    probe('POST', `${identity}/explain`, `${acl}/explain`, 'update', '{"jwt":"x"}'),
    probe('GET', '/api/v1/sso/oidc/config?organizationId=x', 'sso/oidc/config', 'read'),
  ];
}

let server: TestServer;
let token: string;
let probes: Probe[];

beforeAll(async () => {
  server = await startTestServer();
  const services = server.runtime.services;
  const paths = [policyPaths, tokenPaths, metricsPaths, ...(features.vaultPaths ?? [])].flatMap((build) => build(services));
  probes = [...vaultProbes(paths), ...infisicalProbes()];
  const rules = [
    'path "*" { capabilities = ["create", "read", "update", "delete", "list", "sudo"] }',
    ...[...new Set(probes.map((p) => p.aclPath))].map((aclPath) => `path "${aclPath}" { capabilities = ["deny"] }`),
  ];
  expect((await api(server, 'PUT', '/v1/sys/policies/acl/everything-but', { policy: rules.join('\n') })).status).toBe(204);
  token = (await api(server, 'POST', '/v1/auth/token/create', { policies: ['everything-but'] })).body.auth.client_token as string;
});
afterAll(async () => server.destroy());

/** Why a response shows that the request got past the ACL, or undefined when it was refused. */
function leak(res: RawResponse): string | undefined {
  const errors = (res.json as { errors?: unknown } | undefined)?.errors;
  const message = (res.json as { message?: unknown } | undefined)?.message;
  const first = Array.isArray(errors) ? errors[0] : message;
  if (res.status === 403) return undefined;
  if (res.status === 400 && typeof first === 'string' && first.startsWith('non-canonical request path')) return undefined;
  if (res.status === 404 && (first === 'unsupported path' || (typeof first === 'string' && /^Route \S+ not found$/.test(first)))) return undefined;
  if (res.status === 405) return undefined;
  return `${res.status} ${res.text.slice(0, 200)}`;
}

async function send(probe: Probe, path: string): Promise<RawResponse> {
  return rawRequest(server.url, {
    method: probe.method,
    path: probe.target(path),
    token,
    ...(probe.body === undefined ? {} : { body: probe.body }),
  });
}

describe('names kept case-sensitively', () => {
  it('name another resource under another letter case (so a case change is not a respelling)', async () => {
    expect((await api(server, 'POST', `/v1/identity/oidc/key/${SAMPLE}`, {})).status).toBe(204);
    expect((await api(server, 'GET', `/v1/identity/oidc/key/${SAMPLE}`)).status).toBe(200);
    expect((await api(server, 'GET', `/v1/identity/oidc/key/${SAMPLE.toUpperCase()}`)).status).toBe(404);
    const entity = await api(server, 'POST', '/v1/identity/entity', { name: 'case-probe' });
    const id = entity.body.data.id as string;
    expect((await api(server, 'GET', `/v1/identity/entity/id/${id}`)).status).toBe(200);
    expect((await api(server, 'GET', `/v1/identity/entity/id/${id.toUpperCase()}`)).status).toBe(404);
    expect((await api(server, 'GET', '/v1/identity/entity/name/CASE-PROBE')).body.data.id).toBe(id);
  });
});

describe('every spelling of a denied path is refused', () => {
  it('covers every registered route', () => {
    // A route added without a probe would go untested: the list is built from the registry.
    expect(probes.length).toBeGreaterThan(80);
  });

  it('denies each canonical path (the deny rules are in force)', async () => {
    const wrong: string[] = [];
    for (const probe of probes) {
      const res = await send(probe, probe.path);
      if (res.status !== 403) wrong.push(`${probe.method} ${probe.path}: ${res.status} ${res.text.slice(0, 120)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('refuses every single-step and combined respelling of each canonical path', async () => {
    const random = seededRandom(20261204);
    const leaks: string[] = [];
    let sent = 0;
    for (const probe of probes) {
      const pathOnly = probe.path.split('?')[0] as string;
      const query = probe.path.includes('?') ? probe.path.slice(probe.path.indexOf('?')) : '';
      const spellings = [...respellings(pathOnly, probe.fixedCase), ...combinedRespellings(pathOnly, 8, random, probe.fixedCase)];
      for (const spelling of spellings) {
        const res = await send(probe, spelling + query);
        sent++;
        const why = leak(res);
        if (why !== undefined) leaks.push(`${probe.method} ${spelling + query} (denied: ${probe.capability} ${probe.aclPath}) → ${why}`);
      }
    }
    expect(sent).toBeGreaterThan(5000);
    expect(leaks).toEqual([]);
  }, 240_000);
});
