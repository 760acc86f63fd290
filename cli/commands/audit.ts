/**
 * `lanyard audit enable|disable|list`, as Vault's:
 *
 *   lanyard audit enable file file_path=/var/log/lanyard/audit.log
 *   lanyard audit enable -path=siem -description="to the SIEM" socket address=10.0.0.5:9090 socket_type=tcp
 *   lanyard audit list [-detailed] [-format=json]
 *   lanyard audit disable file
 */
import type { Command } from 'commander';
import { Output } from '../format.js';
import type { CliIo } from '../io.js';
import { usageError } from './cli_error.js';
import { attempt } from './failure.js';
import { connect, outputFor, withConnectionOptions, withOutputOptions, type ConnectionOptions, type OutputOptions } from './options.js';

interface EnableOptions extends ConnectionOptions {
  readonly path?: string;
  readonly description?: string;
  readonly local?: boolean;
}

export function registerAuditCommands(program: Command, io: CliIo): void {
  const audit = program
    .command('audit')
    .summary('enable, disable and list audit devices')
    .description('Manage audit devices (sys/audit): every request and response is written as one JSON line, secrets HMAC’d.');

  const enable = audit
    .command('enable')
    .summary('enable an audit device')
    .description('Enable an audit device of TYPE (file or socket) with its options as KEY=VALUE pairs.')
    .argument('<type>', 'file or socket')
    .argument('[options...]', 'device options, e.g. file_path=/var/log/lanyard/audit.log or address=HOST:PORT')
    .option('--path <path>', 'where to mount the device (default: the type)')
    .option('--description <text>', 'a human-readable description')
    .option('--local', 'mark the device local (kept for Vault compatibility)');
  withConnectionOptions(enable);
  enable.addHelpText('after', '\nExamples:\n  lanyard audit enable file file_path=/var/log/lanyard/audit.log\n  lanyard audit enable -path=siem socket address=127.0.0.1:9090');
  enable.action(async (type: string, pairs: string[], options: EnableOptions) => {
    const deviceOptions: Record<string, string> = {};
    for (const pair of pairs) {
      const at = pair.indexOf('=');
      if (at <= 0) throw usageError(`expected KEY=VALUE, got ${JSON.stringify(pair)}`);
      deviceOptions[pair.slice(0, at)] = pair.slice(at + 1);
    }
    const path = checkedPath(options.path ?? type);
    const client = await connect(options, io);
    const body = { type, description: options.description ?? '', local: options.local ?? false, options: deviceOptions };
    await attempt(client, `enabling audit device ${path}`, () => client.request('PUT', `sys/audit/${path}`, { body }));
    new Output(io, 'table').success(`Enabled the ${type} audit device at: ${path}/`);
  });

  const disable = audit.command('disable').summary('disable an audit device').description('Disable the audit device at PATH.').argument('<path>', 'the device path');
  withConnectionOptions(disable);
  disable.action(async (path: string, options: ConnectionOptions) => {
    const name = checkedPath(path);
    const client = await connect(options, io);
    await attempt(client, `disabling audit device ${name}`, () => client.request('DELETE', `sys/audit/${name}`));
    new Output(io, 'table').success(`Disabled audit device (if it was enabled) at: ${name}/`);
  });

  const list = audit.command('list').summary('list audit devices').description('List the enabled audit devices.').option('--detailed', 'show the options too');
  withOutputOptions(list, { field: false });
  withConnectionOptions(list);
  list.action(async (options: ConnectionOptions & OutputOptions & { detailed?: boolean }) => {
    const out = outputFor(options, io);
    const client = await connect(options, io);
    const response = await attempt(client, 'listing audit devices', () => client.request('GET', 'sys/audit'));
    const data = (response.envelope?.data ?? {}) as Record<string, { type: string; description: string; options: Record<string, string> }>;
    if (out.format === 'json') {
      out.json(data);
      return;
    }
    const paths = Object.keys(data).sort();
    if (paths.length === 0) {
      out.line('No audit devices are enabled.');
      return;
    }
    const rows = paths.map((path) => {
      const device = data[path] as { type: string; description: string; options: Record<string, string> };
      const shown = [path, device.type, device.description];
      if (options.detailed) shown.push(Object.entries(device.options).map(([k, v]) => `${k}=${v}`).join(' '));
      return shown;
    });
    const header = options.detailed ? ['Path', 'Type', 'Description', 'Options'] : ['Path', 'Type', 'Description'];
    const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
    const render = (cells: readonly string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('    ').trimEnd();
    out.line(render(header));
    out.line(render(widths.map((w) => '-'.repeat(w))));
    for (const row of rows) out.line(render(row));
  });
}

function checkedPath(path: string): string {
  const name = path.replace(/\/+$/, '');
  if (!/^\w(?:[\w.-]*\w)?$/.test(name)) throw usageError(`invalid audit device path ${JSON.stringify(path)}`);
  return name;
}
