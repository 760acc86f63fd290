/**
 * hvac, the standard Python Vault client (Debian's python3-hvac), unchanged against a real
 * Lanyard server: system status, built-in userpass, tokens, userpass login, entities and groups
 * with hvac's default null arguments, lookups, a named key, a role and an identity token.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestServer, type TestServer } from '../support/server.js';
import { runPython } from './run_python.js';

describe('hvac', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server?.destroy());

  it('runs the usual Vault-script calls unchanged', async () => {
    const out = await runPython('hvac_calls.py', { LANYARD_ADDR: server.url, LANYARD_TOKEN: server.rootToken });
    expect(out).toMatchObject({
      is_authenticated: true,
      is_sealed: false,
      is_initialized: true,
      seal_status: { sealed: false, initialized: true, t: 1, n: 1, type: 'shamir' },
      leader: { ha_enabled: false },
      health: { initialized: true, sealed: false },
      mounts: ['identity/', 'sys/'],
      enable_userpass_status: 200,
      auth_methods: expect.arrayContaining(['token/', 'userpass/']),
      userpass_tuning: { token_type: 'default-service' },
      token_create: { policies: ['default'], lease_duration: 3600, renewable: true },
      legacy_token_create: { policies: ['default'], lease_duration: 1800 },
      userpass_login: { policies: ['default'], has_entity: true },
      group_created: true,
      lookup_entity: { id_matches: true, group_ids: [expect.any(String)] },
      lookup_group: 'hvac-group',
      lookup_by_alias: true,
      lookup_missing: 204,
      identity_token_parts: 3,
    });
    expect(out.group_read).toHaveLength(2);
    expect(out.token_lookup_ttl).toBeGreaterThan(1700);
  });
});
