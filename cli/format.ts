/**
 * How the CLI shows answers, following Vault's CLI: a `Key  Value` table (a `Keys` column for
 * lists), `-format=json` for the response as received, `-field=NAME` for one raw value. Warnings and
 * errors go to stderr so stdout stays parseable. Colour only on a terminal and never with NO_COLOR.
 */
import type { Envelope } from './client.js';
import { CliError } from './commands/cli_error.js';
import type { CliIo, CliOutput } from './io.js';

export type OutputFormat = 'table' | 'json';

export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'json'];

/** What a command shows for one response. */
export interface Shown {
  /** Printed by `-format=json`: the body as received, so scripts see the server's shape. */
  readonly json: unknown;
  /** Read by table and `-field`. */
  readonly envelope: Envelope;
}

export interface ShowOptions {
  readonly field?: string | undefined;
  /**
   * Whether the auth block's token may be shown. Commands whose purpose is not to hand out a token
   * (renew) hide it, in the table and in JSON alike.
   */
  readonly showToken?: boolean;
}

const COLUMN_GAP = '    ';

export class Output {
  readonly format: OutputFormat;
  readonly #io: CliIo;

  constructor(io: CliIo, format: OutputFormat) {
    this.#io = io;
    this.format = format;
  }

  /** A response: table, JSON or one field; warnings to stderr except in JSON (they are in it). */
  show(shown: Shown, options: ShowOptions = {}): void {
    const showToken = options.showToken ?? true;
    if (options.field !== undefined) {
      const fields = displayFields(shown.envelope, showToken);
      if (!fields.has(options.field)) throw new CliError(`Field "${options.field}" not present in the response`, 1);
      this.warnings(shown.envelope.warnings);
      this.raw(rawValue(fields.get(options.field)));
      return;
    }
    if (this.format === 'json') {
      this.json(showToken ? shown.json : withoutClientToken(shown.json));
      return;
    }
    this.warnings(shown.envelope.warnings);
    const rows = [...displayFields(shown.envelope, showToken)].map(([key, value]): [string, string] => [key, cellText(key, value)]);
    if (rows.length > 0) this.table(['Key', 'Value'], rows);
  }

  /** A list: a `Keys` column, or the keys array as JSON. */
  list(keys: readonly string[]): void {
    if (this.format === 'json') {
      this.json(keys);
      return;
    }
    this.line(['Keys', '----', ...keys].join('\n'));
  }

  /** A two-column table, Vault style: header, dashes under it, columns four spaces apart. */
  table(header: readonly [string, string], rows: ReadonlyArray<readonly [string, string]>): void {
    const width = Math.max(header[0].length, ...rows.map(([key]) => key.length));
    const line = (left: string, right: string) => `${left.padEnd(width)}${COLUMN_GAP}${right}`.trimEnd();
    const lines = [line(header[0], header[1]), line('-'.repeat(header[0].length), '-'.repeat(header[1].length))];
    for (const [key, value] of rows) lines.push(line(key, value));
    this.line(lines.join('\n'));
  }

  json(value: unknown): void {
    this.line(JSON.stringify(value, null, 2));
  }

  line(text: string): void {
    this.#io.stdout.write(`${text}\n`);
  }

  /** A raw value for scripts: no newline unless a person is looking (Vault does the same). */
  raw(text: string): void {
    this.#io.stdout.write(this.#io.stdout.isTTY ? `${text}\n` : text);
  }

  /** `Success! …`, the word in green on a terminal. */
  success(message: string): void {
    this.line(`${paint(this.#io.stdout, this.#io.env, 'green', 'Success!')} ${message}`);
  }

