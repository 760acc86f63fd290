/**
 * JSON from untrusted callers, parsed within limits. `JSON.parse` itself copes with any nesting,
 * but the value then travels through code that recurses (JSON.stringify for storage, logs and
 * error messages, object spreads, validators), and 100,000 nested arrays overflow the stack there.
 * So nesting is measured on the text, before parsing, and sizes are checked right after.
 *
 * Strings with unpaired UTF-16 surrogates (`"\ud800"` is valid JSON) are refused: they cannot be
 * encoded as UTF-8 (URLs, hashes, storage) and would fail later, far from the input. Go's decoder
 * (Vault) replaces them with U+FFFD instead, which silently makes different inputs the same name.
 *
 * The limits are Vault's request limits (`max_json_depth`, `max_json_object_entry_count`,
 * `max_json_array_element_count`); bodies themselves are already bounded by the body-size limit.
 */
import { invalidRequest } from '../errors.js';

export interface JsonLimits {
  readonly maxDepth: number;
  readonly maxObjectEntries: number;
  readonly maxArrayElements: number;
}

export const REQUEST_JSON_LIMITS: JsonLimits = { maxDepth: 300, maxObjectEntries: 10_000, maxArrayElements: 10_000 };

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The parsed value, or a 400 that says which limit was passed (never echoing the input). */
export function parseBoundedJson(text: string, limits: JsonLimits = REQUEST_JSON_LIMITS): unknown {
  checkDepth(text, limits.maxDepth);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidRequest('error parsing JSON');
  }
  return checkSizesAndStrings(value, limits);
}

/** Nesting depth of the text, counting brackets outside strings; stops at the first excess. */
function checkDepth(text: string, maxDepth: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > maxDepth) throw invalidRequest(`JSON input exceeds the maximum nesting depth of ${maxDepth}`);
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
}

/**
 * Entry and element counts of every object and array (the depth is already bounded), and every
 * string, keys included, well-formed.
 */
function checkSizesAndStrings(root: unknown, limits: JsonLimits): unknown {
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === 'string') checkWellFormed(value);
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) {
      if (value.length > limits.maxArrayElements) throw invalidRequest(`JSON array exceeds the maximum of ${limits.maxArrayElements} elements`);
      for (const item of value) pending.push(item);
    } else {
      const keys = Object.keys(value);
      if (keys.length > limits.maxObjectEntries) throw invalidRequest(`JSON object exceeds the maximum of ${limits.maxObjectEntries} entries`);
      for (const key of keys) {
        checkWellFormed(key);
        pending.push((value as Record<string, unknown>)[key]);
      }
    }
  }
  return root;
}

function checkWellFormed(text: string): void {
  // String.prototype.isWellFormed is ES2024 (Node 20 has it; the compiler's lib is ES2023).
  if (!(text as string & { isWellFormed(): boolean }).isWellFormed()) throw invalidRequest('JSON string contains an unpaired UTF-16 surrogate');
}
