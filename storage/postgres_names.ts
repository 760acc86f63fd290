/**
 * What other modules need to know about the PostgreSQL backend without loading it (and its driver,
 * ~15 MB of resident memory that an embedded server never needs): the schema-name rule settings
 * validation applies, and how to recognise the backend behind a Storage.
 */
import type { PostgresStorage } from './postgres.js';
import type { Storage } from './types.js';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Schema names go into `search_path` and DDL, so only plain lowercase identifiers are allowed. */
export function checkSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema)) throw new TypeError(`database schema name ${JSON.stringify(schema)} must match ${SCHEMA_NAME.source}`);
}

export function isPostgresStorage(storage: Storage): storage is PostgresStorage {
  return (storage as { backend?: unknown }).backend === 'postgres';
}
