/**
 * Machine login from the command line, over the Infisical-shaped API (`/api/v1/auth/...`):
 *
 *   lanyard oidc-auth attach|update IDENTITY_ID key=value…   POST / PATCH the configuration
 *   lanyard oidc-auth read|revoke IDENTITY_ID                 GET / DELETE it
 *   lanyard oidc-auth explain IDENTITY_ID jwt=@FILE           the admin dry run
 *   lanyard login -method=oidc-auth identity=ID jwt=@FILE     (oidcAuthLoginMethod)
 *
 * Arguments are Vault's `key=value` (`key=@FILE`, `key=-`, a key given twice is a list). Object
 * fields take JSON (`boundClaims='{"repository":"acme/app"}'` or `boundClaims=@claims.json`),
 * lists take a comma string or repeated keys, and the TTL fields also take durations (`2h`).
 * Machine tokens are Lanyard tokens: `lanyard token lookup|renew|revoke` work on them as they are.
 */
import type { Command } from 'commander';
import type { Envelope } from '../client.js';
import type { Output } from '../format.js';
import { jsonObjectOf } from '../http/json_object.js';
import type { CliIo } from '../io.js';
import { CliError, usageError } from './cli_error.js';
import { attempt, explainSignInFailure } from './failure.js';
import { stdinOnce } from './input.js';
import { parseKeyValues } from './kv_args.js';
import type { LoginMethod, LoginRequest, LoginResult } from './login_method.js';
import { connect, outputFor, withConnectionOptions, withOutputOptions, type ConnectionOptions, type OutputOptions } from './options.js';
import { parseDurationSeconds } from '../../server/util/duration.js';

type Options = ConnectionOptions & OutputOptions;

const OBJECT_FIELDS = new Set(['boundClaims', 'claimMetadataMapping']);
const SECONDS_FIELDS = new Set(['accessTokenTTL', 'accessTokenMaxTTL']);
const COUNT_FIELDS = new Set(['accessTokenNumUsesLimit']);
const LIST_FIELDS = new Set(['boundAudiences', 'accessTokenTrustedIps']);

const FIELD_HELP = `
Fields (Infisical's names):
  oidcDiscoveryUrl=URL          the provider's base URL (or its /.well-known/openid-configuration URL)
  boundIssuer=ISS               the exact iss of accepted tokens
  boundAudiences=A,B            glob patterns for aud (or repeat the key)
  boundSubject=PATTERN          one glob pattern for sub
  boundClaims=JSON|@FILE        {"claim": "pattern, pattern"} or {"claim": ["pattern"]}
  claimMetadataMapping=JSON     {"metadata key": "claim path"}
  caCert=@ca.pem                private CA for the provider's TLS (added to the system roots)
  accessTokenTrustedIps=CIDRS   addresses the identity may log in and use its tokens from
  accessTokenTTL=2h  accessTokenMaxTTL=24h  accessTokenNumUsesLimit=N`;

export function registerOidcAuthCommands(program: Command, io: CliIo): void {
  const group = program
    .command('oidc-auth')
    .summary('configure machine login (workload JWT → token) for identities')
    .description('Configure machine login for a machine identity (an entity): which workload JWTs it accepts and what tokens they get.');
  registerWrite(group, io, 'attach', 'POST', 'attach machine login to an identity');
  registerWrite(group, io, 'update', 'PATCH', 'change some fields of an identity’s machine login');
  registerPlain(group, io, 'read', 'GET', 'show an identity’s machine login configuration');
  registerPlain(group, io, 'revoke', 'DELETE', 'remove machine login from an identity and revoke its tokens');
  registerExplain(group, io);
}

function registerWrite(parent: Command, io: CliIo, name: string, method: 'POST' | 'PATCH', summary: string): void {
  const command = parent.command(name).summary(summary).description(`${summary[0]!.toUpperCase()}${summary.slice(1)}.`).argument('<identity-id>').argument('[fields...]', 'key=value pairs');
  withOutputOptions(command);
  withConnectionOptions(command);
  command.addHelpText(
    'after',
    `${FIELD_HELP}

Examples:
  lanyard oidc-auth ${name} 8d1f…  oidcDiscoveryUrl=https://token.actions.githubusercontent.com \\
      boundIssuer=https://token.actions.githubusercontent.com boundAudiences=https://github.com/acme \\
      boundSubject='repo:acme/app:ref:refs/heads/main' boundClaims='{}' accessTokenTTL=1h`,
  );
  command.action(async (identityId: string, fields: string[], options: Options) => {
    const body = configBody(await parseKeyValues(fields, stdinOnce(io)));
    const response = await call(options, io, `${name === 'attach' ? 'attaching' : 'updating'} machine login of ${identityId}`, method, configPath(identityId), body);
    showConfig(outputFor(options, io), response, options);
  });
}

