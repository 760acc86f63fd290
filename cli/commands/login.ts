/**
 * `lanyard login`: get a token (by the chosen method), show it, and keep it in the token file so
 * later commands use it. The methods live in login_methods.ts.
 */
import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { tokenFilePath, writeTokenFile } from '../token_helper.js';
import { CliError, usageError } from './cli_error.js';
import { LOGIN_METHODS } from './login_methods.js';
import { connect, outputFor, withConnectionOptions, withOutputOptions, type ConnectionOptions, type OutputOptions } from './options.js';

interface LoginOptions extends ConnectionOptions, OutputOptions {
  readonly method: string;
  readonly path?: string;
  readonly store: boolean;
  readonly mfa?: string;
}

export function registerLoginCommand(program: Command, io: CliIo): void {
  const command = program
    .command('login')
    .summary('authenticate and store the token')
    .description(
      'Authenticate with Lanyard and store the token in the token file (~/.lanyard-token, or LANYARD_TOKEN_FILE) ' +
        'for later commands. With -method=token (the default) the TOKEN is checked and stored.',
    )
    .argument('[args...]', 'TOKEN for -method=token; key=value pairs for other methods')
    .option('--method <name>', `how to log in: ${Object.keys(LOGIN_METHODS).join(', ')}`, 'token')
    .option('--path <mount>', 'the auth mount path (default: the method name)')
    .option('--no-store', 'do not store the token; only show it')
    .option('--mfa <code>', 'the MFA passcode, when login enforcements require one (asked for on a terminal otherwise)');
  withOutputOptions(command);
  withConnectionOptions(command, { token: false });
  command.addHelpText(
    'after',
    `
Without password= on a terminal, the password is asked for without echo. Without a terminal (CI),
pass password=- to read it from stdin.

Examples:
  lanyard login lys.AbCdEf…
  lanyard login -method=userpass username=alice
  printf %s "$PASSWORD" | lanyard login -method=userpass username=ci password=-
  TOKEN=$(lanyard login -method=userpass -no-store -field=token username=alice)

Methods:
${Object.values(LOGIN_METHODS)
  .map((method) => `  ${method.usage}`)
  .join('\n')}`,
  );
  command.action(async (args: string[], options: LoginOptions) => {
    const method = Object.hasOwn(LOGIN_METHODS, options.method) ? LOGIN_METHODS[options.method] : undefined;
    if (!method) {
      throw usageError(`unknown login method ${JSON.stringify(options.method)}: known methods are ${Object.keys(LOGIN_METHODS).join(', ')}`);
    }
    const out = outputFor(options, io);
    const client = await connect(options, io, { withToken: false });
    const result = await method.login({ client, args, mount: options.path ?? options.method, io, ...(options.mfa !== undefined ? { mfa: options.mfa } : {}) });

    const file = tokenFilePath(io.env);
    if (options.store) {
      try {
        await writeTokenFile(file, result.token);
      } catch (err) {
        const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        throw new CliError(`Error: logged in, but the token could not be stored in ${file}: ${reason}`);
      }
    }
    if (options.field !== undefined || out.format === 'json') {
      out.show(result.shown, { field: options.field });
      return;
    }
    out.success(
      options.store
        ? `You are now authenticated. The token below is stored in ${file}; later lanyard commands use it, no need to log in again until it expires.`
        : 'You are now authenticated. The token below is NOT stored: give it to later commands with LANYARD_TOKEN or -token.',
    );
    out.line('');
    out.show(result.shown);
    const shadowing = ['LANYARD_TOKEN', 'VAULT_TOKEN'].find((name) => io.env[name] !== undefined && io.env[name] !== '');
    if (options.store && shadowing) {
      out.note(`\nWARNING! ${shadowing} is set and takes precedence over the stored token; unset it to use this login.`);
    }
  });
}
