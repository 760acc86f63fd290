/**
 * `lanyard token lookup|renew|revoke|create`: Vault's token commands over `auth/token/*`.
 * Only `create` shows a token; lookup and renew describe one without printing it.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { Envelope } from '../client.js';
import { Output, type Shown } from '../format.js';
import type { CliIo } from '../io.js';
import { usageError } from './cli_error.js';
import { attempt } from './failure.js';
import { connect, outputFor, withConnectionOptions, withOutputOptions, type ConnectionOptions, type OutputOptions } from './options.js';

type Options = ConnectionOptions & OutputOptions;

export function registerTokenCommands(program: Command, io: CliIo): void {
  const token = program
    .command('token')
    .summary('create, look up, renew and revoke tokens')
    .description('Work with Lanyard tokens (the auth/token API).')
    .addHelpText(
      'after',
      `
Examples:
  lanyard token lookup
  lanyard token create -policy=readers -ttl=1h
  lanyard token renew -increment=30m
  lanyard token revoke -self`,
    );
  registerLookup(token, io);
  registerRenew(token, io);
  registerRevoke(token, io);
  registerCreate(token, io);
}

function registerLookup(parent: Command, io: CliIo): void {
  const command = parent
    .command('lookup')
    .summary('show the properties of a token')
    .description('Show a token\'s properties: policies, TTL, uses, metadata. Without TOKEN, the token in use. The token itself is not printed.')
    .argument('[token]', 'the token (or its accessor, with -accessor) to look up')
    .option('--accessor', 'TOKEN is an accessor');
  withOutputOptions(command);
  withConnectionOptions(command);
  command.addHelpText(
    'after',
    `
Examples:
  lanyard token lookup
  lanyard token lookup -accessor 9BJ3yXf2Lq0Z
  lanyard token lookup -format=json | jq .data.policies`,
  );
  command.action(async (subject: string | undefined, options: Options & { accessor?: boolean }) => {
    if (options.accessor && subject === undefined) throw usageError('-accessor needs the accessor as the argument');
    const out = outputFor(options, io);
    const client = await connect(options, io);
    const response = await attempt(client, 'looking up the token', () =>
      subject === undefined
        ? client.request('GET', 'auth/token/lookup-self')
        : options.accessor
          ? client.request('POST', 'auth/token/lookup-accessor', { body: { accessor: subject } })
          : client.request('POST', 'auth/token/lookup', { body: { token: subject } }),
    );
    out.show(withoutTokenId({ json: response.body, envelope: response.envelope ?? {} }), { field: options.field });
  });
}

function registerRenew(parent: Command, io: CliIo): void {
  const command = parent
    .command('renew')
    .summary("extend a token's lease")
    .description('Renew a token (without TOKEN, the token in use) by -increment, or by its TTL. The token itself is not printed.')
    .argument('[token]', 'the token to renew')
    .option('--increment <duration>', 'requested extension, e.g. 30m or 3600 (the server caps it at the max TTL)');
  withOutputOptions(command);
  withConnectionOptions(command);
  command.addHelpText(
    'after',
    `
Examples:
  lanyard token renew
  lanyard token renew -increment=1h`,
  );
  command.action(async (subject: string | undefined, options: Options & { increment?: string }) => {
    const out = outputFor(options, io);
    const client = await connect(options, io);
    const increment = options.increment === undefined ? {} : { increment: options.increment };
    const response = await attempt(client, 'renewing the token', () =>
      subject === undefined
        ? client.request('PUT', 'auth/token/renew-self', { body: increment })
        : client.request('PUT', 'auth/token/renew', { body: { token: subject, ...increment } }),
    );
    out.show({ json: response.body, envelope: response.envelope ?? {} }, { field: options.field, showToken: false });
  });
}

function registerRevoke(parent: Command, io: CliIo): void {
  const command = parent
    .command('revoke')
    .summary('revoke a token')
    .description('Revoke a token (and the tokens created from it). Give TOKEN, an accessor with -accessor, or -self for the token in use.')
    .argument('[token]', 'the token (or accessor) to revoke')
    .option('--self', 'revoke the token in use')
    .option('--accessor', 'TOKEN is an accessor');
  withConnectionOptions(command);
  command.addHelpText(
    'after',
    `
Examples:
  lanyard token revoke -self
  lanyard token revoke -accessor 9BJ3yXf2Lq0Z`,
  );
  command.action(async (subject: string | undefined, options: ConnectionOptions & { self?: boolean; accessor?: boolean }) => {
    if (options.self && subject !== undefined) throw usageError('give either TOKEN or -self, not both');
    if (!options.self && subject === undefined) throw usageError('give the TOKEN to revoke, or -self for the token in use');
    const out = new Output(io, 'table');
    const client = await connect(options, io);
    await attempt(client, 'revoking the token', () =>
      subject === undefined
        ? client.request('PUT', 'auth/token/revoke-self')
        : options.accessor
          ? client.request('PUT', 'auth/token/revoke-accessor', { body: { accessor: subject } })
          : client.request('PUT', 'auth/token/revoke', { body: { token: subject } }),
    );
    out.success('Revoked token (if it existed)');
  });
}

interface CreateOptions extends Options {
  readonly policy?: string[];
  readonly metadata?: string[];
  readonly ttl?: string;
  readonly explicitMaxTtl?: string;
  readonly useLimit?: number;
  readonly displayName?: string;
  readonly renewable?: boolean;
  readonly orphan?: boolean;
}

function registerCreate(parent: Command, io: CliIo): void {
  const command = parent
    .command('create')
    .summary('create a token')
    .description(
      'Create a token, as a child of the token in use unless -orphan. Without -policy it gets the policies of the token in use. ' +
        'Prints the new token: keep it safe.',
    )
    .option('--policy <name>', 'a policy for the token (repeat for several)', collect)
    .option('--ttl <duration>', 'initial TTL, e.g. 1h (default: the server\'s default TTL)')
    .option('--explicit-max-ttl <duration>', 'a hard limit the token can never be renewed past')
    .option('--use-limit <n>', 'how many requests the token may make (0 = unlimited)', nonNegativeInteger)
    .option('--display-name <name>', 'a name to recognise the token by')
    .option('--metadata <key=value>', 'metadata on the token (repeat for several)', collect)
    .option('--renewable <bool>', 'whether the token can be renewed (default true)', boolean)
    .option('--orphan', 'create the token without a parent (needs root or sudo)');
  withOutputOptions(command);
  withConnectionOptions(command);
  command.addHelpText(
    'after',
    `
Examples:
  lanyard token create -policy=readers -ttl=1h
  lanyard token create -policy=ci -use-limit=10 -display-name=deploy -field=token
  lanyard token create -policy=a -policy=b -metadata=team=payments -format=json`,
  );
  command.action(async (options: CreateOptions) => {
    const out = outputFor(options, io);
    const body: Record<string, unknown> = {};
    if (options.policy) body.policies = options.policy;
    if (options.ttl !== undefined) body.ttl = options.ttl;
    if (options.explicitMaxTtl !== undefined) body.explicit_max_ttl = options.explicitMaxTtl;
    if (options.useLimit !== undefined) body.num_uses = options.useLimit;
    if (options.displayName !== undefined) body.display_name = options.displayName;
    if (options.renewable !== undefined) body.renewable = options.renewable;
    if (options.orphan) body.no_parent = true;
    if (options.metadata) body.meta = metadataFrom(options.metadata);
    const client = await connect(options, io);
    const response = await attempt(client, 'creating a token', () => client.request('POST', 'auth/token/create', { body }));
    out.show({ json: response.body, envelope: response.envelope ?? {} }, { field: options.field });
  });
}

/** Lookup answers carry the token itself in `id`; a description of a token should not print it. */
function withoutTokenId(shown: Shown): Shown {
  const data = shown.envelope.data;
  if (!data || !('id' in data)) return shown;
  const { id: _id, ...rest } = data;
  const envelope: Envelope = { ...shown.envelope, data: rest };
  const json = shown.json !== null && typeof shown.json === 'object' && 'data' in shown.json ? { ...shown.json, data: rest } : shown.json;
  return { json, envelope };
}

function metadataFrom(pairs: readonly string[]): Record<string, string> {
  const meta = new Map<string, string>();
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw usageError(`invalid -metadata ${JSON.stringify(pair)}: expected key=value`);
    meta.set(pair.slice(0, equals), pair.slice(equals + 1));
  }
  return Object.fromEntries(meta);
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function nonNegativeInteger(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number, 0 or more');
  return Number(value);
}

function boolean(value: string): boolean {
  if (/^(1|t|true)$/i.test(value)) return true;
  if (/^(0|f|false)$/i.test(value)) return false;
  throw new InvalidArgumentError('expected true or false');
}
