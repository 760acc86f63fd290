/**
 * The one duration grammar: Go's, as Vault's API accepts it (go-secure-stdlib's
 * ParseDurationSecond): an integer number of seconds, `<n>d` for days, or a Go duration such as
 * `90s`, `1h30m`, `1.5h` (time.ParseDuration), with Go's error texts. API fields, configuration
 * settings, templates (`time.now.plus.<dur>`) and the CLI all parse through here.
 */
import { goQuote } from './go_quote.js';

/**
 * Whole seconds for a duration field (Vault's TypeDurationSecond), or a string saying why the
 * value is not one: a number of seconds (fractions truncated, as Vault does) or a duration string
 * as above. Negative durations are refused.
 */
export function parseDurationSeconds(value: unknown): number | string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return `invalid duration ${String(value)}`;
    if (value < 0) return `cannot provide negative value '${value}'`;
    return Math.trunc(value);
  }
  if (typeof value !== 'string') return `invalid duration of type ${value === null ? 'null' : typeof value}`;
  const text = value.trim();
  let nanoseconds: bigint;
  try {
    nanoseconds = parseDurationSecondNs(text);
  } catch (err) {
    return (err as Error).message;
  }
  if (nanoseconds < 0n) return `cannot provide negative value '${text}'`;
  const seconds = nanoseconds / NS_PER_SECOND;
  if (seconds > BigInt(Number.MAX_SAFE_INTEGER)) return `time: invalid duration ${goQuote(text)}`;
  return Number(seconds);
}

const NS_PER_SECOND = 1_000_000_000n;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/**
 * go-secure-stdlib's ParseDurationSecond, in nanoseconds: "" is 0, an integer is seconds, `<n>d`
 * is days, anything else a Go duration. Throws with Go's error text. Like Go, seconds and days
 * are multiplied in 64-bit arithmetic that wraps.
 */
export function parseDurationSecondNs(text: string): bigint {
  if (text === '') return 0n;
  const seconds = parseGoInt(text);
  if (typeof seconds === 'bigint') return BigInt.asIntN(64, seconds * NS_PER_SECOND);
  if (text.endsWith('d')) {
    const days = parseGoInt(text.slice(0, -1));
    if (typeof days === 'string') throw new Error(days);
    return BigInt.asIntN(64, days * 86_400n * NS_PER_SECOND);
  }
  return parseGoDurationNs(text);
}

/** strconv.ParseInt(text, 10, 64): the value, or Go's error text. */
function parseGoInt(text: string): bigint | string {
  if (!/^[+-]?[0-9]+$/.test(text)) return `strconv.ParseInt: parsing ${goQuote(text)}: invalid syntax`;
  const value = BigInt(text);
  if (value < INT64_MIN || value > INT64_MAX) return `strconv.ParseInt: parsing ${goQuote(text)}: value out of range`;
  return value;
}

const UNIT_NS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  '\u00b5s': 1_000n, // MICRO SIGN
  '\u03bcs': 1_000n, // GREEK SMALL LETTER MU
  ms: 1_000_000n,
  s: NS_PER_SECOND,
  m: 60n * NS_PER_SECOND,
  h: 3_600n * NS_PER_SECOND,
};
const DURATION_LIMIT = 1n << 63n;

/** time.ParseDuration, in nanoseconds, with Go's error texts. */
export function parseGoDurationNs(original: string): bigint {
  const invalid = (): Error => new Error(`time: invalid duration ${timeQuote(original)}`);
  let rest = original;
  let negative = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    negative = rest.startsWith('-');
    rest = rest.slice(1);
  }
  if (rest === '0') return 0n;
  if (rest === '') throw invalid();

  let total = 0n;
  while (rest !== '') {
    if (!/^[0-9.]/.test(rest)) throw invalid();
    const whole = /^[0-9]*/.exec(rest)?.[0] ?? '';
    rest = rest.slice(whole.length);
    let value = whole === '' ? 0n : BigInt(whole);
    if (value > DURATION_LIMIT) throw invalid();

    let fraction = 0n;
    let scale = 1;
    let hasFraction = false;
    if (rest.startsWith('.')) {
      const digits = /^[0-9]*/.exec(rest.slice(1))?.[0] ?? '';
      rest = rest.slice(1 + digits.length);
      hasFraction = digits !== '';
      // Go keeps digits only while they fit in 63 bits; the rest are consumed without effect.
      for (const digit of digits) {
        const next = fraction * 10n + BigInt(digit);
        if (next > DURATION_LIMIT || fraction > INT64_MAX / 10n) break;
        fraction = next;
        scale *= 10;
      }
    }
    if (whole === '' && !hasFraction) throw invalid();

    const unitText = /^[^0-9.]*/.exec(rest)?.[0] ?? '';
    if (unitText === '') throw new Error(`time: missing unit in duration ${timeQuote(original)}`);
    rest = rest.slice(unitText.length);
    const unit = UNIT_NS[unitText];
    if (unit === undefined) {
      throw new Error(`time: unknown unit ${timeQuote(unitText)} in duration ${timeQuote(original)}`);
    }
    if (value > DURATION_LIMIT / unit) throw invalid();
    value *= unit;
    if (fraction > 0n) {
      value += BigInt(Math.trunc(Number(fraction) * (Number(unit) / scale)));
      if (value > DURATION_LIMIT) throw invalid();
    }
    total += value;
    if (total > DURATION_LIMIT) throw invalid();
  }
  if (negative) return -total;
  if (total > INT64_MAX) throw invalid();
  return total;
}

/** The time package's own quoting: non-ASCII and control bytes as \x escapes. */
function timeQuote(text: string): string {
  let quoted = '"';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code >= 0x80 || code < 0x20) {
      for (const byte of Buffer.from(char, 'utf8')) quoted += `\\x${byte.toString(16).padStart(2, '0')}`;
    } else {
      quoted += char === '"' || char === '\\' ? `\\${char}` : char;
    }
  }
  return `${quoted}"`;
}
