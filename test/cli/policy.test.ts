/** lanyard policy write|read|list|delete against a real server. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { api, startTestServer, type TestServer } from '../support/server.js';
import { lanyard, scratchDir } from './harness.js';

const RULES = 'path "identity/oidc/client/*" {\n  capabilities = ["read", "list"]\n}\n';

let server: TestServer;
let scratch: Awaited<ReturnType<typeof scratchDir>>;
let env: Record<string, string>;

beforeAll(async () => {
  server = await startTestServer();
  scratch = await scratchDir();
  env = { LANYARD_ADDR: server.url, LANYARD_TOKEN: server.rootToken, LANYARD_TOKEN_FILE: join(scratch.dir, 'token') };
});
afterAll(async () => {
  await server.destroy();
  await scratch.cleanup();
});

describe('lanyard policy', () => {
  it('writes from a file and from stdin, reads the rules back, lists and deletes', async () => {
    const file = join(scratch.dir, 'readers.hcl');
    await writeFile(file, RULES);
    expect(await lanyard(['policy', 'write', 'readers', file], { env })).toEqual({ code: 0, stdout: 'Success! Uploaded policy: readers\n', stderr: '' });
    expect((await lanyard(['policy', 'write', 'piped', '-'], { env, stdin: RULES })).code).toBe(0);
    expect((await api(server, 'GET', '/v1/sys/policies/acl/piped')).body.data.policy).toBe(RULES);

    expect(await lanyard(['policy', 'read', 'readers'], { env })).toEqual({ code: 0, stdout: RULES, stderr: '' });
    const json = await lanyard(['policy', 'read', 'readers', '-format=json'], { env });
    expect(JSON.parse(json.stdout).data).toEqual({ name: 'readers', policy: RULES });

    const list = await lanyard(['policy', 'list'], { env });
    expect(list.stdout.trimEnd().split('\n')).toEqual(expect.arrayContaining(['default', 'root', 'readers', 'piped']));
    expect(JSON.parse((await lanyard(['policy', 'list', '-format=json'], { env })).stdout)).toEqual(expect.arrayContaining(['readers', 'piped']));

    expect(await lanyard(['policy', 'delete', 'piped'], { env })).toEqual({ code: 0, stdout: 'Success! Deleted policy: piped\n', stderr: '' });
    expect((await api(server, 'GET', '/v1/sys/policies/acl/piped')).status).toBe(404);
  });

  it('reports a missing policy, a missing file, a bad name and a rejected policy', async () => {
    expect(await lanyard(['policy', 'read', 'nobody'], { env })).toEqual({ code: 2, stdout: '', stderr: 'Error: No policy named: nobody\n' });

    const noFile = await lanyard(['policy', 'write', 'x', join(scratch.dir, 'missing.hcl')], { env });
    expect(noFile.code).toBe(1);
    expect(noFile.stderr).toMatch(/^Error: cannot read ".*missing\.hcl" for the policy: no such file\n$/);

    const badName = await lanyard(['policy', 'write', 'a/b', '-'], { env, stdin: RULES });
    expect(badName.code).toBe(1);
    expect(badName.stderr).toBe('Error: invalid policy name "a/b"\n');

    const rejected = await lanyard(['policy', 'write', 'broken', '-'], { env, stdin: 'path "x" { capabilities = ["fly"] }' });
    expect(rejected.code).toBe(2);
    expect(rejected.stderr).toMatch(/^Error writing policy broken: code 400\n {2}\* /);
  });
});
