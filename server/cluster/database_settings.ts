/**
 * The settings of the PostgreSQL backend (`--storage postgres`), parsed apart from config.ts so the
 * shared configuration file only gains a few lines. Validation problems join config.ts's list.
 */
import { checkSchemaName } from '../../storage/postgres_names.js';
import { parseDurationSeconds } from '../util/duration.js';

export const DATABASE_SETTINGS = {
  storage: 'embedded | postgres (default embedded: lowdb + SQLite in --data-dir; postgres: every replica on one database)',
  'database-url':
    'PostgreSQL URL for --storage postgres, e.g. postgres://lanyard:…@db:5432/lanyard?sslmode=verify-full&sslrootcert=/etc/ssl/db-ca.pem',
  'database-schema': 'PostgreSQL schema holding Lanyard\'s tables (default public)',
  'database-pool-size': 'connections per replica (default 10)',
  'database-statement-timeout': 'longest a database statement may run, e.g. 5s (default 5s; 0 disables)',
  'database-migrate': 'apply pending schema migrations at start (default true; false: refuse to start until `lanyard operator migrate`)',
  'seal-key': 'the seal key itself, base64 (use the environment variable LANYARD_SEAL_KEY, not the flag); instead of --seal-key-file',
} as const;

export type DatabaseSettingName = keyof typeof DATABASE_SETTINGS;

export interface DatabaseConfig {
  readonly url: string;
  readonly schema: string;
  readonly poolSize: number;
  readonly statementTimeoutMs: number;
  readonly migrate: boolean;
}

export interface ClusterSettings {
  readonly storage: 'embedded' | 'postgres';
  /** Set with `storage: 'postgres'`. */
  readonly database: DatabaseConfig | undefined;
  /** The seal key given inline (base64), when not in a file. */
  readonly sealKey: string | undefined;
}

export function parseClusterSettings(raw: Partial<Record<string, unknown>>, problems: string[]): ClusterSettings {
  const text = (name: DatabaseSettingName): string | undefined => {
    const value = raw[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.trim() === '') {
      problems.push(`${name}: expected a non-empty string`);
      return undefined;
    }
    return value.trim();
  };
  const storageText = (text('storage') ?? 'embedded').toLowerCase();
  if (storageText !== 'embedded' && storageText !== 'postgres') problems.push(`storage: expected embedded or postgres, got ${JSON.stringify(raw.storage)}`);
  const storage = storageText === 'postgres' ? 'postgres' : 'embedded';
  const sealKey = text('seal-key');
  if (sealKey !== undefined && Buffer.from(sealKey, 'base64').length !== 32) problems.push('seal-key: expected 32 bytes in base64 (as in a seal key file)');
  if (sealKey !== undefined && raw['seal-key-file'] !== undefined) problems.push('seal-key: give either seal-key or seal-key-file, not both');

  const url = text('database-url');
  if (storage !== 'postgres') {
    for (const name of ['database-url', 'database-schema', 'database-pool-size', 'database-statement-timeout', 'database-migrate'] as const) {
      if (raw[name] !== undefined) problems.push(`${name}: only used with storage postgres`);
    }
    return { storage, database: undefined, sealKey };
  }
  if (url === undefined) problems.push('database-url: required with storage postgres (flag --database-url or LANYARD_DATABASE_URL)');
  else if (!/^postgres(ql)?:\/\//i.test(url) || !URL.canParse(url)) problems.push('database-url: expected a postgres:// or postgresql:// URL');
  if (sealKey === undefined && raw['seal-key-file'] === undefined) {
    problems.push('seal-key-file: required with storage postgres, the same key on every replica (or LANYARD_SEAL_KEY)');
  }
  const schema = text('database-schema') ?? 'public';
  try {
    checkSchemaName(schema);
  } catch (error) {
    problems.push(`database-schema: ${(error as Error).message}`);
  }
  const poolText = raw['database-pool-size'];
  const poolSize = poolText === undefined ? 10 : Number(poolText);
  if (!Number.isSafeInteger(poolSize) || poolSize < 2 || poolSize > 1000) problems.push('database-pool-size: expected a whole number from 2 to 1000');
  let statementTimeoutMs = 5000;
  if (raw['database-statement-timeout'] !== undefined) {
    const seconds = parseDurationSeconds(raw['database-statement-timeout']);
    if (typeof seconds === 'string') problems.push(`database-statement-timeout: ${seconds}`);
    else statementTimeoutMs = seconds * 1000;
  }
  const migrateValue = raw['database-migrate'];
  let migrate = true;
  if (migrateValue !== undefined) {
    if (migrateValue === false || (typeof migrateValue === 'string' && /^(false|0|no)$/i.test(migrateValue))) migrate = false;
    else if (!(migrateValue === true || (typeof migrateValue === 'string' && /^(true|1|yes)$/i.test(migrateValue)))) {
      problems.push(`database-migrate: expected true or false, got ${JSON.stringify(migrateValue)}`);
    }
  }
  return { storage, database: { url: url ?? '', schema, poolSize, statementTimeoutMs, migrate }, sealKey };
}
