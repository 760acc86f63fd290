/**
 * Operator commands that work on storage directly, not through a server:
 *
 *   lanyard operator migrate         apply the PostgreSQL schema migrations (replicas also apply
 *                                    them at start unless --database-migrate=false)
 *   lanyard operator migrate-store   copy an embedded store (lowdb + SQLite in a data dir) into
 *                                    PostgreSQL, for a single node that grows into a cluster
 *
 * Both read the database URL from --database-url or LANYARD_DATABASE_URL.
 */
import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { CliError, usageError } from './cli_error.js';

interface DatabaseOptions {
  databaseUrl?: string;
  databaseSchema?: string;
}

function databaseOf(options: DatabaseOptions, io: CliIo): { url: string; schema: string } {
  const url = options.databaseUrl ?? io.env.LANYARD_DATABASE_URL;
  if (url === undefined || url === '') throw usageError('--database-url (or LANYARD_DATABASE_URL) is required');
  return { url, schema: options.databaseSchema ?? io.env.LANYARD_DATABASE_SCHEMA ?? 'public' };
}

export function registerStorageOperatorCommands(operator: Command, io: CliIo): void {
  const write = (line: string): void => void io.stdout.write(`${line}\n`);

  operator
    .command('migrate')
    .summary('apply the PostgreSQL schema migrations')
    .description(
      'Bring the PostgreSQL schema to the version this release needs. Safe to run while replicas run and from ' +
        'several places at once: migrations run under an advisory lock, once. Refuses a schema newer than this release.',
    )
    .option('--database-url <url>', 'PostgreSQL URL [env LANYARD_DATABASE_URL]')
    .option('--database-schema <name>', 'schema holding Lanyard\'s tables (default public) [env LANYARD_DATABASE_SCHEMA]')
    .addHelpText('after', '\nExamples:\n  LANYARD_DATABASE_URL=postgres://lanyard@db/lanyard lanyard operator migrate')
    .action(async (options: DatabaseOptions) => {
      const { PostgresStorage } = await import('../../storage/postgres.js');
      const database = databaseOf(options, io);
      try {
        const { from, to } = await PostgresStorage.migrateOnly(database);
        write(from === to ? `Schema ${database.schema} is at version ${to}: nothing to do.` : `Schema ${database.schema} migrated from version ${from} to ${to}.`);
      } catch (error) {
        throw new CliError(`Error migrating: ${(error as Error).message}`);
      }
    });

  operator
    .command('migrate-store')
    .summary('copy an embedded store (data dir) into PostgreSQL')
    .description(
      'Copy every record of an embedded store (config.json + state.db in --data-dir) into an empty PostgreSQL schema. ' +
        'Stop the server first. The seal key stays the same: give every replica the data dir\'s seal.key afterwards.',
    )
    .requiredOption('--data-dir <dir>', 'the embedded store to copy')
    .option('--seal-key-file <file>', 'the seal key of that store (default <data-dir>/seal.key)')
    .option('--database-url <url>', 'PostgreSQL URL [env LANYARD_DATABASE_URL]')
    .option('--database-schema <name>', 'schema to copy into (default public) [env LANYARD_DATABASE_SCHEMA]')
    .action(async (options: DatabaseOptions & { dataDir: string; sealKeyFile?: string }) => {
      const { copyEmbeddedStore } = await import('../../server/cluster/migrate_store.js');
      const database = databaseOf(options, io);
      try {
        const copied = await copyEmbeddedStore({ dataDir: options.dataDir, sealKeyFile: options.sealKeyFile, ...database });
        for (const [kind, count] of Object.entries(copied)) if (count > 0) write(`  ${kind}: ${count}`);
        write(`Copied ${Object.values(copied).reduce((a, b) => a + b, 0)} records into schema ${database.schema}.`);
      } catch (error) {
        throw new CliError(`Error copying the store: ${(error as Error).message}`);
      }
    });
}
