/** The README's CLI examples for identity/oidc, run through the real CLI against a real server. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { lanyard, scratchDir } from '../../cli/harness.js';
import { createEntity, grantIdentityTokens, startOidcServer, tokenFor, type OidcTestServer } from './fixtures.js';

let t: OidcTestServer;
let scratch: Awaited<ReturnType<typeof scratchDir>>;
let env: Record<string, string>;

beforeAll(async () => {
  t = await startOidcServer();
  scratch = await scratchDir();
  env = { LANYARD_ADDR: t.server.url, LANYARD_TOKEN: t.server.rootToken, LANYARD_TOKEN_FILE: join(scratch.dir, 'token') };
});
afterAll(async () => {
  await t.server.destroy();
  await scratch.cleanup();
});

const ok = async (args: string[], extraEnv: Record<string, string> = {}): Promise<string> => {
  const run = await lanyard(args, { env: { ...env, ...extraEnv } });
  expect(run).toMatchObject({ code: 0, stderr: '' });
  return run.stdout;
};
const json = async (args: string[], extraEnv: Record<string, string> = {}) => JSON.parse(await ok([...args, '-format=json'], extraEnv));

describe('one example per resource', () => {
  it('keys', async () => {
    await ok(['write', 'identity/oidc/key/k1', 'algorithm=ES256', 'allowed_client_ids=*']);
    expect((await json(['read', 'identity/oidc/key/k1'])).data).toMatchObject({ algorithm: 'ES256', allowed_client_ids: ['*'] });
    expect(await json(['list', 'identity/oidc/key'])).toEqual(['default', 'k1']);
    await ok(['write', '-f', 'identity/oidc/key/k1/rotate']);
  });

  it('scopes, assignments, clients and providers', async () => {
    const template = join(scratch.dir, 'user.json');
    await writeFile(template, '{"username": {{identity.entity.name}}, "email": {{identity.entity.metadata.email}}}');
    await ok(['write', 'identity/oidc/scope/user', `template=@${template}`, 'description=Name and email']);
    expect((await json(['read', 'identity/oidc/scope/user'])).data.description).toBe('Name and email');

    await ok(['write', 'identity/oidc/assignment/engineers', 'entity_ids=ENTITY-1,entity-2', 'group_ids=g1']);
    expect((await json(['read', 'identity/oidc/assignment/engineers'])).data).toEqual({ entity_ids: ['entity-1', 'entity-2'], group_ids: ['g1'] });

    await ok(['write', 'identity/oidc/client/web', 'key=k1', 'redirect_uris=https://app.example.com/cb', 'assignments=engineers', 'id_token_ttl=1h', 'access_token_ttl=30m']);
    const client = (await json(['read', 'identity/oidc/client/web'])).data;
    expect(client).toMatchObject({ key: 'k1', id_token_ttl: 3600, access_token_ttl: 1800, client_type: 'confidential' });
    expect(await json(['list', 'identity/oidc/client'])).toEqual(['web']);

    const provider = await lanyard(['write', 'identity/oidc/provider/p1', `allowed_client_ids=${client.client_id}`, 'scopes_supported=user', 'issuer=https://id.example.com'], { env });
    expect(provider.code).toBe(0);
    expect(provider.stdout + provider.stderr).toContain('If "issuer" is set explicitly');
    expect((await json(['read', 'identity/oidc/provider/p1'])).data.issuer).toBe('https://id.example.com/v1/identity/oidc/provider/p1');
    expect(await json(['list', 'identity/oidc/provider'])).toEqual(expect.arrayContaining(['default', 'p1']));
  });

  it('roles, identity tokens, introspection and config', async () => {
    await ok(['write', 'identity/oidc/role/ci', 'key=k1', 'ttl=1h', 'client_id=ci-audience']);
    expect(await json(['list', 'identity/oidc/role'])).toEqual(['ci']);
    const entity = await createEntity(t.call, 'alice');
    const userToken = await tokenFor(t.call, entity, ['default', await grantIdentityTokens(t.call)]);
    const issued = (await json(['read', 'identity/oidc/token/ci'], { LANYARD_TOKEN: userToken })).data;
    expect(decodeJwt(issued.token)).toMatchObject({ aud: 'ci-audience', sub: entity });
    const introspection = await json(['write', 'identity/oidc/introspect', `token=${issued.token}`, 'client_id=ci-audience']);
    expect(introspection).toEqual({ active: true });
    const config = await lanyard(['write', 'identity/oidc/config', 'issuer=https://id.example.com'], { env });
    expect(config.code).toBe(0);
    expect(config.stderr).toContain('If "issuer" is set explicitly');
    expect((await json(['read', 'identity/oidc/config'])).data).toEqual({ issuer: 'https://id.example.com' });
    await ok(['delete', 'identity/oidc/role/ci']);
  });
});
