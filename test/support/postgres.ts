/**
 * The PostgreSQL every PostgreSQL test uses: LANYARD_TEST_DATABASE_URL, by default the local
 * server the project's machines run (trust auth, user postgres, database test). When none answers
 * the test fails with the reason — it never skips: `.ci/postgres` starts or installs one.
 * Each test run gets a schema of its own, dropped afterwards.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import pg from 'pg';

export const TEST_DATABASE_URL = process.env.LANYARD_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh schema name, unique per call. */
export function freshSchemaName(label = 'test'): string {
  return `lanyard_${label}_${randomBytes(6).toString('hex')}`;
}

let startAttempted = false;

/** Starts the local Debian cluster(s) once, when the test database does not answer. */
function startLocalPostgres(): void {
  if (startAttempted || !existsSync('/etc/postgresql')) return;
  startAttempted = true;
  for (const version of readdirSync('/etc/postgresql')) spawnSync('pg_ctlcluster', [version, 'main', 'start'], { stdio: 'ignore' });
}

async function connected(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 5000 });
  await client.connect();
  return client;
}

/** Runs one statement on its own connection (test set-up and clean-up). */
export async function adminQuery(text: string, values?: unknown[]): Promise<pg.QueryResult> {
  let client: pg.Client;
  try {
    client = await connected().catch(async () => {
      startLocalPostgres();
      return connected();
    });
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${TEST_DATABASE_URL} (${(error as Error).message}); ` +
        'start it with `pg_ctlcluster 15 main start` or `.ci/postgres`, or set LANYARD_TEST_DATABASE_URL',
    );
  }
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}

export async function dropSchema(schema: string): Promise<void> {
  await adminQuery(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

/** Fails with the reason (after trying to start the local cluster) when PostgreSQL does not answer. */
export async function ensurePostgres(): Promise<void> {
  await adminQuery('SELECT 1');
}
