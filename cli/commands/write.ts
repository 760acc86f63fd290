/** `lanyard write PATH [k=v …]`: send data to a path (PUT) and show any answer. */
import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { terminalQr, TOTP_GENERATE_PATH } from '../qr.js';
import { apiPath } from './api_path.js';
import { usageError } from './cli_error.js';
import { attempt } from './failure.js';
import { stdinOnce } from './input.js';
import { parseKeyValues } from './kv_args.js';
import { connect, outputFor, withConnectionOptions, withOutputOptions, type ConnectionOptions, type OutputOptions } from './options.js';

interface WriteOptions extends ConnectionOptions, OutputOptions {
  readonly force?: boolean;
}

export function registerWriteCommand(program: Command, io: CliIo): void {
  const command = program
    .command('write')
    .summary('write data to a path')
    .description('Write data to Lanyard at PATH (an HTTP PUT on /v1/PATH with a JSON body built from the arguments).')
    .argument('<path>', 'API path, e.g. sys/policies/acl/readers')
    .argument('[data...]', 'key=value, key=@FILE (value from a file), key=- (value from stdin), - (JSON object from stdin), @FILE (JSON object from a file)')
    .option('-f, --force', 'write even with no data');
  withOutputOptions(command);
  withConnectionOptions(command);
  command.addHelpText(
    'after',
    `
A key given more than once becomes a list: policies=a policies=b sends {"policies":["a","b"]}.
When the server answers with data it is shown like 'lanyard read'; otherwise a success line.

Examples:
  lanyard write sys/policies/acl/readers policy=@readers.hcl
  echo '{"policies":["readers"]}' | lanyard write auth/token/create -
  lanyard write auth/token/create policies=readers ttl=1h -format=json`,
  );
  command.action(async (rawPath: string, args: string[], options: WriteOptions) => {
    const path = apiPath(rawPath);
    const out = outputFor(options, io);
    const data = await parseKeyValues(args, stdinOnce(io));
    if (Object.keys(data).length === 0 && !options.force) throw usageError('must supply data, or use -force to write nothing');
    const client = await connect(options, io);
    const response = await attempt(client, `writing data to ${path}`, () => client.request('PUT', path, { body: data }));
    const envelope = response.envelope;
    if (envelope && (envelope.data || envelope.auth)) {
      const url = envelope.data?.url;
      if (TOTP_GENERATE_PATH.test(path) && typeof url === 'string' && out.format !== 'json' && options.field === undefined) {
        out.line(await terminalQr(url));
      }
      out.show({ json: response.body, envelope }, { field: options.field });
      return;
    }
    out.warnings(envelope?.warnings);
    out.success(`Data written to: ${path}`);
  });
}
