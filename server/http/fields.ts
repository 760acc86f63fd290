/**
 * Typed request fields with Vault's weak conversions (sdk/framework field_data): a path declares
 * its fields once, and handlers receive typed values for exactly the fields the caller sent.
 * Conversion failures produce Vault's message; unknown fields become a warning. A JSON `null` is
 * "not given", as in Vault's framework (FieldData.GetOk treats a nil raw value as unset): clients
 * such as hvac send `null` for every optional argument left at its default.
 */
import { invalidRequest } from '../errors.js';
import { parseBoundedJson } from './bounded_json.js';
import { parseDurationSeconds } from '../util/duration.js';

export type FieldType = 'string' | 'int' | 'bool' | 'duration' | 'commaStringSlice' | 'map' | 'kvPairs';

interface FieldTypes {
  string: string;
  int: number;
  bool: boolean;
  duration: number;
  commaStringSlice: string[];
  /** An object; values kept as given (JSON). */
  map: Record<string, unknown>;
  /** Vault's TypeKVPairs: an object of strings, or a list of `k=v` strings. */
  kvPairs: Record<string, string>;
}

export interface FieldSpec {
  readonly type: FieldType;
  /** Longest accepted string (after conversion) or list length; guards storage against huge values. */
  readonly max?: number;
}
export type FieldSchema = Readonly<Record<string, FieldSpec>>;

/** The typed values of the fields the caller sent; absent fields are absent. */
export type FieldValues<S extends FieldSchema> = { -readonly [K in keyof S]?: FieldTypes[S[K]['type']] };

export interface ParsedFields<S extends FieldSchema> {
  readonly values: FieldValues<S>;
  /** Names the schema does not know, sorted (Vault warns about them). */
  readonly unknown: readonly string[];
}

const DEFAULT_MAX_STRING = 64 * 1024;
const DEFAULT_MAX_ITEMS = 1024;

export function parseFields<S extends FieldSchema>(schema: S, data: Readonly<Record<string, unknown>>): ParsedFields<S> {
  const values: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const [name, input] of Object.entries(data)) {
    const spec = Object.hasOwn(schema, name) ? schema[name] : undefined;
    if (!spec) {
      unknown.push(name);
      continue;
    }
    if (input === null || input === undefined) continue;
    const converted = convert(spec, input);
    if (typeof converted === 'object' && converted !== null && 'error' in converted) {
      throw invalidRequest(`Field validation failed: error converting input ${describe(input)} for field "${name}": ${converted.error}`);
    }
    values[name] = converted;
  }
  return { values: values as FieldValues<S>, unknown: unknown.sort() };
}

export function unknownFieldsWarning(unknown: readonly string[]): string {
  return `Endpoint ignored these unrecognized parameters: [${unknown.join(' ')}]`;
}

type Converted = unknown | { error: string };

function convert(spec: FieldSpec, input: unknown): Converted {
  const maxString = spec.max ?? DEFAULT_MAX_STRING;
  const maxItems = spec.max ?? DEFAULT_MAX_ITEMS;
  switch (spec.type) {
    case 'string': {
      if (typeof input === 'string') return input.length > maxString ? { error: `value longer than ${maxString} characters` } : input;
      if (typeof input === 'number' || typeof input === 'boolean') return String(input);
      return { error: `expected a string, got ${kind(input)}` };
    }
    case 'int': {
      const n = typeof input === 'number' ? input : typeof input === 'string' && /^-?\d+$/.test(input.trim()) ? Number(input.trim()) : NaN;
      return Number.isSafeInteger(n) ? n : { error: `expected an integer, got ${kind(input)}` };
    }
    case 'bool': {
      if (typeof input === 'boolean') return input;
      if (typeof input === 'string' && /^(1|t|true)$/i.test(input.trim())) return true;
      if (typeof input === 'string' && /^(0|f|false)$/i.test(input.trim())) return false;
      if (input === 1 || input === 0) return input === 1;
      return { error: `expected a boolean, got ${kind(input)}` };
    }
    case 'duration': {
      const seconds = parseDurationSeconds(input);
      return typeof seconds === 'string' ? { error: seconds } : seconds;
    }
    case 'commaStringSlice': {
      let items: unknown[];
      if (Array.isArray(input)) items = input;
      else if (typeof input === 'string') items = input.trim() === '' ? [] : input.split(',');
      else if (typeof input === 'number') items = [String(input)];
      else return { error: `expected a list or a comma-separated string, got ${kind(input)}` };
      if (items.length > maxItems) return { error: `more than ${maxItems} items` };
      const out: string[] = [];
      for (const item of items) {
        if (typeof item !== 'string' && typeof item !== 'number') return { error: `list items must be strings, got ${kind(item)}` };
        const text = String(item).trim();
        if (text.length > DEFAULT_MAX_STRING) return { error: `list item longer than ${DEFAULT_MAX_STRING} characters` };
        if (text !== '') out.push(text);
      }
      return out;
    }
    case 'map': {
      if (typeof input === 'object' && input !== null && !Array.isArray(input)) return { ...input };
      if (typeof input === 'string') {
        let parsed: unknown;
        try {
          parsed = parseBoundedJson(input);
        } catch {
          return { error: 'expected an object, got a string that is not a JSON object within the limits' };
        }
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed;
      }
      return { error: `expected an object, got ${kind(input)}` };
    }
    case 'kvPairs': {
      const out: Record<string, string> = {};
      if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
        for (const [k, v] of Object.entries(input)) {
          if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return { error: `value of "${k}" must be a string` };
          out[k] = String(v);
        }
      } else {
        const items = Array.isArray(input) ? input : typeof input === 'string' ? (input.trim() === '' ? [] : input.split(',')) : undefined;
        if (!items) return { error: `expected an object or a list of key=value strings, got ${kind(input)}` };
        for (const item of items) {
          const text = typeof item === 'string' ? item.trim() : '';
          const eq = text.indexOf('=');
          if (eq <= 0) return { error: `expected key=value, got ${describe(item)}` };
          out[text.slice(0, eq)] = text.slice(eq + 1);
        }
      }
      if (Object.keys(out).length > maxItems) return { error: `more than ${maxItems} entries` };
      return out;
    }
  }
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * Vault prints the offending input. Only scalars are printed, capped, so that neither a huge nor a
 * deeply nested value is ever serialised into a message; arrays and objects are named by kind.
 */
function describe(value: unknown): string {
  if (typeof value === 'object' && value !== null) return kind(value);
  const text = String(value);
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}
