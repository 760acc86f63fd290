/** read, write, list and delete through the real CLI against a real server. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { api, startTestServer, type TestServer } from '../support/server.js';
import { lanyard, scratchDir } from './harness.js';

const POLICY = 'path "identity/oidc/client/*" {\n  capabilities = ["read", "list"]\n}\n';

let server: TestServer;
let scratch: Awaited<ReturnType<typeof scratchDir>>;
let env: Record<string, string>;

beforeAll(async () => {
  // A still clock, so TTLs shown are exactly what was asked for.
  const clock = Date.now();
  server = await startTestServer({ now: () => clock });
  scratch = await scratchDir();
  env = { LANYARD_ADDR: server.url, LANYARD_TOKEN: server.rootToken, LANYARD_TOKEN_FILE: join(scratch.dir, 'token') };
});
afterAll(async () => {
  await server.destroy();
  await scratch.cleanup();
});

describe('write and read', () => {
  it('writes k=v data and reads it back as a Key/Value table', async () => {
    const write = await lanyard(['write', 'sys/policies/acl/readers', `policy=${POLICY}`], { env });
    expect(write).toEqual({ code: 0, stdout: 'Success! Data written to: sys/policies/acl/readers\n', stderr: '' });

    const read = await lanyard(['read', 'sys/policies/acl/readers'], { env });
    expect(read.code).toBe(0);
    expect(read.stderr).toBe('');
    expect(read.stdout.split('\n').slice(0, 3)).toEqual(['Key       Value', '---       -----', 'name      readers']);
    expect(read.stdout).toContain(`policy    ${POLICY}`);
  });

  it('reads the whole envelope with -format=json, placed before or after the path, with or without v1/', async () => {
    for (const args of [
      ['read', '-format=json', 'sys/policies/acl/readers'],
      ['read', 'sys/policies/acl/readers', '-format=json'],
      ['read', '/v1/sys/policies/acl/readers', '--format', 'json'],
      ['read', 'v1/sys/policies/acl/readers', '-format=json'],
    ]) {
      const run = await lanyard(args, { env });
      expect(run.code).toBe(0);
      const body = JSON.parse(run.stdout);
      expect(Object.keys(body).sort()).toEqual(
        ['auth', 'data', 'lease_duration', 'lease_id', 'mount_type', 'renewable', 'request_id', 'warnings', 'wrap_info'].sort(),
      );
      expect(body.data).toEqual({ name: 'readers', policy: POLICY });
    }
  });

  it('honours LANYARD_FORMAT and VAULT_FORMAT, and refuses an unknown format', async () => {
    const viaEnv = await lanyard(['read', 'sys/policies/acl/readers'], { env: { ...env, VAULT_FORMAT: 'json' } });
    expect(JSON.parse(viaEnv.stdout).data.name).toBe('readers');
    const yaml = await lanyard(['read', 'sys/policies/acl/readers'], { env: { ...env, LANYARD_FORMAT: 'yaml' } });
    expect(yaml.code).toBe(1);
    expect(yaml.stderr).toBe('Error: unknown format "yaml": use table or json\n');
  });

  it('prints one raw field with -field: exact text when piped, a newline on a terminal', async () => {
    const piped = await lanyard(['read', '-field=policy', 'sys/policies/acl/readers'], { env });
    expect(piped).toEqual({ code: 0, stdout: POLICY, stderr: '' });
    const terminal = await lanyard(['read', 'sys/policies/acl/readers', '-field=name'], { env, stdoutIsTTY: true });
    expect(terminal.stdout).toBe('readers\n');
    const missing = await lanyard(['read', '-field=nope', 'sys/policies/acl/readers'], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Field "nope" not present');
  });

  it('reads a value from a file with k=@FILE', async () => {
    const file = join(scratch.dir, 'from-file.hcl');
    const text = 'path "sys/health" {\n  capabilities = ["read"]\n}\n';
    await writeFile(file, text);
    const run = await lanyard(['write', 'sys/policies/acl/from-file', `policy=@${file}`], { env });
    expect(run.code).toBe(0);
    expect((await api(server, 'GET', '/v1/sys/policies/acl/from-file')).body.data.policy).toBe(text);

    const missing = await lanyard(['write', 'sys/policies/acl/from-file', `policy=@${join(scratch.dir, 'absent.hcl')}`], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^Error: cannot read ".*absent\.hcl" for the value of "policy": no such file\n$/);
  });

  it('reads a JSON body from stdin with a lone -, and a single value with k=-', async () => {
    const body = await lanyard(['write', 'sys/policies/acl/from-stdin', '-'], { env, stdin: JSON.stringify({ policy: POLICY }) });
    expect(body.code).toBe(0);
    expect((await api(server, 'GET', '/v1/sys/policies/acl/from-stdin')).body.data.policy).toBe(POLICY);

    const value = await lanyard(['write', 'sys/policies/acl/value-stdin', 'policy=-'], { env, stdin: POLICY });
    expect(value.code).toBe(0);
    expect((await api(server, 'GET', '/v1/sys/policies/acl/value-stdin')).body.data.policy).toBe(POLICY);
  });

  it('refuses bad data arguments with exit 1 and sends nothing', async () => {
    const cases: Array<[string[], string | undefined, RegExp]> = [
      [['write', 'sys/policies/acl/bad', '-'], 'not json', /^Error: the JSON body from stdin is not valid JSON/],
      [['write', 'sys/policies/acl/bad', '-'], '["a"]', /^Error: the JSON body from stdin must be an object/],
      [['write', 'sys/policies/acl/bad', '-', 'policy=-'], '{}', /^Error: stdin can only be read once/],
      [['write', 'sys/policies/acl/bad', 'policy'], undefined, /^Error: invalid argument "policy": expected key=value/],
      [['write', 'sys/policies/acl/bad'], undefined, /^Error: must supply data, or use -force/],
      [['write', 'sys/../sys/policies/acl/bad', 'policy=x'], undefined, /must not contain "\." or "\.\." segments/],
    ];
    for (const [args, stdin, message] of cases) {
      const run = await lanyard(args, { env, ...(stdin === undefined ? {} : { stdin }) });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(message);
    }
    expect((await api(server, 'GET', '/v1/sys/policies/acl/bad')).status).toBe(404);
  });

  it('turns a repeated key into a list, and shows an answer with an auth block and warnings', async () => {
    const run = await lanyard(['write', 'auth/token/create', 'policies=p1', 'policies=p2', 'ttl=10m', 'bogus=1'], { env });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^token\s+lys\.\S+$/m);
    expect(run.stdout).toMatch(/^token_policies\s+\[default p1 p2\]$/m);
    expect(run.stdout).toMatch(/^token_duration\s+10m$/m);
    expect(run.stderr).toBe(
      'WARNING! The following warnings were returned from Lanyard:\n\n  * Endpoint ignored these unrecognized parameters: [bogus]\n\n',
    );

    const json = await lanyard(['write', 'auth/token/create', 'policies=p1', 'policies=p2', 'bogus=1', '-format=json'], { env });
    const body = JSON.parse(json.stdout);
    expect(body.auth.policies).toEqual(['default', 'p1', 'p2']);
    expect(body.warnings).toHaveLength(1);
    expect(json.stderr).toBe('');
  });

  it('says "No value found at PATH" with exit 2 for nothing there', async () => {
    const missing = await lanyard(['read', 'sys/policies/acl/never-written'], { env });
    expect(missing).toEqual({ code: 2, stdout: '', stderr: 'No value found at sys/policies/acl/never-written\n' });
    const unknownPath = await lanyard(['read', 'no/such/route'], { env });
    expect(unknownPath.code).toBe(2);
    expect(unknownPath.stderr).toBe('No value found at no/such/route (unsupported path)\n');
  });

  it('shows the server\'s error lines and status code for a refused write', async () => {
    const run = await lanyard(['write', 'sys/policies/acl/broken', 'policy=path "x" {'], { env });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^Error writing data to sys\/policies\/acl\/broken: code 400\n {2}\* \S.*\n$/);
  });
});

describe('list', () => {
  it('prints a Keys column, or the keys array as JSON', async () => {
    const table = await lanyard(['list', 'sys/policies/acl'], { env });
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 2)).toEqual(['Keys', '----']);
    expect(lines.slice(2)).toEqual(expect.arrayContaining(['default', 'root', 'readers']));

    const json = await lanyard(['list', 'sys/policies/acl/', '-format=json'], { env });
    expect(JSON.parse(json.stdout)).toEqual(expect.arrayContaining(['default', 'root', 'readers']));
  });

  it('treats a 404 as an empty list: "No value found" (or [] in JSON) with exit 2, as Vault does', async () => {
    // No userpass user exists in this server.
    const table = await lanyard(['list', 'auth/userpass/users'], { env });
    expect(table).toEqual({ code: 2, stdout: '', stderr: 'No value found at auth/userpass/users/\n' });
    const json = await lanyard(['list', '-format=json', 'auth/userpass/users'], { env });
    expect(json).toEqual({ code: 2, stdout: '[]\n', stderr: '' });
  });
});

describe('delete', () => {
  it('deletes, and a read afterwards finds nothing', async () => {
    await lanyard(['write', 'sys/policies/acl/doomed', `policy=${POLICY}`], { env });
    const run = await lanyard(['delete', 'sys/policies/acl/doomed'], { env });
    expect(run).toEqual({ code: 0, stdout: 'Success! Data deleted (if it existed) at: sys/policies/acl/doomed\n', stderr: '' });
    expect((await lanyard(['read', 'sys/policies/acl/doomed'], { env })).code).toBe(2);
  });

  it('colours "Success!" on a terminal, and not with NO_COLOR', async () => {
    const coloured = await lanyard(['delete', 'sys/policies/acl/doomed'], { env, stdoutIsTTY: true });
    expect(coloured.stdout).toBe('\x1b[32mSuccess!\x1b[0m Data deleted (if it existed) at: sys/policies/acl/doomed\n');
    const plain = await lanyard(['delete', 'sys/policies/acl/doomed'], { env: { ...env, NO_COLOR: '1' }, stdoutIsTTY: true });
    expect(plain.stdout).toBe('Success! Data deleted (if it existed) at: sys/policies/acl/doomed\n');
  });
});
