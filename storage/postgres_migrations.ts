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
  // One round trip per write: the unique-value check, the record, its index rows and the change
  // notification in one server-side call. Returns NULL when written, 'exists' when `create` found
  // a live record, or 'index:<name>' when another live record holds a unique value; nothing is
  // written in those cases. A concurrent writer's clash surfaces as unique_violation (retried).
  `CREATE FUNCTION lanyard_write(
     p_kind text, p_id text, p_value text, p_expires double precision, p_mode text, p_now double precision,
     p_index_names text[], p_index_values text[], p_unique boolean[], p_notify text
   ) RETURNS text LANGUAGE plpgsql AS $fn$
   DECLARE
     existing record;
     clash record;
     fresh boolean := false;
   BEGIN
     IF p_mode = 'create' THEN
       SELECT expires_at INTO existing FROM lanyard_records WHERE kind = p_kind AND id = p_id FOR UPDATE;
       IF FOUND AND (existing.expires_at IS NULL OR existing.expires_at > p_now) THEN
         RETURN 'exists';
       END IF;
       fresh := NOT FOUND;
     END IF;
     FOR clash IN
       SELECT r.id, i.index_name, r.expires_at FROM lanyard_record_indexes i
       JOIN lanyard_records r ON r.kind = i.kind AND r.id = i.id
       JOIN unnest(p_index_names, p_index_values, p_unique) AS w(index_name, value, is_unique)
         ON w.is_unique AND w.index_name = i.index_name AND w.value = i.value
       WHERE i.kind = p_kind AND i.is_unique AND r.id <> p_id
       ORDER BY r.id
       FOR UPDATE OF r
     LOOP
       IF clash.expires_at IS NULL OR clash.expires_at > p_now THEN
         RETURN 'index:' || clash.index_name;
       END IF;
       DELETE FROM lanyard_records WHERE kind = p_kind AND id = clash.id;
     END LOOP;
     IF fresh THEN
       INSERT INTO lanyard_records (kind, id, value, expires_at) VALUES (p_kind, p_id, p_value, p_expires);
     ELSE
       INSERT INTO lanyard_records (kind, id, value, expires_at) VALUES (p_kind, p_id, p_value, p_expires)
         ON CONFLICT (kind, id) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at;
       DELETE FROM lanyard_record_indexes WHERE kind = p_kind AND id = p_id;
     END IF;
     INSERT INTO lanyard_record_indexes (kind, id, index_name, value, is_unique)
       SELECT p_kind, p_id, w.index_name, w.value, w.is_unique FROM unnest(p_index_names, p_index_values, p_unique) AS w(index_name, value, is_unique);
     IF p_notify IS NOT NULL THEN
       PERFORM pg_notify('lanyard_changes', p_notify);
     END IF;
     RETURN NULL;
   END
   $fn$;`,
  // The unique-value check of version 2 joined the index table with the wanted values, and
  // PL/pgSQL's generic plan read every unique index row of the kind to do it: a token write cost
  // time linear in the number of live tokens (5 ms at 400 tokens, 120 ms at 1,300). Looking up
  // each wanted value on its own uses the unique index, so a write costs the same at any size.
  `CREATE OR REPLACE FUNCTION lanyard_write(
     p_kind text, p_id text, p_value text, p_expires double precision, p_mode text, p_now double precision,
     p_index_names text[], p_index_values text[], p_unique boolean[], p_notify text
   ) RETURNS text LANGUAGE plpgsql AS $fn$
   DECLARE
     existing record;
     clash record;
     fresh boolean := false;
   BEGIN
     IF p_mode = 'create' THEN
       SELECT expires_at INTO existing FROM lanyard_records WHERE kind = p_kind AND id = p_id FOR UPDATE;
       IF FOUND AND (existing.expires_at IS NULL OR existing.expires_at > p_now) THEN
         RETURN 'exists';
       END IF;
       fresh := NOT FOUND;
     END IF;
     FOR k IN 1 .. coalesce(array_length(p_index_names, 1), 0) LOOP
       CONTINUE WHEN NOT p_unique[k];
       FOR clash IN
         SELECT r.id, r.expires_at FROM lanyard_record_indexes i
         JOIN lanyard_records r ON r.kind = i.kind AND r.id = i.id
         WHERE i.kind = p_kind AND i.is_unique AND i.index_name = p_index_names[k] AND i.value = p_index_values[k] AND i.id <> p_id
         FOR UPDATE OF r
       LOOP
         IF clash.expires_at IS NULL OR clash.expires_at > p_now THEN
           RETURN 'index:' || p_index_names[k];
         END IF;
         DELETE FROM lanyard_records WHERE kind = p_kind AND id = clash.id;
       END LOOP;
     END LOOP;
     IF fresh THEN
       INSERT INTO lanyard_records (kind, id, value, expires_at) VALUES (p_kind, p_id, p_value, p_expires);
     ELSE
       INSERT INTO lanyard_records (kind, id, value, expires_at) VALUES (p_kind, p_id, p_value, p_expires)
         ON CONFLICT (kind, id) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at;
       DELETE FROM lanyard_record_indexes WHERE kind = p_kind AND id = p_id;
     END IF;
     INSERT INTO lanyard_record_indexes (kind, id, index_name, value, is_unique)
       SELECT p_kind, p_id, w.index_name, w.value, w.is_unique FROM unnest(p_index_names, p_index_values, p_unique) AS w(index_name, value, is_unique);
     IF p_notify IS NOT NULL THEN
       PERFORM pg_notify('lanyard_changes', p_notify);
     END IF;
     RETURN NULL;
   END
   $fn$;`,
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