function registerPlain(parent: Command, io: CliIo, name: string, method: 'GET' | 'DELETE', summary: string): void {
  const command = parent.command(name).summary(summary).description(`${summary[0]!.toUpperCase()}${summary.slice(1)}.`).argument('<identity-id>');
  withOutputOptions(command);
  withConnectionOptions(command);
  command.action(async (identityId: string, options: Options) => {
    const response = await call(options, io, `${name === 'read' ? 'reading' : 'removing'} machine login of ${identityId}`, method, configPath(identityId));
    showConfig(outputFor(options, io), response, options);
  });
}

function registerExplain(parent: Command, io: CliIo): void {
  const command = parent
    .command('explain')
    .summary('show why a workload JWT would be accepted or refused')
    .description('Run every login check on a JWT without issuing anything: signature, time, issuer, subject, audience, claims, metadata.')
    .argument('<identity-id>')
    .argument('[fields...]', 'jwt=@FILE, jwt=- (stdin) or jwt=TOKEN');
  withOutputOptions(command, { field: false });
  withConnectionOptions(command);
  command.addHelpText('after', '\nExample:\n  lanyard oidc-auth explain 8d1f… jwt=@token.jwt');
  command.action(async (identityId: string, fields: string[], options: Options) => {
    const { jwt } = await parseKeyValues(fields, stdinOnce(io));
    if (typeof jwt !== 'string' || jwt.trim() === '') throw usageError('give the token as jwt=@FILE, jwt=- or jwt=TOKEN');
    const out = outputFor(options, io);
    const report = (await call(options, io, `explaining a token for ${identityId}`, 'POST', `${configPath(identityId)}/explain`, { jwt: jwt.trim() })) as ExplainReport;
    if (out.format === 'json') out.json(report);
    else showExplanation(out, report);
    // Scripts test the exit code: a token the login would refuse is a failure (2), like the login.
    if (!report.ok) throw new CliError('Error: the login would refuse this token (see the failed checks above)');
  });
}

/** `lanyard login -method=oidc-auth identity=ID jwt=@FILE`: trade a workload JWT for a token. */
export const oidcAuthLoginMethod: LoginMethod = {
  usage: 'lanyard login -method=oidc-auth identity=IDENTITY_ID jwt=@FILE | jwt=- | jwt=TOKEN',
  async login({ client, args, io }: LoginRequest): Promise<LoginResult> {
    const { identity, jwt } = await parseKeyValues(args, stdinOnce(io));
    if (typeof identity !== 'string' || identity === '') throw usageError(`missing identity=IDENTITY_ID: ${oidcAuthLoginMethod.usage}`);
    if (typeof jwt !== 'string' || jwt.trim() === '') throw usageError(`missing jwt=: ${oidcAuthLoginMethod.usage}`);
    let answer: unknown;
    try {
      answer = await client.infisical('POST', '/api/v1/auth/oidc-auth/login', { body: { identityId: identity, jwt: jwt.trim() } });
    } catch (err) {
      // A refused login (401, or 403 from an address outside the trusted IPs) is about the JWT or
      // the workload, not a Lanyard token: no token hint.
      throw explainSignInFailure(err, `logging in as identity ${identity}`);
    }
    const body = jsonObjectOf(answer) as { accessToken?: unknown; expiresIn?: unknown; accessTokenMaxTTL?: unknown };
    if (typeof body.accessToken !== 'string' || body.accessToken === '') throw new CliError("Error logging in: the server's answer has no token");
    // The Infisical-shaped answer names no accessor or policies, and looking them up would spend
    // one of a use-limited token's uses: the table leaves those rows out rather than show them
    // empty (`lanyard token lookup` shows them).
    const envelope: Envelope = {
      data: { token_max_ttl: body.accessTokenMaxTTL },
      auth: { client_token: body.accessToken, lease_duration: Number(body.expiresIn) || 0, renewable: true, entity_id: identity },
    };
    return { token: body.accessToken, shown: { json: body, envelope } };
  },
};

