/** `lanyard list PATH`: the keys under a path (GET PATH/?list=true). */
import type { Command } from 'commander';
import { ApiError } from '../http/errors.js';
import type { CliIo } from '../io.js';
import { apiPath } from './api_path.js';
import { CliError } from './cli_error.js';
import { explainFailure, noValueFound } from './failure.js';
import { connect, outputFor, withConnectionOptions, withOutputOptions, type ConnectionOptions, type OutputOptions } from './options.js';

export function registerListCommand(program: Command, io: CliIo): void {
  const command = program
    .command('list')
    .summary('list the keys under a path')
    .description('List the keys under PATH (an HTTP GET on /v1/PATH/?list=true).')
    .argument('<path>', 'API path, e.g. sys/policies/acl');
  withOutputOptions(command, { field: false });
  withConnectionOptions(command);
  command.addHelpText(
    'after',
    `
An empty or missing path prints "No value found at PATH/" (with -format=json: []) and exits 2, as
Vault does.

Examples:
  lanyard list sys/policies/acl
  lanyard list -format=json identity/oidc/client`,
  );
  command.action(async (rawPath: string, options: ConnectionOptions & OutputOptions) => {
    const path = `${apiPath(rawPath).replace(/\/+$/, '')}/`;
    const out = outputFor(options, io);
    const client = await connect(options, io);
    let keys: string[];
    try {
      keys = await client.list(path);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) throw noValueFound(path, err);
      throw explainFailure(err, `listing ${path}`, client);
    }
    if (keys.length === 0) {
      if (out.format === 'json') {
        out.list([]);
        throw new CliError('');
      }
      throw noValueFound(path);
    }
    out.list(keys);
  });
}
