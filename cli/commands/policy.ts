/** `lanyard policy write|read|list|delete`: ACL policies at sys/policies/acl/NAME. */
import type { Command } from 'commander';
import { ApiError } from '../http/errors.js';
import { Output } from '../format.js';
import type { CliIo } from '../io.js';
import { CliError, usageError } from './cli_error.js';
import { attempt, explainFailure } from './failure.js';
import { readFileArgument, readStdin } from './input.js';
import { connect, outputFor, withConnectionOptions, withOutputOptions, type ConnectionOptions, type OutputOptions } from './options.js';

export function registerPolicyCommands(program: Command, io: CliIo): void {
  const policy = program
    .command('policy')
    .summary('write, read, list and delete ACL policies')
    .description('Manage ACL policies (HCL or JSON, Vault syntax) at sys/policies/acl/NAME.')
    .addHelpText(
      'after',
      `
Examples:
  lanyard policy write readers readers.hcl
  lanyard policy list`,
    );

  const write = policy
    .command('write')
    .summary('create or replace a policy')
    .description('Create or replace the policy NAME with the rules in FILE, or on stdin when FILE is -.')
    .argument('<name>', 'policy name')
    .argument('<file>', 'file with the rules (HCL or JSON), or - for stdin');
  withConnectionOptions(write);
  write.addHelpText(
    'after',
    `
Examples:
  lanyard policy write readers readers.hcl
  echo 'path "identity/oidc/*" { capabilities = ["read", "list"] }' | lanyard policy write readers -`,
  );
  write.action(async (name: string, file: string, options: ConnectionOptions) => {
    const policyName = checkedName(name);
    const text = file === '-' ? await readStdin(io) : await readFileArgument(file, 'the policy');
    const client = await connect(options, io);
    const path = `sys/policies/acl/${policyName}`;
    const response = await attempt(client, `writing policy ${policyName}`, () => client.request('PUT', path, { body: { policy: text } }));
    const out = new Output(io, 'table');
    out.warnings(response.envelope?.warnings);
    out.success(`Uploaded policy: ${policyName}`);
  });

  const read = policy
    .command('read')
    .summary('show a policy')
    .description('Print the rules of the policy NAME (with -format=json, the whole response).')
    .argument('<name>', 'policy name');
  withOutputOptions(read, { field: false });
  withConnectionOptions(read);
  read.addHelpText('after', '\nExamples:\n  lanyard policy read default\n  lanyard policy read readers > readers.hcl');
  read.action(async (name: string, options: ConnectionOptions & OutputOptions) => {
    const policyName = checkedName(name);
    const out = outputFor(options, io);
    const client = await connect(options, io);
    let response;
    try {
      response = await client.request('GET', `sys/policies/acl/${policyName}`);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) throw new CliError(`Error: No policy named: ${policyName}`);
      throw explainFailure(err, `reading policy ${policyName}`, client);
    }
    if (out.format === 'json') {
      out.json(response.body);
      return;
    }
    const rules = response.envelope?.data?.policy;
    if (typeof rules !== 'string') throw new CliError(`Error: the server's answer for policy ${policyName} has no rules`);
    out.line(rules.trimEnd());
  });

  const list = policy.command('list').summary('list policy names').description('List the names of all ACL policies.');
  withOutputOptions(list, { field: false });
  withConnectionOptions(list);
  list.addHelpText('after', '\nExamples:\n  lanyard policy list\n  lanyard policy list -format=json');
  list.action(async (options: ConnectionOptions & OutputOptions) => {
    const out = outputFor(options, io);
    const client = await connect(options, io);
    const names = await attempt(client, 'listing policies', () => client.list('sys/policies/acl'));
    if (out.format === 'json') out.json(names);
    else for (const name of names) out.line(name);
  });

  const remove = policy
    .command('delete')
    .summary('delete a policy')
    .description('Delete the policy NAME. Tokens that carry it lose its rules at once. Deleting a missing policy succeeds.')
    .argument('<name>', 'policy name');
  withConnectionOptions(remove);
  remove.addHelpText('after', '\nExamples:\n  lanyard policy delete readers');
  remove.action(async (name: string, options: ConnectionOptions) => {
    const policyName = checkedName(name);
    const client = await connect(options, io);
    const response = await attempt(client, `deleting policy ${policyName}`, () => client.request('DELETE', `sys/policies/acl/${policyName}`));
    const out = new Output(io, 'table');
    out.warnings(response.envelope?.warnings);
    out.success(`Deleted policy: ${policyName}`);
  });
}

/** A name is one path segment; a slash would address some other path. */
function checkedName(name: string): string {
  if (name.trim() === '' || name.includes('/')) throw usageError(`invalid policy name ${JSON.stringify(name)}`);
  return name;
}