  /** Vault's warning block on stderr. */
  warnings(warnings: readonly string[] | null | undefined): void {
    if (!warnings || warnings.length === 0) return;
    const heading = paint(this.#io.stderr, this.#io.env, 'yellow', 'WARNING! The following warnings were returned from Lanyard:');
    const items = warnings.map((warning) => `  * ${warning.replaceAll('\n', '\n    ')}`);
    this.#io.stderr.write(`${heading}\n\n${items.join('\n\n')}\n\n`);
  }

  /** A note for the person at the terminal, on stderr (hints, cautions). */
  note(text: string): void {
    this.#io.stderr.write(`${paint(this.#io.stderr, this.#io.env, 'yellow', text)}\n`);
  }
}

/**
 * The fields Vault's table shows for a response, in its order: lease facts, then the auth block as
 * `token_*` rows, then the data sorted by key. `-field` reads from the same map.
 */
function displayFields(envelope: Envelope, showToken = true): Map<string, unknown> {
  const fields = new Map<string, unknown>();
  const leaseDuration = envelope.lease_duration ?? 0;
  if (leaseDuration > 0) {
    if (envelope.lease_id) {
      fields.set('lease_id', envelope.lease_id);
      fields.set('lease_duration', humanDuration(leaseDuration));
      fields.set('lease_renewable', envelope.renewable ?? false);
    } else {
      fields.set('refresh_interval', humanDuration(leaseDuration));
    }
  }
  const auth = envelope.auth;
  if (auth) {
    if (showToken && auth.client_token !== undefined) fields.set('token', auth.client_token);
    // A login answer that does not name the accessor (machine login's Infisical shape) names no
    // policies either: those rows are left out rather than shown empty.
    const known = auth.accessor !== undefined;
    if (known) fields.set('token_accessor', auth.accessor);
    // Vault shows a token that never expires as ∞ rather than 0s.
    fields.set('token_duration', auth.lease_duration ? humanDuration(auth.lease_duration) : '∞');
    fields.set('token_renewable', auth.renewable ?? false);
    if (known) {
      fields.set('token_policies', auth.token_policies ?? []);
      fields.set('identity_policies', auth.identity_policies ?? []);
      fields.set('policies', auth.policies ?? []);
    }
    if (auth.entity_id) fields.set('entity_id', auth.entity_id);
    for (const key of Object.keys(auth.metadata ?? {}).sort()) fields.set(`token_meta_${key}`, auth.metadata?.[key]);
  }
  const data = envelope.data ?? {};
  for (const key of Object.keys(data).sort()) fields.set(key, data[key]);
  return fields;
}

/** Go's time.Duration text as Vault shows it: `768h`, `1h30m`, `45s`. */
export function humanDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return String(seconds);
  const sign = seconds < 0 ? '-' : '';
  let rest = Math.abs(Math.trunc(seconds));
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  const s = rest - m * 60;
  if (h > 0) return `${sign}${h}h${m > 0 || s > 0 ? `${m}m` : ''}${s > 0 ? `${s}s` : ''}`;
  if (m > 0) return `${sign}${m}m${s > 0 ? `${s}s` : ''}`;
  return `${sign}${s}s`;
}

/** Vault shows anything that looks like a TTL or period as a duration. */
function looksLikeDuration(key: string): boolean {
  return key === 'ttl' || key.endsWith('_ttl') || key === 'period' || key.endsWith('_period');
}

function cellText(key: string, value: unknown): string {
  if (typeof value === 'number' && looksLikeDuration(key)) return humanDuration(value);
  if (value === null || value === undefined) return '<nil>';
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((item) => item === null || typeof item !== 'object')) {
    return `[${value.map((item) => String(item)).join(' ')}]`;
  }
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** `-field`: strings as they are, everything else as JSON. */
function rawValue(value: unknown): string {
  if (typeof value === 'string') return value;
  return JSON.stringify(value ?? null);
}

function withoutClientToken(json: unknown): unknown {
  const auth = (json as { auth?: unknown } | null | undefined)?.auth;
  if (auth === null || typeof auth !== 'object') return json;
  const { client_token: _hidden, ...rest } = auth as Record<string, unknown>;
  return { ...(json as Record<string, unknown>), auth: rest };
}

const ANSI = { green: 32, yellow: 33, red: 31 } as const;

/** Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org) or TERM=dumb. */
export function colourEnabled(stream: CliOutput, env: CliIo['env']): boolean {
  return stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '') && env.TERM !== 'dumb';
}

export function paint(stream: CliOutput, env: CliIo['env'], colour: keyof typeof ANSI, text: string): string {
  return colourEnabled(stream, env) ? `\x1b[${ANSI[colour]}m${text}\x1b[0m` : text;
}
