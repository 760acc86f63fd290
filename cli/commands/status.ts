/** `lanyard status`: is the server reachable, initialised and its storage usable. */
import type { Command } from 'commander';
import type { LanyardClient } from '../client.js';
import { ApiError } from '../http/errors.js';
import { humanDuration } from '../format.js';
import type { CliIo } from '../io.js';
import { CliError } from './cli_error.js';
import { attempt, explainFailure } from './failure.js';
import { connect, outputFor, withConnectionOptions, withOutputOptions, type ConnectionOptions, type OutputOptions } from './options.js';

interface Health {
  readonly initialized?: boolean;
  readonly sealed?: boolean;
  readonly storage?: string;
  readonly version?: string;
  readonly server_time_utc?: number;
  readonly [field: string]: unknown;
}

export function registerStatusCommand(program: Command, io: CliIo): void {
  const command = program
    .command('status')
    .summary('show whether the server is up, initialised and healthy')
    .description(
      'Show the server status from sys/health and sys/init. Needs no token. Exits 0 when the server is ready, ' +
        '2 when it is not initialised, its storage is unusable, or it cannot be reached.',
    );
  withOutputOptions(command, { field: false });
  withConnectionOptions(command, { token: false });
  command.addHelpText(
    'after',
    `
Examples:
  lanyard status
  lanyard status -format=json
  until lanyard status >/dev/null 2>&1; do sleep 1; done   # wait for a server`,
  );
  command.action(async (options: ConnectionOptions & OutputOptions) => {
    const out = outputFor(options, io);
    const client = await connect(options, io, { withToken: false });
    const health = await readHealth(client);
    const init = health.initialized
      ? await attempt(client, 'reading sys/init', () => client.request('GET', 'sys/init')).then(
          (response) => response.body as { organization_id?: string } | undefined,
        )
      : undefined;
    const status = { address: client.address, ...health, organization_id: init?.organization_id ?? '' };

    if (out.format === 'json') out.json(status);
    else {
      const storageOk = health.storage === undefined ? !health.sealed : health.storage === 'ok';
      const rows: Array<[string, string]> = [
        ['Address', client.address],
        ['Initialized', String(health.initialized ?? false)],
        ['Storage', storageOk ? 'ok' : 'unavailable'],
        ['Version', health.version ?? 'unknown'],
      ];
      if (typeof health.server_time_utc === 'number') {
        const skew = Math.round(Date.now() / 1000) - health.server_time_utc;
        rows.push(['Server Time (UTC)', new Date(health.server_time_utc * 1000).toISOString()]);
        // Token expiry and JWT checks depend on clocks; a visible skew saves a confusing hour.
        if (Math.abs(skew) > 60) rows.push(['Clock Skew', `${skew > 0 ? 'server behind by ' : 'server ahead by '}${humanDuration(Math.abs(skew))}`]);
      }
      if (status.organization_id) rows.push(['Organization ID', status.organization_id]);
      out.table(['Key', 'Value'], rows);
    }

    if (health.sealed || (health.storage !== undefined && health.storage !== 'ok')) {
      throw new CliError("Error: the server's storage is unavailable; see the server log");
    }
    if (!health.initialized) throw new CliError("Lanyard is not initialized: run 'lanyard operator init'");
  });
}

/** sys/health answers 501 or 503 with the same JSON body when not ready; those are answers, not failures. */
async function readHealth(client: LanyardClient): Promise<Health> {
  try {
    return (await client.request('GET', 'sys/health')).body as Health;
  } catch (err) {
    if (err instanceof ApiError && err.body !== null && typeof err.body === 'object' && 'initialized' in err.body) return err.body as Health;
    throw explainFailure(err, 'reading sys/health', client);
  }
}
