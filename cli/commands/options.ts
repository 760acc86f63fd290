/**
 * The options client commands share, defined on each command (Vault puts them on every command,
 * and commander would otherwise let the program swallow them): where the server is, which token to
 * send, and how to print. Values come from the flag, then the environment, then the default.
 */
import type { Command } from 'commander';
import { LanyardClient } from '../client.js';
import { ClientConfigError } from '../http/errors.js';
import { OUTPUT_FORMATS, Output, type OutputFormat } from '../format.js';
import type { CliIo } from '../io.js';
import { readTokenFile, tokenFilePath } from '../token_helper.js';
import { CliError, usageError } from './cli_error.js';

export interface ConnectionOptions {
  readonly address?: string;
  readonly token?: string;
}

export interface OutputOptions {
  readonly format?: string;
  readonly field?: string;
}

const DEFAULT_ADDRESS = 'http://127.0.0.1:8200';

export function withConnectionOptions(command: Command, { token = true }: { token?: boolean } = {}): Command {
  command.option('--address <url>', `server address [env LANYARD_ADDR or VAULT_ADDR; default ${DEFAULT_ADDRESS}]`);
  if (token) command.option('--token <token>', "token to send [env LANYARD_TOKEN or VAULT_TOKEN, else the file 'lanyard login' wrote]");
  return command;
}

export function withOutputOptions(command: Command, { field = true }: { field?: boolean } = {}): Command {
  command.option('--format <format>', 'output format: table or json [env LANYARD_FORMAT or VAULT_FORMAT]');
  if (field) command.option('--field <name>', 'print only this field, raw (strings unquoted, objects as JSON)');
  return command;
}

/** The first set, non-empty value. */
function firstSet(...values: Array<string | undefined>): string | undefined {
  return values.find((value) => value !== undefined && value !== '');
}

export function outputFor(options: OutputOptions, io: CliIo): Output {
  const format = firstSet(options.format, io.env.LANYARD_FORMAT, io.env.VAULT_FORMAT) ?? 'table';
  if (!(OUTPUT_FORMATS as readonly string[]).includes(format)) {
    throw usageError(`unknown format ${JSON.stringify(format)}: use ${OUTPUT_FORMATS.join(' or ')}`);
  }
  if (options.field === '') throw usageError('-field needs a field name');
  return new Output(io, format as OutputFormat);
}

function addressFor(options: ConnectionOptions, io: CliIo): string {
  return firstSet(options.address, io.env.LANYARD_ADDR, io.env.VAULT_ADDR) ?? DEFAULT_ADDRESS;
}

/** Where `tokenFor` takes the token from, in words for hints. */
function tokenSourceOf(options: ConnectionOptions, io: CliIo): string {
  if (options.token !== undefined && options.token !== '') return 'the -token option';
  if (io.env.LANYARD_TOKEN) return 'LANYARD_TOKEN';
  if (io.env.VAULT_TOKEN) return 'VAULT_TOKEN';
  return `the token file ${tokenFilePath(io.env)}`;
}

/** The token to send: -token, LANYARD_TOKEN, VAULT_TOKEN, then the token file. */
async function tokenFor(options: ConnectionOptions, io: CliIo): Promise<string | undefined> {
  const given = firstSet(options.token, io.env.LANYARD_TOKEN, io.env.VAULT_TOKEN);
  if (given !== undefined) return given.trim();
  const path = tokenFilePath(io.env);
  try {
    return await readTokenFile(path);
  } catch (err) {
    throw new CliError(`Error: cannot read the token file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** A client for the command; `withToken: false` for calls that must not carry a token (login, init). */
export async function connect(options: ConnectionOptions, io: CliIo, { withToken = true }: { withToken?: boolean } = {}): Promise<LanyardClient> {
  const address = addressFor(options, io);
  const token = withToken ? await tokenFor(options, io) : undefined;
  try {
    return new LanyardClient({ address, token, tokenSource: withToken ? tokenSourceOf(options, io) : undefined });
  } catch (err) {
    if (err instanceof ClientConfigError) throw new CliError(`Error: ${err.message}`);
    throw err;
  }
}
