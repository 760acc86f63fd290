/** `lanyard read PATH [k=v …]`: GET one path and show the answer. */
import type { Command } from 'commander';
import type { ApiResponse } from '../client.js';
import { ApiError } from '../http/errors.js';
import type { CliIo } from '../io.js';
import { apiPath } from './api_path.js';
import { explainFailure, noValueFound } from './failure.js';
import { parseQueryPairs } from './kv_args.js';
import { connect, outputFor, withConnectionOptions, withOutputOptions, type ConnectionOptions, type OutputOptions } from './options.js';

export function registerReadCommand(program: Command, io: CliIo): void {
  const command = program
    .command('read')
    .summary('read data from a path')
    .description('Read data from Lanyard at PATH (an HTTP GET on /v1/PATH). Extra k=v arguments are sent as query parameters.')
    .argument('<path>', 'API path, e.g. sys/policies/acl/default (a leading / or v1/ is fine)')
    .argument('[params...]', 'query parameters as key=value');
  withOutputOptions(command);
  withConnectionOptions(command);
  command.addHelpText(
    'after',
    `
A path with nothing at it prints "No value found at PATH" and exits 2.

Examples:
  lanyard read sys/policies/acl/default
  lanyard read -format=json identity/oidc/provider/default
  lanyard read -field=policy sys/policies/acl/default > default.hcl
  lanyard read identity/oidc/key/named-key -format=json`,
  );
  command.action(async (rawPath: string, params: string[], options: ConnectionOptions & OutputOptions) => {
    const path = apiPath(rawPath);
    const out = outputFor(options, io);
    const query = parseQueryPairs(params);
    const client = await connect(options, io);
    let response: ApiResponse;
    try {
      response = await client.request('GET', path, { query });
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) throw noValueFound(path, err);
      throw explainFailure(err, `reading ${path}`, client);
    }
    if (!response.envelope) throw noValueFound(path);
    out.show({ json: response.body, envelope: response.envelope }, { field: options.field });
  });
}
