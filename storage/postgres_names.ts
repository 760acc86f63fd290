/**
 * What other modules need to know about the PostgreSQL backend without loading it (and its driver,
 * ~15 MB of resident memory that an embedded server never needs): the schema-name rule settings
 * validation applies, the change channel, and how to recognise the backend behind a Storage.
 */
import type { Storage } from './types.js';

/** The NOTIFY channel; the payload names the schema, so schemas sharing a database stay apart. */
export const CHANGE_CHANNEL = 'lanyard_changes';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Schema names go into `search_path` and DDL, so only plain lowercase identifiers are allowed. */
export function checkSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema)) throw new TypeError(`database schema name ${JSON.stringify(schema)} must match ${SCHEMA_NAME.source}`);
}

export interface PostgresStats {
  readonly pool: { readonly total: number; readonly idle: number; readonly waiting: number };
  readonly listening: boolean | undefined;
  readonly notification_queue_usage: number;
}

/** What `GET /v1/sys/storage` reads of the backend. */
export interface PostgresBackend {
  readonly backend: 'postgres';
  readonly schemaName: string;
  stats(): Promise<PostgresStats>;
}

export function isPostgresStorage(storage: Storage): storage is Storage & PostgresBackend {
  return (storage as { backend?: unknown }).backend === 'postgres';
}
