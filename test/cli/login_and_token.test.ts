/** login (token method, prompt, token file) and the token commands through the real CLI. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { api, startTestServer, type TestServer } from '../support/server.js';
import { lanyard, scratchDir, terminalInput } from './harness.js';

/** A still clock (frozen at the real time: stored records expire by the real clock) so TTLs shown are exact. */
const clock = Date.now();
let server: TestServer;
let scratch: Awaited<ReturnType<typeof scratchDir>>;
let tokenFile: string;
/** No LANYARD_TOKEN: commands use the token file, as after a real login. */
let env: Record<string, string>;

const createToken = async (body: Record<string, unknown>): Promise<{ client_token: string; accessor: string }> => {
  const res = await api(server, 'POST', '/v1/auth/token/create', body);
  expect(res.status).toBe(200);
  return res.body.auth;
};

beforeAll(async () => {
  server = await startTestServer({ now: () => clock, settings: { 'default-token-ttl': '1h', 'max-token-ttl': '24h' } });
  scratch = await scratchDir();
  tokenFile = join(scratch.dir, 'token');
  env = { LANYARD_ADDR: server.url, LANYARD_TOKEN_FILE: tokenFile };
});
afterAll(async () => {
  await server.destroy();
  await scratch.cleanup();
});

describe('lanyard login', () => {
  it('checks a token, stores it with mode 0600, and later commands use it', async () => {
    const { client_token: token, accessor } = await createToken({ policies: ['default'], display_name: 'cli', ttl: '2h' });
    const run = await lanyard(['login', token], { env });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^Success! You are now authenticated\./);
    expect(run.stdout).toContain(tokenFile);
    expect(run.stdout).toMatch(new RegExp(`^token\\s+${token.replace('.', '\\.')}$`, 'm'));
    expect(run.stdout).toMatch(new RegExp(`^token_accessor\\s+${accessor}$`, 'm'));
    expect(run.stdout).toMatch(/^token_duration\s+2h$/m);
    expect(run.stdout).toMatch(/^policies\s+\[default\]$/m);

    expect(await readFile(tokenFile, 'utf8')).toBe(token);
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);

    const lookup = await lanyard(['token', 'lookup'], { env });
    expect(lookup.code).toBe(0);
    expect(lookup.stdout).toMatch(/^display_name\s+token-cli$/m);
    expect(lookup.stdout).toMatch(/^ttl\s+2h$/m);
    expect(lookup.stdout).not.toContain(token);
  });

  it('warns when LANYARD_TOKEN would shadow the stored token', async () => {
    const { client_token: token } = await createToken({ policies: ['default'] });
    const run = await lanyard(['login', token], { env: { ...env, LANYARD_TOKEN: server.rootToken } });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('WARNING! LANYARD_TOKEN is set and takes precedence over the stored token');
  });

  it('with -no-store shows the token but leaves the token file alone; -field=token prints just the token', async () => {
    const before = await readFile(tokenFile, 'utf8');
    const { client_token: token } = await createToken({ policies: ['default'] });
    const run = await lanyard(['login', '-no-store', token], { env });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('NOT stored');
    const field = await lanyard(['login', token, '-no-store', '-field=token'], { env });
    expect(field).toEqual({ code: 0, stdout: token, stderr: '' });
    expect(await readFile(tokenFile, 'utf8')).toBe(before);
  });

  it('asks for the token without echo on a terminal', async () => {
    const { client_token: token } = await createToken({ policies: ['default'] });
    const stdin = terminalInput();
    const running = lanyard(['login', '-no-store', '-format=json'], { env, stdin });
    // A typo fixed with backspace, then Enter.
    stdin.write(`${token}x`);
    stdin.write('\u007f\r');
    const run = await running;
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('Token (will be hidden): \n');
    expect(stdin.rawModes).toEqual([true, false]);
    expect(JSON.parse(run.stdout).auth.client_token).toBe(token);
  });

  it('reads the token from stdin with -', async () => {
    const { client_token: token } = await createToken({ policies: ['default'] });
    const run = await lanyard(['login', '-no-store', '-field=token_policies', '-'], { env, stdin: `${token}\n` });
    expect(run).toEqual({ code: 0, stdout: '["default"]', stderr: '' });
  });

  it('refuses a bad token, a missing token without a terminal, and an unknown method', async () => {
    const bad = await lanyard(['login', 'lys.not-a-real-token'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('Error: the token was not accepted: it is mistyped, expired or revoked\n');

    const none = await lanyard(['login'], { env });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^Error: stdin is not a terminal, so there is nothing to prompt on/);

    const unknown = await lanyard(['login', '-method=kerberos'], { env });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('Error: unknown login method "kerberos": known methods are token, userpass, oidc, oidc-auth\n');

    const noPassword = await lanyard(['login', '-method=userpass', 'username=alice'], { env });
    expect(noPassword.code).toBe(1);
    expect(noPassword.stderr).toMatch(/^Error: stdin is not a terminal.*password=-/);

    const noUser = await lanyard(['login', '-method=userpass', 'password=x'], { env });
    expect(noUser.code).toBe(1);
    expect(noUser.stderr).toMatch(/^Error: missing username=NAME/);
  });
});

