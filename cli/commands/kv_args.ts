/**
 * Vault's `key=value` arguments: `k=v` sets a string, `k=@FILE` takes the value from a file,
 * `k=-` from stdin, a lone `-` reads a JSON object from stdin and `@FILE` one from a file.
 * A key given twice becomes a list, as in Vault (`policies=a policies=b`).
 */
import { CliError, usageError } from './cli_error.js';
import { readFileArgument } from './input.js';

export type ReadStdin = (purpose: string) => Promise<string>;

export async function parseKeyValues(args: readonly string[], readStdin: ReadStdin): Promise<Record<string, unknown>> {
  // A Map, so a key like `__proto__` is data like any other.
  const result = new Map<string, unknown>();
  const add = (key: string, value: unknown) => {
    if (!result.has(key)) result.set(key, value);
    else {
      const existing = result.get(key);
      result.set(key, Array.isArray(existing) ? [...(existing as unknown[]), value] : [existing, value]);
    }
  };

  for (const arg of args) {
    if (arg === '-') {
      mergeObject(add, parseJsonObject(await readStdin('the JSON body'), 'stdin'));
      continue;
    }
    if (arg.startsWith('@')) {
      const file = arg.slice(1);
      mergeObject(add, parseJsonObject(await readFileArgument(file, 'the JSON body'), file));
      continue;
    }
    const equals = arg.indexOf('=');
    if (equals <= 0) throw usageError(`invalid argument ${JSON.stringify(arg)}: expected key=value, key=@FILE, key=-, @FILE or -`);
    const key = arg.slice(0, equals);
    const value = arg.slice(equals + 1);
    if (value === '-') add(key, await readStdin(`the value of ${JSON.stringify(key)}`));
    else if (value.startsWith('@')) add(key, await readFileArgument(value.slice(1), `the value of ${JSON.stringify(key)}`));
    else add(key, value);
  }
  return Object.fromEntries(result);
}

/** `k=v` pairs as URL query parameters (read's optional arguments); no files or stdin there. */
export function parseQueryPairs(args: readonly string[]): Record<string, string[]> {
  const query = new Map<string, string[]>();
  for (const arg of args) {
    const equals = arg.indexOf('=');
    if (equals <= 0) throw usageError(`invalid argument ${JSON.stringify(arg)}: expected key=value`);
    const key = arg.slice(0, equals);
    query.set(key, [...(query.get(key) ?? []), arg.slice(equals + 1)]);
  }
  return Object.fromEntries(query);
}

function parseJsonObject(text: string, source: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new CliError(`Error: the JSON body from ${source} is not valid JSON: ${(err as Error).message}`, 1);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new CliError(`Error: the JSON body from ${source} must be an object`, 1);
  }
  return parsed as Record<string, unknown>;
}

function mergeObject(add: (key: string, value: unknown) => void, object: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(object)) add(key, value);
}
