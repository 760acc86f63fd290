/**
 * Vault's duration parameters (TypeDurationSecond): an integer number of seconds (number or numeric
 * string), `<n>d` for days, or a Go duration such as `90s`, `1h30m`, `1.5h`. The result is whole
 * seconds (fractions truncated, as Vault does).
 */

const GO_UNIT_SECONDS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  'µs': 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
};
const GO_DURATION = /^([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h|d)/;

/** Seconds, or a string saying why the value is not a duration. */
export function parseDurationSeconds(value: unknown): number | string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return `invalid duration ${String(value)}`;
    if (value < 0) return `cannot provide negative value '${value}'`;
    return Math.trunc(value);
  }
  if (typeof value !== 'string') return `invalid duration of type ${value === null ? 'null' : typeof value}`;
  const text = value.trim();
  if (text === '') return 0;
  if (/^-?[0-9]+$/.test(text)) {
    const n = Number(text);
    return n < 0 ? `cannot provide negative value '${text}'` : n;
  }
  if (text.startsWith('-')) return `cannot provide negative value '${text}'`;
  let rest = text.startsWith('+') ? text.slice(1) : text;
  let total = 0;
  if (rest === '') return `time: invalid duration "${text}"`;
  while (rest.length > 0) {
    const match = GO_DURATION.exec(rest);
    if (!match) return `time: invalid duration "${text}"`;
    total += Number(match[1]) * (GO_UNIT_SECONDS[match[2] as string] ?? 0);
    rest = rest.slice(match[0].length);
  }
  if (!Number.isFinite(total) || total > Number.MAX_SAFE_INTEGER) return `time: invalid duration "${text}"`;
  return Math.trunc(total);
}

/** Like parseDurationSeconds, for configuration code that wants an exception. */
export function durationOrThrow(value: unknown, what: string): number {
  const parsed = parseDurationSeconds(value);
  if (typeof parsed === 'string') throw new TypeError(`${what}: ${parsed}`);
  return parsed;
}
