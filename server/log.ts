/**
 * Structured logging: one JSON object per line for machines, a compact coloured line on a TTY.
 *
 * Callers pass fields, never pre-formatted secrets. Field names that look secret (token, secret,
 * password, jwt, authorization, cookie, private keys) are redacted here as a last line of defence.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Readonly<Record<string, unknown>>;

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_FIELD = /(token|secret|password|passwd|jwt|authorization|cookie|private|seal_key|client_secret)/i;
// Fields whose name matches SECRET_FIELD but carry no secret (ids, accessors, counts, names).
const SAFE_FIELD = /^(token_accessor|accessor|token_type|token_policies|token_ttl|client_id|num_uses)$/i;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  readonly level?: LogLevel;
  readonly format?: 'json' | 'pretty';
  readonly write?: (line: string) => void;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const min = LEVEL_RANK[options.level ?? 'info'];
  const stream = process.stderr;
  const format = options.format ?? (stream.isTTY ? 'pretty' : 'json');
  const write = options.write ?? ((line: string) => void stream.write(`${line}\n`));
  const render = format === 'pretty' ? renderPretty : renderJson;

  const make = (bound: LogFields): Logger => {
    const emit = (level: LogLevel, message: string, fields?: LogFields): void => {
      if (LEVEL_RANK[level] < min) return;
      write(render(level, message, redact({ ...bound, ...fields })));
    };
    return {
      debug: (m, f) => emit('debug', m, f),
      info: (m, f) => emit('info', m, f),
      warn: (m, f) => emit('warn', m, f),
      error: (m, f) => emit('error', m, f),
      child: (fields) => make({ ...bound, ...fields }),
    };
  };
  return make({});
}

/** A logger that drops everything (tests, library use). */
export const silentLogger: Logger = createLogger({ write: () => undefined, level: 'error' });

function redact(fields: LogFields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    out[key] = SECRET_FIELD.test(key) && !SAFE_FIELD.test(key) ? '[redacted]' : value;
  }
  return out;
}

function renderJson(level: LogLevel, message: string, fields: Record<string, unknown>): string {
  return JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...fields }, errorReplacer);
}

const COLOUR: Record<LogLevel, string> = { debug: '\x1b[90m', info: '\x1b[36m', warn: '\x1b[33m', error: '\x1b[31m' };

function renderPretty(level: LogLevel, message: string, fields: Record<string, unknown>): string {
  const time = new Date().toISOString().slice(11, 23);
  const rest = Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v, errorReplacer)}`)
    .join(' ');
  return `${time} ${COLOUR[level]}${level.toUpperCase().padEnd(5)}\x1b[0m ${message}${rest ? ` \x1b[90m${rest}\x1b[0m` : ''}`;
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}
