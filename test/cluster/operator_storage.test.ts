/**
 * `lanyard operator migrate` and `lanyard operator migrate-store` against a real PostgreSQL, and a
 * replica started on what migrate-store copied.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { PG_MIGRATIONS } from '../../storage/postgres_migrations.js';
import { lanyard } from '../cli/harness.js';
import { adminQuery, ensurePostgres, dropSchema, freshSchemaName, TEST_DATABASE_URL } from '../support/postgres.js';
import { api, startTestServer } from '../support/server.js';

// Never skipped: fails with the reason when PostgreSQL cannot be found or started.
beforeAll(ensurePostgres);

describe('lanyard operator migrate', () => {
  it('migrates an empty schema once, then has nothing to do; refuses a newer schema', async () => {
    const schema = freshSchemaName('cli');
    const env = { LANYARD_DATABASE_URL: TEST_DATABASE_URL };
    try {
      const first = await lanyard(['operator', 'migrate', '--database-schema', schema], { env });
      expect(first).toMatchObject({ code: 0, stdout: `Schema ${schema} migrated from version 0 to ${PG_MIGRATIONS.length}.\n` });
      const again = await lanyard(['operator', 'migrate', '--database-schema', schema], { env });
      expect(again.stdout).toBe(`Schema ${schema} is at version ${PG_MIGRATIONS.length}: nothing to do.\n`);
      await adminQuery(`UPDATE "${schema}".lanyard_schema_version SET version = 7`);
      const newer = await lanyard(['operator', 'migrate', '--database-schema', schema], { env });
      expect(newer.code).toBe(2);
      expect(newer.stderr).toMatch(new RegExp(`version 7, newer than this release of Lanyard knows \\(${PG_MIGRATIONS.length}\\)`));
    } finally {
      await dropSchema(schema);
    }
  });

  it('asks for the database URL when none is given', async () => {
    const run = await lanyard(['operator', 'migrate'], { env: {} });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/--database-url \(or LANYARD_DATABASE_URL\) is required/);
  });
});

describe('lanyard operator migrate-store', () => {
  it('copies an embedded store into PostgreSQL, where a replica serves it with the same seal key', async () => {
    const schema = freshSchemaName('copy');
    const embedded = await startTestServer();
    try {
      expect((await api(embedded, 'PUT', '/v1/sys/policies/acl/readers', { policy: 'path "sys/policies/acl/*" { capabilities = ["read"] }' })).status).toBe(204);
      expect((await api(embedded, 'POST', '/v1/auth/userpass/users/alice', { password: 'alice-password-1' })).status).toBe(204);
      expect((await api(embedded, 'POST', '/v1/identity/oidc/key/k1', { allowed_client_ids: '*' })).status).toBeLessThan(300);
      const organization = (await api(embedded, 'GET', '/v1/sys/init', undefined, null)).body.organization_id as string;
      await embedded.stop();

      const args = ['operator', 'migrate-store', '--data-dir', embedded.dataDir, '--database-url', TEST_DATABASE_URL, '--database-schema', schema];
      const copy = await lanyard(args);
      expect(copy.code).toBe(0);
      expect(copy.stdout).toMatch(/policy: 2/);
      expect(copy.stdout).toMatch(/Copied \d+ records into schema/);
      // A second copy would merge two installations: refused.
      const twice = await lanyard(args);
      expect(twice.code).toBe(2);
      expect(twice.stderr).toMatch(/already holds .* records: copy only into an empty schema/);

      const replica = await startTestServer({
        settings: { storage: 'postgres', 'database-url': TEST_DATABASE_URL, 'database-schema': schema, 'seal-key-file': join(embedded.dataDir, 'seal.key') },
      });
      try {
        expect((await api(replica, 'GET', '/v1/sys/init', undefined, null)).body.organization_id).toBe(organization);
        expect((await api(replica, 'GET', '/v1/sys/policies/acl/readers')).body.data.policy).toMatch(/sys\/policies/);
        expect((await api(replica, 'POST', '/v1/auth/userpass/login/alice', { password: 'alice-password-1' }, null)).status).toBe(200);
        // The sealed key material opens with the copied seal key: the key signs.
        expect((await api(replica, 'POST', '/v1/identity/oidc/key/k1/rotate', {})).status).toBe(204);
      } finally {
        await replica.destroy();
      }
    } finally {
      await embedded.destroy();
      await dropSchema(schema);
    }
  });
});
