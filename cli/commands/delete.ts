/** `lanyard delete PATH`: remove what is at a path (DELETE). */
import type { Command } from 'commander';
import { Output } from '../format.js';
import type { CliIo } from '../io.js';
import { apiPath } from './api_path.js';
import { attempt } from './failure.js';
import { connect, withConnectionOptions, type ConnectionOptions } from './options.js';

export function registerDeleteCommand(program: Command, io: CliIo): void {
  const command = program
    .command('delete')
    .summary('delete what is at a path')
    .description('Delete the data at PATH (an HTTP DELETE on /v1/PATH). Deleting something that does not exist succeeds, as in Vault.')
    .argument('<path>', 'API path, e.g. sys/policies/acl/readers');
  withConnectionOptions(command);
  command.addHelpText(
    'after',
    `
Examples:
  lanyard delete sys/policies/acl/readers
  lanyard delete identity/oidc/client/my-app`,
  );
  command.action(async (rawPath: string, options: ConnectionOptions) => {
    const path = apiPath(rawPath);
    const client = await connect(options, io);
    const response = await attempt(client, `deleting ${path}`, () => client.request('DELETE', path));
    const out = new Output(io, 'table');
    out.warnings(response.envelope?.warnings);
    out.success(`Data deleted (if it existed) at: ${path}`);
  });
}
