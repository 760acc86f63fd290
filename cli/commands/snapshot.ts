/**
 * `lanyard operator snapshot save FILE` and `restore FILE` against a running server (as Vault's
 * `operator raft snapshot`): save writes the server's snapshot to FILE (mode 0600, through a
 * temporary file so a failed save leaves no partial file); restore sends FILE back and the server
 * goes on with its content. Both need a token with sudo on sys/storage/snapshot.
 */
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { Output } from '../format.js';
import type { CliIo } from '../io.js';
import { CliError } from './cli_error.js';
import { attempt } from './failure.js';
import { readFileArgument } from './input.js';
import { connect, withConnectionOptions, type ConnectionOptions } from './options.js';

const PATH = 'sys/storage/snapshot';

export function registerSnapshotCommands(program: Command, io: CliIo): void {
  const operator = program.commands.find((command) => command.name() === 'operator') ?? program.command('operator');
  const snapshot = operator
    .command('snapshot')
    .summary('save and restore snapshots of the store')
    .description('Save the store of a running server to a file, or restore one into it. Secrets in the file stay sealed: restoring needs the same seal key.');

  const save = snapshot.command('save').summary('save a snapshot to FILE').argument('<file>', 'where to write the snapshot');
  withConnectionOptions(save);
  save.addHelpText('after', '\nExamples:\n  lanyard operator snapshot save lanyard-$(date +%F).snap');
  save.action(async (file: string, options: ConnectionOptions) => {
    const client = await connect(options, io);
    const response = await attempt(client, 'saving a snapshot', () => client.request('GET', PATH));
    const text = JSON.stringify(response.body);
    const temporary = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(temporary, text, { mode: 0o600, flag: 'wx' });
      await rename(temporary, file);
    } catch (error) {
      await rm(temporary, { force: true });
      throw new CliError(`Error writing snapshot to ${file}: ${(error as Error).message}`);
    }
    new Output(io, 'table').success(`Saved snapshot to: ${file}`);
  });

  const restore = snapshot.command('restore').summary('restore the snapshot in FILE').argument('<file>', 'a snapshot written by save');
  withConnectionOptions(restore);
  restore.addHelpText('after', '\nExamples:\n  lanyard operator snapshot restore lanyard-2026-12-04.snap');
  restore.action(async (file: string, options: ConnectionOptions) => {
    const text = await readFileArgument(file, 'the snapshot');
    const client = await connect(options, io);
    await attempt(client, 'restoring the snapshot', () => client.request('PUT', PATH, { body: { snapshot: text } }));
    new Output(io, 'table').success(`Restored snapshot from: ${file}`);
  });
}
