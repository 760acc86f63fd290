/**
 * Shared set-up for the identity/oidc admin suites: a real server with the OIDC built-ins, and
 * entities, groups and entity-bound tokens made through the HTTP API like an administrator would.
 */
import { expect } from '@jest/globals';
import { ensureOidcBuiltins } from '../../../server/oidc/builtins.js';
import { api, startTestServer, type TestServer, type TestServerOptions } from '../../support/server.js';

export type Call = (method: string, path: string, body?: unknown, token?: string | null) => ReturnType<typeof api>;

export interface OidcTestServer {
  readonly server: TestServer;
  /** A request to `/v1/<path>`, with the root token unless another (or null) is given. */
  readonly call: Call;
  readonly apiAddr: string;
}

export async function startOidcServer(options: TestServerOptions = {}): Promise<OidcTestServer> {
  const server = await startTestServer(options);
  // The runtime creates the built-ins at start; doing it again must change nothing.
  await ensureOidcBuiltins(server.runtime.services);
  const call: Call = (method, path, body, token) => api(server, method, `/v1/${path}`, body, token);
  return { server, call, apiAddr: server.runtime.services.config.apiAddr };
}

export async function createEntity(call: Call, name: string, metadata: Record<string, string> = {}): Promise<string> {
  const res = await call('POST', 'identity/entity', { name, metadata });
  expect(res.status).toBe(200);
  return res.body.data.id as string;
}

export async function createGroup(call: Call, name: string, members: { entities?: string[]; groups?: string[] }): Promise<string> {
  const res = await call('POST', 'identity/group', {
    name,
    member_entity_ids: members.entities ?? [],
    member_group_ids: members.groups ?? [],
  });
  expect(res.status).toBe(200);
  return res.body.data.id as string;
}

export async function tokenFor(call: Call, entityId: string | undefined, policies: string[]): Promise<string> {
  const res = await call('POST', 'auth/token/create', { policies, ...(entityId !== undefined ? { entity_id: entityId } : {}) });
  expect(res.status).toBe(200);
  return res.body.auth.client_token as string;
}

/** A policy that lets a token fetch identity tokens for every role (Vault's default does not). */
export async function grantIdentityTokens(call: Call): Promise<string> {
  const res = await call('PUT', 'sys/policies/acl/identity-tokens', {
    policy: 'path "identity/oidc/token/*" {\n  capabilities = ["read"]\n}\n',
  });
  expect(res.status).toBe(204);
  return 'identity-tokens';
}

/** The 400 body Vault sends for `message`. */
export const vaultError = (message: string) => ({ status: 400, body: { errors: [message] } });
