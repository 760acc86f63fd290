/**
 * The whole `lanyard` command line as a function of its arguments and streams, so the binary and
 * the tests run the same code: `cli/main.ts` passes the process's streams, tests pass their own.
 */
import { Command, CommanderError } from 'commander';
import { normaliseArgv } from './argv.js';
import { CliError } from './commands/cli_error.js';
import { registerClientCommands } from './commands/index.js';
import { registerServerCommand } from './commands/server.js';
import { colourEnabled, paint } from './format.js';
import type { CliIo } from './io.js';
import { VERSION } from '../server/version.js';

/** Help is wrapped to the terminal's width, or to this when not on a terminal. */
const HELP_WIDTH = 100;

/** Run one command line (without the program name); resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = new Command('lanyard');
  // Settings first: subcommands copy them when they are created.
  program
    .description('Lanyard: self-hosted OpenID Connect provider and workload identity exchange')
    .version(VERSION)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void io.stdout.write(text),
      writeErr: (text) => void io.stderr.write(text),
      outputError: (text, write) => write(paint(io.stderr, io.env, 'red', text)),
      getOutHelpWidth: () => (io.stdout.isTTY && io.stdout.columns) || HELP_WIDTH,
      getErrHelpWidth: () => (io.stderr.isTTY && io.stderr.columns) || HELP_WIDTH,
      getOutHasColors: () => colourEnabled(io.stdout, io.env),
      getErrHasColors: () => colourEnabled(io.stderr, io.env),
    })
    .showHelpAfterError('(run with --help for usage)')
    .enablePositionalOptions(false)
    .addHelpText(
      'after',
      `
Options may be written with one dash as in Vault's CLI (-format=json) or with two (--format=json),
before or after the path.

Environment:
  LANYARD_ADDR (or VAULT_ADDR)      server address, default http://127.0.0.1:8200
  LANYARD_TOKEN (or VAULT_TOKEN)    token; otherwise the file written by 'lanyard login'
  LANYARD_TOKEN_FILE                where 'lanyard login' keeps the token, default ~/.lanyard-token
  LANYARD_FORMAT (or VAULT_FORMAT)  default output format: table or json

Examples:
  lanyard server --dev
  lanyard login -method=userpass username=alice
  lanyard write sys/policies/acl/readers policy=@readers.hcl
  lanyard read -format=json identity/oidc/provider/default`,
    );

  registerServerCommand(program);
  registerClientCommands(program, io);

  try {
    await program.parseAsync(normaliseArgv(argv), { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    const message = (err as { message?: unknown } | null)?.message;
    const failure = err instanceof CliError ? err : new CliError(`Error: ${typeof message === 'string' ? message : String(err)}`);
    // An empty message: the command already said everything (e.g. `list -format=json` printing []).
    if (failure.message !== '') io.stderr.write(`${paint(io.stderr, io.env, 'red', failure.message)}\n`);
    return failure.exitCode;
  }
}
