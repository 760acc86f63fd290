/** Policy text (HCL or JSON, told apart by a leading `{`) to a checked Policy. */
import { isRootPolicy } from './builtin.js';
import { parseHcl } from './hcl.js';
import { parseJson } from './json.js';
import { PolicyParseError } from './parse_error.js';
import { readRules } from './read_rules.js';
import type { Policy } from './types.js';

export const MAX_POLICY_BYTES = 1024 * 1024;
export const MAX_POLICY_RULES = 1000;

/** Throws PolicyParseError on anything it cannot accept; never returns a partial policy. */
export function parsePolicy(name: string, text: string): Policy {
  if (typeof text !== 'string') throw new PolicyParseError('policy must be a string');
  if (isRootPolicy(name)) throw new PolicyParseError('the root policy is built in and cannot be defined');
  if (text.length > MAX_POLICY_BYTES || Buffer.byteLength(text, 'utf8') > MAX_POLICY_BYTES) {
    throw new PolicyParseError(`policy is larger than ${MAX_POLICY_BYTES} bytes`);
  }
  // A byte order mark is invisible in editors; dropping it keeps columns as the author sees them.
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (/^\s*$/.test(body)) throw new PolicyParseError('policy is empty');
  const tree = /^\s*\{/.test(body) ? parseJson(body) : parseHcl(body);
  return { name, rules: readRules(tree, MAX_POLICY_RULES) };
}