describe('lanyard token', () => {
  it('create sends policies, TTLs, use limit, display name and metadata, and prints the new token', async () => {
    const run = await lanyard(
      ['token', 'create', '-policy=alpha', '-policy=beta', '-ttl=30m', '-explicit-max-ttl=2h', '-use-limit=5', '-display-name=deploy', '-metadata=team=ci'],
      { env: { ...env, LANYARD_TOKEN: server.rootToken } },
    );
    expect(run.code).toBe(0);
    const token = /^token\s+(lys\.\S+)$/m.exec(run.stdout)?.[1];
    expect(token).toBeDefined();
    expect(run.stdout).toMatch(/^token_duration\s+30m$/m);
    expect(run.stdout).toMatch(/^token_meta_team\s+ci$/m);

    const looked = await api(server, 'GET', '/v1/auth/token/lookup-self', undefined, token);
    expect(looked.body.data).toMatchObject({
      policies: ['alpha', 'beta', 'default'],
      ttl: 1800,
      explicit_max_ttl: 7200,
      num_uses: 5,
      display_name: 'token-deploy',
      meta: { team: 'ci' },
    });
  });

  it('create -field=token prints only the token; a bad -use-limit is a usage error', async () => {
    const run = await lanyard(['token', 'create', '-policy=alpha', '-field=token'], { env: { ...env, VAULT_TOKEN: server.rootToken } });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^lys\.[0-9A-Za-z]+$/);
    expect((await api(server, 'GET', '/v1/auth/token/lookup-self', undefined, run.stdout)).status).toBe(200);

    const bad = await lanyard(['token', 'create', '-use-limit=-1'], { env });
    expect(bad.code).toBe(1);
  });

  it('lookup TOKEN describes another token without printing it, in table and JSON', async () => {
    const { client_token: other } = await createToken({ policies: ['gamma'], display_name: 'other' });
    const table = await lanyard(['token', 'lookup', other], { env: { ...env, LANYARD_TOKEN: server.rootToken } });
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^policies\s+\[default gamma\]$/m);
    expect(table.stdout).not.toContain(other);

    const json = await lanyard(['token', 'lookup', '-format=json', other], { env: { ...env, LANYARD_TOKEN: server.rootToken } });
    const body = JSON.parse(json.stdout);
    expect(body.data.display_name).toBe('token-other');
    expect(body.data).not.toHaveProperty('id');
    expect(json.stdout).not.toContain(other);
  });

  it('renew extends the token in use or a given one, without printing it', async () => {
    const { client_token: token } = await createToken({ policies: ['default'], ttl: '10m' });
    const self = await lanyard(['token', 'renew', '-increment=45m'], { env: { ...env, LANYARD_TOKEN: token } });
    expect(self.code).toBe(0);
    expect(self.stdout).toMatch(/^token_duration\s+45m$/m);
    expect(self.stdout).not.toContain(token);
    expect(self.stdout).not.toMatch(/^token\s/m);

    const other = await lanyard(['token', 'renew', token, '-increment=20m', '-format=json'], { env: { ...env, LANYARD_TOKEN: server.rootToken } });
    expect(other.code).toBe(0);
    expect(JSON.parse(other.stdout).auth.lease_duration).toBe(1200);
    expect(other.stdout).not.toContain(token);
  });

  it('revoke TOKEN and revoke -self end the tokens', async () => {
    const { client_token: first } = await createToken({ policies: ['default'] });
    const run = await lanyard(['token', 'revoke', first], { env: { ...env, LANYARD_TOKEN: server.rootToken } });
    expect(run).toEqual({ code: 0, stdout: 'Success! Revoked token (if it existed)\n', stderr: '' });
    expect((await api(server, 'GET', '/v1/auth/token/lookup-self', undefined, first)).status).toBe(403);

    const { client_token: second } = await createToken({ policies: ['default'] });
    expect((await lanyard(['login', second], { env })).code).toBe(0);
    expect((await lanyard(['token', 'revoke', '-self'], { env })).code).toBe(0);
    expect((await api(server, 'GET', '/v1/auth/token/lookup-self', undefined, second)).status).toBe(403);

    const after = await lanyard(['token', 'lookup'], { env });
    expect(after.code).toBe(2);
    // The token came from the file `lanyard login` wrote, and the hint says so.
    expect(after.stderr.startsWith(`Error: permission denied (check the token file ${tokenFile}; `)).toBe(true);
  });

  it('revoke needs exactly one of TOKEN and -self', async () => {
    const neither = await lanyard(['token', 'revoke'], { env });
    expect(neither.code).toBe(1);
    expect(neither.stderr).toMatch(/give the TOKEN to revoke, or -self/);
    const both = await lanyard(['token', 'revoke', '-self', 'lys.x'], { env });
    expect(both.code).toBe(1);
  });
});

