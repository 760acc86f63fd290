/** `lanyard operator init`: initialise a fresh server once and show its root token. */
import type { Command } from 'commander';
import { ApiError } from '../http/errors.js';
import type { CliIo } from '../io.js';
import { CliError } from './cli_error.js';
import { explainFailure } from './failure.js';
import { registerStorageOperatorCommands } from './operator_storage.js';
import { connect, outputFor, withConnectionOptions, withOutputOptions, type ConnectionOptions, type OutputOptions } from './options.js';

export function registerOperatorCommands(program: Command, io: CliIo): void {
  const operator = program
    .command('operator')
    .summary('operator tasks (init, snapshot)')
    .description('Tasks for whoever runs the server.')
    .addHelpText('after', '\nExamples:\n  lanyard operator init');

  const init = operator
    .command('init')
    .summary('initialise a new server and print its root token')
    .description(
      'Initialise a Lanyard server that runs without --dev on a fresh data directory: creates the organisation id ' +
        'and the root token. The root token is printed this once; the server keeps only its hash. A second init is refused.',
    );
  withOutputOptions(init, { field: false });
  withConnectionOptions(init, { token: false });
  init.addHelpText(
    'after',
    `
Examples:
  LANYARD_ADDR=https://id.example.com lanyard operator init
  lanyard operator init -format=json > init.json   # {"root_token": "lys.…", "organization_id": "…"}`,
  );
  init.action(async (options: ConnectionOptions & OutputOptions) => {
    const out = outputFor(options, io);
    const client = await connect(options, io, { withToken: false });
    let body: unknown;
    try {
      body = (await client.request('PUT', 'sys/init', { body: {} })).body;
    } catch (err) {
      if (err instanceof ApiError && err.errors.some((line) => /already initiali[sz]ed/i.test(line))) {
        throw new CliError(
          `Error: Lanyard at ${client.address} is already initialized${alreadyInitializedDetail(err.errors)}. ` +
            'The root token was shown once, by the first init; it cannot be shown again.',
        );
      }
      throw explainFailure(err, 'initializing', client);
    }
    const answer = body as { root_token?: unknown; organization_id?: unknown } | undefined;
    if (typeof answer?.root_token !== 'string') throw new CliError('Error initializing: the server answered without a root token');
    if (out.format === 'json') {
      out.json(body);
      return;
    }
    out.line(`Root Token: ${answer.root_token}`);
    out.line(`Organization ID: ${String(answer.organization_id ?? '')}`);
    out.line('');
    out.line('Store the root token somewhere safe now (a password manager or secrets store): it is not shown again and the server keeps only its hash.');
  });

  registerStorageOperatorCommands(operator, io);
}

/** The server's reason beyond "already initialized" (e.g. dev mode), without repeating it. */
function alreadyInitializedDetail(errors: readonly string[]): string {
  const extra = errors.map((line) => /\(([^)]*)\)\s*$/.exec(line)?.[1]).filter((line): line is string => line !== undefined);
  return extra.length > 0 ? ` (${extra.join('; ')})` : '';
}
