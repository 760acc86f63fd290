/**
 * Helpers for the machine-login suites: a real server, a real issuer (test/support/jwt_issuer.ts),
 * identities created through the identity API, and calls in Infisical's shapes.
 */
import { expect } from '@jest/globals';
import type { AppFeatures } from '../../server/app.js';
import { identityPaths } from '../../server/identity/routes/index.js';
import { machineLoginRoutes } from '../../server/machine/routes/index.js';
import type { TestIssuer } from '../support/jwt_issuer.js';
import { api, startTestServer, type TestServer, type TestServerOptions } from '../support/server.js';

/** What these suites need besides the core (tokens, policies, sys): identities and machine login. */
export const MACHINE_FEATURES: AppFeatures = { vaultPaths: [identityPaths], routers: [machineLoginRoutes] };

/** A real server (temp data dir, dev mode) serving the core, identities and machine login. */
export function startMachineServer(options: TestServerOptions = {}): Promise<TestServer> {
  return startTestServer({ features: MACHINE_FEATURES, ...options });
}

export interface HttpResult {
  readonly status: number;
  readonly body: any;
}

/** A new entity (machine identity); its id is the identity id. */
export async function createIdentity(server: TestServer, policies: string[] = []): Promise<string> {
  const res = await api(server, 'POST', '/v1/identity/entity', { policies });
  expect(res.status).toBe(200);
  return res.body.data.id as string;
}

/** Base configuration C0 of reference §5 pointed at `issuer` (audience "lanyard" instead of "infisical"). */
export function baseConfig(issuer: TestIssuer, changes: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    oidcDiscoveryUrl: issuer.baseUrl,
    ...(issuer.caCert === undefined ? {} : { caCert: issuer.caCert }),
    boundIssuer: issuer.issuer,
    boundAudiences: 'lanyard',
    boundSubject: 'repo:acme/app:ref:refs/heads/main',
    boundClaims: {},
    accessTokenTTL: 60,
    accessTokenMaxTTL: 120,
    ...changes,
  };
}

export const configPath = (identityId: string): string => `/api/v1/auth/oidc-auth/identities/${identityId}`;

export async function attach(server: TestServer, identityId: string, body: Record<string, unknown>): Promise<HttpResult> {
  return api(server, 'POST', configPath(identityId), body);
}

/** A fresh identity with configuration `body` attached (expects 200). */
export async function configuredIdentity(server: TestServer, body: Record<string, unknown>, policies: string[] = []): Promise<string> {
  const id = await createIdentity(server, policies);
  const res = await attach(server, id, body);
  expect(res.status).toBe(200);
  return id;
}

/** POST to an Infisical endpoint without an admin token; `headers` e.g. X-Forwarded-For. */
export async function post(server: TestServer, path: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

export function login(server: TestServer, identityId: string, jwt: string, headers: Record<string, string> = {}): Promise<HttpResult> {
  return post(server, '/api/v1/auth/oidc-auth/login', { identityId, jwt }, headers);
}

/** Login that must succeed; resolves to the access token. */
export async function loginToken(server: TestServer, identityId: string, jwt: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await login(server, identityId, jwt, headers);
  expect(res).toMatchObject({ status: 200 });
  return res.body.accessToken as string;
}

/** `GET /v1/auth/token/lookup-self` with `token`, optionally from another client address. */
export async function lookupSelf(server: TestServer, token: string, headers: Record<string, string> = {}): Promise<HttpResult> {
  const res = await fetch(`${server.url}/v1/auth/token/lookup-self`, { headers: { 'X-Vault-Token': token, ...headers } });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

/** Infisical's error body, checked for shape; returns it for further checks. */
export function expectInfisicalError(res: HttpResult, status: number, error: string, message?: string | RegExp): void {
  expect(res.status).toBe(status);
  expect(res.body).toMatchObject({ statusCode: status, error });
  expect(typeof res.body.reqId).toBe('string');
  if (typeof message === 'string') expect(res.body.message).toBe(message);
  else if (message !== undefined) expect(res.body.message).toMatch(message);
}