interface ExplainStep {
  readonly check: string;
  readonly claim?: string;
  readonly ok: boolean;
  readonly expected: unknown;
  readonly received: unknown;
  readonly reason?: string;
}

interface ExplainReport {
  readonly ok: boolean;
  readonly identityDisabled?: boolean;
  readonly explanation: { readonly ok: boolean; readonly reason?: string; readonly message?: string; readonly steps: readonly ExplainStep[]; readonly warnings?: readonly string[] };
  readonly claimMetadata: { readonly ok: boolean; readonly metadata?: Record<string, string>; readonly message?: string; readonly skipped?: string };
}

function showExplanation(out: Output, report: ExplainReport): void {
  out.warnings(report.explanation.warnings);
  const rows: Array<[string, string]> = report.explanation.steps.map((step) => [
    step.claim === undefined ? step.check : `claim ${step.claim}`,
    step.ok ? 'ok' : `FAILED (${step.reason ?? 'refused'}): expected ${brief(step.expected)}, got ${brief(step.received)}`,
  ]);
  const metadata = report.claimMetadata;
  rows.push(['claim metadata', metadata.ok ? brief(metadata.metadata ?? {}) : `FAILED: ${metadata.message ?? metadata.skipped ?? 'refused'}`]);
  if (report.identityDisabled) rows.push(['identity', 'FAILED: the identity is disabled']);
  out.table(['Check', 'Result'], rows);
  out.line('');
  const failure = report.explanation.message ?? metadata.message;
  out.line(report.ok ? 'The token would be accepted.' : `The token would be refused${failure === undefined ? '.' : `: ${failure}`}`);
}

function brief(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}

function showConfig(out: Output, response: unknown, options: OutputOptions): void {
  const config = (response as { identityOidcAuth?: Record<string, unknown> } | null)?.identityOidcAuth ?? {};
  out.show({ json: response, envelope: { data: config } }, { field: options.field });
}

const configPath = (identityId: string): string => `/api/v1/auth/oidc-auth/identities/${encodeURIComponent(identityId)}`;

/** key=value arguments as the API's JSON: objects parsed, durations turned into seconds. */
export function configBody(pairs: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pairs)) {
    if (Array.isArray(value) && !LIST_FIELDS.has(key)) throw usageError(`${key} was given more than once`);
    // Values from a JSON body (@FILE, -) keep their JSON types; key=value ones are text.
    if (typeof value !== 'string') body[key] = value;
    else if (OBJECT_FIELDS.has(key)) body[key] = jsonObject(key, value);
    else if (SECONDS_FIELDS.has(key) || COUNT_FIELDS.has(key)) body[key] = whole(key, value, SECONDS_FIELDS.has(key));
    else if (key === 'accessTokenTrustedIps' && value.trim().startsWith('[')) body[key] = jsonValue(key, value);
    else body[key] = key === 'caCert' ? value : value.trim();
  }
  return body;
}

function jsonObject(key: string, text: string): unknown {
  const value = jsonValue(key, text);
  if (value !== null && (typeof value !== 'object' || Array.isArray(value))) throw usageError(`${key} must be a JSON object`);
  return value;
}

function jsonValue(key: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw usageError(`${key} is not valid JSON`);
  }
}

function whole(key: string, text: string, duration: boolean): number {
  if (duration) {
    const seconds = parseDurationSeconds(text);
    if (typeof seconds === 'string') throw usageError(`${key} must be a number of seconds or a duration such as 90s, 30m, 2h, 7d (${seconds})`);
    return seconds;
  }
  if (!/^\d+$/.test(text.trim())) throw usageError(`${key} must be a whole number`);
  return Number(text.trim());
}

/** One admin call with the command's address and token; failures explained like other commands. */
async function call(options: ConnectionOptions, io: CliIo, action: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const client = await connect(options, io);
  return attempt(client, action, () => client.infisical(method, path, { body }));
}
