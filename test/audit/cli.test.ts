/** lanyard audit enable|list|disable against a real server. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { lanyard, scratchDir } from '../cli/harness.js';
import { api, startTestServer, type TestServer } from '../support/server.js';
import { readAudit } from './support.js';

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

describe('lanyard audit', () => {
  it('enables a file device, lists it, and disables it', async () => {
    const file = join(scratch.dir, 'audit.log');
    expect(await lanyard(['audit', 'list'], { env })).toEqual({ code: 0, stdout: 'No audit devices are enabled.\n', stderr: '' });
    expect(await lanyard(['audit', 'enable', '-path=main', '-description=primary', 'file', `file_path=${file}`], { env })).toEqual({
      code: 0,
      stdout: 'Success! Enabled the file audit device at: main/\n',
      stderr: '',
    });
    const table = await lanyard(['audit', 'list', '-detailed'], { env });
    expect(table.stdout).toMatch(/^Path\s+Type\s+Description\s+Options\n-+/);
    expect(table.stdout).toContain(`main/    file    primary        file_path=${file} mode=0600`);
    const json = JSON.parse((await lanyard(['audit', 'list', '-format=json'], { env })).stdout);
    expect(json['main/']).toMatchObject({ type: 'file', description: 'primary', options: { file_path: file } });
    expect((await readAudit(file)).lines.some((line) => line.request.path === 'sys/audit')).toBe(true);

    const bad = await lanyard(['audit', 'enable', 'file', 'file_path=relative.log'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('file_path must be an absolute path');
    expect((await lanyard(['audit', 'enable', 'file', 'oops'], { env })).code).not.toBe(0);

    expect((await lanyard(['audit', 'disable', 'main'], { env })).stdout).toBe('Success! Disabled audit device (if it was enabled) at: main/\n');
    expect((await api(server, 'GET', '/v1/sys/audit')).body.data).toEqual({});
  });
});
