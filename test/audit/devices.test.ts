/**
 * Audit devices over HTTP: enabling needs sudo, bad input changes nothing, and every audited event
 * class lands in the file with its secrets HMAC'd: the raw secret appears nowhere in the file,
 * while `sys/audit-hash` of it matches the logged value.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { TestIssuer } from '../support/jwt_issuer.js';
import { api, startTestServer, type TestServer } from '../support/server.js';
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
} from '../support/relying_party.js';
import { baseConfig, configuredIdentity, login } from '../machine/machine_support.js';
import { auditHash, enableFile, entriesOf, readAudit } from './support.js';

let server: TestServer;
let idp: TestIssuer;
let file: string;

beforeAll(async () => {
  server = await startTestServer();
  idp = await TestIssuer.start({ keys: [{ alg: 'RS256', kid: 'k1' }] });
  file = join(server.dataDir, 'audit.log');
  await enableFile(server, 'file', file);
});
afterAll(async () => {
  await server.destroy();
  await idp.close();
});

describe('the audit API', () => {
  it('lists the device in Vault’s shape', async () => {
    const res = await api(server, 'GET', '/v1/sys/audit');
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({
      'file/': { type: 'file', description: '', local: false, path: 'file/', options: { file_path: file, mode: '0600' } },
    });
  });

  it('requires sudo on every audit path, even with the other capabilities', async () => {
    await api(server, 'PUT', '/v1/sys/policies/acl/auditor', {
      policy: 'path "sys/audit" { capabilities = ["read"] }\npath "sys/audit/*" { capabilities = ["create", "update", "delete"] }\npath "sys/audit-hash/*" { capabilities = ["update"] }',
    });
    const token = (await api(server, 'POST', '/v1/auth/token/create', { policies: ['auditor'] })).body.auth.client_token as string;
    expect((await api(server, 'GET', '/v1/sys/audit', undefined, token)).status).toBe(403);
    expect((await api(server, 'PUT', '/v1/sys/audit/other', { type: 'file', options: { file_path: '-' } }, token)).status).toBe(403);
    expect((await api(server, 'DELETE', '/v1/sys/audit/file', undefined, token)).status).toBe(403);
    expect((await api(server, 'PUT', '/v1/sys/audit-hash/file', { input: 'x' }, token)).status).toBe(403);

    await api(server, 'PUT', '/v1/sys/policies/acl/auditor', { policy: 'path "sys/audit*" { capabilities = ["sudo", "read", "update"] }' });
    expect((await api(server, 'GET', '/v1/sys/audit', undefined, token)).status).toBe(200);
  });

  it('refuses bad input with 400 and enables nothing', async () => {
    const bad: Array<Record<string, unknown>> = [
      {},
      { type: 'syslog' },
      { type: 'file' },
      { type: 'file', options: { file_path: 'relative.log' } },
      { type: 'file', options: { file_path: join(server.dataDir, 'no-such-dir', 'a.log') } },
      { type: 'file', options: { file_path: join(server.dataDir, 'b.log'), mode: 'rw' } },
      { type: 'file', options: { file_path: { nested: true } } },
      { type: 'socket', options: {} },
      { type: 'socket', options: { address: 'nowhere' } },
      { type: 'socket', options: { address: '127.0.0.1:1', socket_type: 'udp' } },
      { type: 'socket', options: { address: '127.0.0.1:1' } },
      { type: 'file', options: { file_path: join(server.dataDir, 'raw.log'), log_raw: 'true' } },
      { type: 'file', options: { file_path: join(server.dataDir, 'raw.log'), hmac_accessor: 'false' } },
    ];
    for (const body of bad) {
      const res = await api(server, 'PUT', '/v1/sys/audit/bad', body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(res.body.errors).toHaveLength(1);
    }
    expect(Object.keys((await api(server, 'GET', '/v1/sys/audit')).body.data)).toEqual(['file/']);
    expect((await api(server, 'PUT', '/v1/sys/audit/file', { type: 'file', options: { file_path: '-' } })).body).toEqual({ errors: ['path already in use'] });
    expect((await api(server, 'PUT', '/v1/sys/audit-hash/nope', { input: 'x' })).status).toBe(400);
  });
});

describe('what is audited', () => {
  it('writes a request and a response line for an admin call, with the token and its accessor HMAC’d', async () => {
    const res = await api(server, 'POST', '/v1/auth/token/create', { policies: ['p1'], meta: { team: 'ci' } });
    expect(res.status).toBe(200);
    const { client_token: token, accessor } = res.body.auth as { client_token: string; accessor: string };
    const { text, lines } = await readAudit(file);
    const entries = entriesOf(lines, res.headers.get('x-request-id'));
    expect(entries.map((e) => e.type)).toEqual(['request', 'response']);
    const [request, response] = entries as [NonNullable<(typeof entries)[0]>, NonNullable<(typeof entries)[0]>];
    expect(request.request).toMatchObject({ operation: 'update', path: 'auth/token/create', remote_address: '127.0.0.1', mount_type: 'token' });
    expect(request.request.client_token).toBe(await auditHash(server, 'file', server.rootToken));
    expect(request.auth).toMatchObject({ display_name: 'root', policies: ['root'], entity_id: '' });
    expect(request.request.data.meta.team).toBe(await auditHash(server, 'file', 'ci'));
    expect(response.response?.auth).toMatchObject({ client_token: await auditHash(server, 'file', token), accessor: await auditHash(server, 'file', accessor), policies: ['default', 'p1'] });
    expect(Date.parse(response.time)).not.toBeNaN();
    for (const raw of [token, accessor, server.rootToken]) expect(text.includes(raw)).toBe(false);
  });

  it('records refusals with the error, and the path the ACL checked', async () => {
    const res = await api(server, 'GET', '/v1/sys/policies/acl/SOMETHING', undefined, 'lys.not-a-token');
    expect(res.status).toBe(403);
    const entries = entriesOf((await readAudit(file)).lines, res.headers.get('x-request-id'));
    expect(entries.map((e) => [e.type, e.error])).toEqual([
      ['request', 'permission denied'],
      ['response', 'permission denied'],
    ]);
    expect(entries[0]?.request.client_token).toBe(await auditHash(server, 'file', 'lys.not-a-token'));

    const denied = await api(server, 'GET', '/v1/sys/policies/acl/Default', undefined, (await api(server, 'POST', '/v1/auth/token/create', { policies: [] })).body.auth.client_token);
    expect(denied.status).toBe(403);
    const deniedEntries = entriesOf((await readAudit(file)).lines, denied.headers.get('x-request-id'));
    expect(deniedEntries[0]?.request.path).toBe('sys/policies/acl/default');
  });

  it('audits userpass logins without the password', async () => {
    await api(server, 'PUT', '/v1/auth/userpass/users/bob', { password: 'bob-secret-password', policies: 'p1' });
    const ok = await api(server, 'PUT', '/v1/auth/userpass/login/bob', { password: 'bob-secret-password' }, null);
    expect(ok.status).toBe(200);
    const bad = await api(server, 'PUT', '/v1/auth/userpass/login/bob', { password: 'wrong-password-guess' }, null);
    expect(bad.status).toBe(400);
    const { text, lines } = await readAudit(file);
    const success = entriesOf(lines, ok.headers.get('x-request-id'));
    expect(success[1]?.response?.auth?.client_token).toBe(await auditHash(server, 'file', ok.body.auth.client_token));
    expect(success[0]?.request.data.password).toBe(await auditHash(server, 'file', 'bob-secret-password'));
    const failure = entriesOf(lines, bad.headers.get('x-request-id'));
    expect(failure.map((e) => e.type)).toEqual(['request', 'response']);
    expect(failure[1]?.error).toEqual(expect.any(String));
    for (const raw of ['bob-secret-password', 'wrong-password-guess', ok.body.auth.client_token]) expect(text.includes(raw)).toBe(false);
  });

  it('audits machine logins, with the verifier’s reason code on refusal, and token renew and revoke', async () => {
    const id = await configuredIdentity(server, baseConfig(idp));
    const jwt = await idp.token();
    const ok = await login(server, id, jwt);
    expect(ok.status).toBe(200);
    const expiredJwt = await idp.token({ exp: Math.floor(Date.now() / 1000) - 3600 });
    const refused = await login(server, id, expiredJwt);
    expect(refused.status).toBe(401);
    const accessToken = ok.body.accessToken as string;
    const renew = await fetch(`${server.url}/api/v1/auth/token/renew`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ accessToken }) });
    expect(renew.status).toBe(200);
    const revoke = await fetch(`${server.url}/api/v1/auth/token/revoke`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ accessToken }) });
    expect(revoke.status).toBe(200);

    const { text, lines } = await readAudit(file);
    const logins = lines.filter((l) => l.request.path === 'api/v1/auth/oidc-auth/login');
    const success = logins.find((l) => l.type === 'response' && l.response?.status === 200);
    expect(success?.request.data).toEqual({ identityId: await auditHash(server, 'file', id), jwt: await auditHash(server, 'file', jwt) });
    expect(success?.response?.data.accessToken).toBe(await auditHash(server, 'file', accessToken));
    const failure = logins.find((l) => l.type === 'response' && l.response?.status === 401);
    expect(failure?.reason).toBe('token_expired');
    expect(failure?.error).toEqual(expect.any(String));
    for (const path of ['api/v1/auth/token/renew', 'api/v1/auth/token/revoke']) {
      const response = lines.find((l) => l.type === 'response' && l.request.path === path);
      expect(response?.request.data.accessToken).toBe(await auditHash(server, 'file', accessToken));
    }
    for (const raw of [jwt, expiredJwt, accessToken]) expect(text.includes(raw)).toBe(false);
  });

  it('audits OIDC grants, refreshes, revocations and failures with client, entity and scopes', async () => {
    await createKey(server, 'k1', { algorithm: 'ES256' });
    const web = await createClient(server, 'web', { key: 'k1', redirect_uris: REDIRECT_URI, assignments: 'allow_all' });
    const issuer = await createProvider(server, 'p1', { allowed_client_ids: '*' });
    const alice = await createUser(server, 'alice');
    const config = await relyingParty(issuer, web);
    const request = await authorizationRequest(config, { scope: 'openid offline_access', prompt: 'consent' });
    const { callback } = await signIn(new Browser(), request.url, { username: 'alice', password: alice.password });
    const tokens = await exchange(config, callback, request);
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token as string);
    await oidc.tokenRevocation(config, refreshed.refresh_token as string);
    const replay = await oidc.refreshTokenGrant(config, tokens.refresh_token as string).catch((err: unknown) => err);
    expect((replay as oidc.ResponseBodyError).error).toBe('invalid_grant');

    const { text, lines } = await readAudit(file);
    const notes = lines.filter((l) => l.type === 'response' && l.oidc !== undefined).map((l) => l.oidc);
    expect(notes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ provider: 'p1', event: 'grant.success', grant_type: 'authorization_code', client_id: web.client_id, entity_id: alice.entityId }),
        expect.objectContaining({ provider: 'p1', event: 'grant.success', grant_type: 'refresh_token', client_id: web.client_id }),
        expect.objectContaining({ provider: 'p1', event: 'revocation.success', client_id: web.client_id }),
        expect.objectContaining({ provider: 'p1', event: 'grant.error', grant_type: 'refresh_token', error: expect.stringContaining('invalid_grant') }),
      ]),
    );
    const code = callback.searchParams.get('code') as string;
    for (const raw of [code, tokens.access_token, tokens.refresh_token as string, refreshed.refresh_token as string, web.client_secret as string, alice.password]) {
      expect(text.includes(raw)).toBe(false);
    }
    const tokenCall = lines.find((l) => l.type === 'response' && l.oidc?.grant_type === 'authorization_code');
    expect(tokenCall?.request.data.code).toBe(await auditHash(server, 'file', code));
  });
});
