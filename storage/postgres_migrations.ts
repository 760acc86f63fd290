/**
 * The PostgreSQL schema, versioned. The layout is generic — records keyed by (kind, id) with their
 * JSON text and expiry, plus one row per index value — so a new record kind or a new index needs
 * no migration: kinds are declared in code (storage/schema.ts), and index rows of a kind whose
 * declared indexes changed are rebuilt at open (postgres.ts).
 *
 * Migrations run in one transaction under a session advisory lock, so replicas starting together
 * apply them once; a database whose version is newer than this release knows is refused.
 */
import type { PoolClient } from 'pg';
import { StorageError } from './errors.js';

/** Append, never edit: entry i takes the schema from version i to version i + 1. */
export const PG_MIGRATIONS: readonly string[] = [
  // Values are JSON text, not jsonb: jsonb would reorder keys, refuse \u0000 and lone surrogate
  // escapes, and renormalise numbers, and the contract promises exact round trips. Ids and index
  // values use the "C" collation, whose byte order over UTF-8 is the contract's code-point order.
  `CREATE TABLE lanyard_records (
     kind text NOT NULL,
     id text COLLATE "C" NOT NULL,
     value text NOT NULL,
     expires_at double precision,
     PRIMARY KEY (kind, id)
   );
   CREATE INDEX lanyard_records_expiry ON lanyard_records (expires_at) WHERE expires_at IS NOT NULL;
   CREATE TABLE lanyard_record_indexes (
     kind text NOT NULL,
     id text COLLATE "C" NOT NULL,
     index_name text NOT NULL,
     value text COLLATE "C" NOT NULL,
     is_unique boolean NOT NULL,
     PRIMARY KEY (kind, id, index_name, value),
     FOREIGN KEY (kind, id) REFERENCES lanyard_records (kind, id) ON DELETE CASCADE
   );
   CREATE INDEX lanyard_record_indexes_lookup ON lanyard_record_indexes (kind, index_name, value);
   CREATE UNIQUE INDEX lanyard_record_indexes_unique ON lanyard_record_indexes (kind, index_name, value) WHERE is_unique;
   CREATE TABLE lanyard_meta (key text PRIMARY KEY, value text NOT NULL);`,
];

/** Key of the advisory lock that serialises migrations (any constant unlikely to clash). */
const MIGRATION_LOCK = 0x4c414e59; // "LANY"

export class SchemaTooNewError extends StorageError {
  override name = 'SchemaTooNewError';
  constructor(
    readonly found: number,
    readonly known: number,
  ) {
    super(
      `the database schema is at version ${found}, newer than this release of Lanyard knows (${known}); ` +
        'another replica runs a newer release: upgrade this one, or restore a backup to downgrade',
    );
  }
}

export class SchemaTooOldError extends StorageError {
  override name = 'SchemaTooOldError';
  constructor(
    readonly found: number,
    readonly known: number,
  ) {
    super(`the database schema is at version ${found}; this release needs version ${known}: run \`lanyard operator migrate\``);
  }
}

/** The version recorded in the schema, 0 for an empty schema. */
export async function schemaVersion(client: PoolClient): Promise<number> {
  await client.query('CREATE TABLE IF NOT EXISTS lanyard_schema_version (version integer NOT NULL)');
  const { rows } = await client.query<{ version: number }>('SELECT version FROM lanyard_schema_version');
  return rows[0]?.version ?? 0;
}

/**
 * Brings the schema to the current version; resolves to the versions applied (empty when none).
 * `apply: false` only checks, refusing an old schema with SchemaTooOldError.
 */
export async function migrate(client: PoolClient, apply = true): Promise<{ from: number; to: number }> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    await client.query('BEGIN');
    try {
      const from = await schemaVersion(client);
      if (from > PG_MIGRATIONS.length) throw new SchemaTooNewError(from, PG_MIGRATIONS.length);
      if (from < PG_MIGRATIONS.length && !apply) throw new SchemaTooOldError(from, PG_MIGRATIONS.length);
      for (const sql of PG_MIGRATIONS.slice(from)) await client.query(sql);
      if (from === 0) await client.query('INSERT INTO lanyard_schema_version (version) VALUES ($1)', [PG_MIGRATIONS.length]);
      else await client.query('UPDATE lanyard_schema_version SET version = $1', [PG_MIGRATIONS.length]);
      await client.query('COMMIT');
      return { from, to: PG_MIGRATIONS.length };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
  }
}