describe('lanyard login -method=userpass', () => {
  const PASSWORD = 'correct horse battery staple';

  beforeAll(async () => {
    const admin = { ...env, LANYARD_TOKEN: server.rootToken };
    expect((await lanyard(['write', 'sys/policies/acl/readers', 'policy=path "sys/policies/acl" { capabilities = ["list"] }'], { env: admin })).code).toBe(0);
    expect((await lanyard(['write', 'auth/userpass/users/alice', `password=${PASSWORD}`, 'token_policies=readers', 'token_ttl=1h'], { env: admin })).code).toBe(0);
  });

  it('logs in with the password from stdin, prints the Vault-style table and stores the token', async () => {
    const run = await lanyard(['login', '-method=userpass', 'username=alice', 'password=-'], { env, stdin: `${PASSWORD}\n` });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Success! You are now authenticated\./);
    const token = /^token\s+(lys\.\S+)$/m.exec(run.stdout)?.[1];
    expect(token).toBeDefined();
    expect(run.stdout).toMatch(/^token_duration\s+1h$/m);
    expect(run.stdout).toMatch(/^token_policies\s+\[default readers\]$/m);
    expect(run.stdout).toMatch(/^token_meta_username\s+alice$/m);
    expect(await readFile(tokenFile, 'utf8')).toBe(token);

    // The stored token is what later commands send: alice may list policies, not read them.
    expect((await lanyard(['list', 'sys/policies/acl'], { env })).code).toBe(0);
    const denied = await lanyard(['read', 'sys/policies/acl/readers'], { env });
    expect(denied.code).toBe(2);
    expect(denied.stderr.startsWith(`Error: permission denied (check the token file ${tokenFile}; `)).toBe(true);
  });

  it('asks for the password without echo on a terminal', async () => {
    const stdin = terminalInput();
    const running = lanyard(['login', '-method=userpass', '-no-store', '-field=token_meta_username', 'username=alice'], { env, stdin });
    stdin.write(`${PASSWORD}\r`);
    const run = await running;
    expect(run).toEqual({ code: 0, stdout: 'alice', stderr: 'Password (will be hidden): \n' });
  });

  it('shows the server\'s refusal of a wrong password and stores nothing', async () => {
    const before = await readFile(tokenFile, 'utf8');
    const run = await lanyard(['login', '-method=userpass', 'username=mallory', 'password=guess'], { env });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('Error logging in as mallory: code 400\n  * invalid username or password\n');
    expect(await readFile(tokenFile, 'utf8')).toBe(before);
  });
});
