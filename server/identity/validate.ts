/**
 * Input rules shared by entities, aliases and groups. Names must be addressable through the
 * `…/name/:name` paths, so they follow the same pattern the router accepts. Metadata is bounded
 * the way Vault bounds it (64 pairs, 128-character keys, 512-character values) so a record stays
 * small; control characters and lone surrogates are refused because they cannot be indexed or
 * shown safely.
 */
import { randomBytes } from 'node:crypto';
import { invalidRequest } from '../errors.js';
import { isRootPolicy } from '../policy/builtin.js';

const NAME_PATTERN = /^\w(?:[\w.-]*\w)?$/;
const MAX_NAME_LENGTH = 128;
const MAX_ALIAS_NAME_LENGTH = 512;
const MAX_METADATA_PAIRS = 64;
const MAX_METADATA_KEY_LENGTH = 128;
const MAX_METADATA_VALUE_LENGTH = 512;
const METADATA_KEY = /^[\w-]+$/;
const MAX_POLICY_NAME_LENGTH = 128;
const UNPRINTABLE = /[\p{Cc}\p{Cs}]/u;

/** An entity or group name: letters, digits, `_`, `-` and `.`, starting and ending with a word character. */
export function checkName(name: string, what: 'entity' | 'group'): string {
  if (name.length > MAX_NAME_LENGTH || !NAME_PATTERN.test(name)) {
    throw invalidRequest(
      `invalid ${what} name ${JSON.stringify(clip(name))}: use at most ${MAX_NAME_LENGTH} letters, digits, "_", "-" or ".", starting and ending with a letter, digit or "_"`,
    );
  }
  return name;
}

/** `entity_1a2b3c4d`: Vault's generated names, a type prefix and eight hex digits. */
export function generatedName(what: 'entity' | 'group'): string {
  return `${what}_${randomBytes(4).toString('hex')}`;
}

/** Alias names are whatever the auth method says (a username, a subject): any printable text. */
export function checkAliasName(name: string): string {
  if (name === '') throw invalidRequest("'name' must be provided");
  if (name.length > MAX_ALIAS_NAME_LENGTH) throw invalidRequest(`alias name longer than ${MAX_ALIAS_NAME_LENGTH} characters`);
  if (UNPRINTABLE.test(name)) throw invalidRequest('alias name contains unprintable characters');
  return name;
}

export function checkMetadata(metadata: Readonly<Record<string, string>>, field: string): Record<string, string> {
  const entries = Object.entries(metadata);
  if (entries.length > MAX_METADATA_PAIRS) throw invalidRequest(`${field} cannot contain more than ${MAX_METADATA_PAIRS} key/value pairs`);
  for (const [key, value] of entries) {
    if (key.length > MAX_METADATA_KEY_LENGTH || !METADATA_KEY.test(key)) {
      throw invalidRequest(`${field} key ${JSON.stringify(clip(key))} is invalid: use at most ${MAX_METADATA_KEY_LENGTH} letters, digits, "_" or "-"`);
    }
    if (value.length > MAX_METADATA_VALUE_LENGTH) throw invalidRequest(`${field} value for key "${key}" is longer than ${MAX_METADATA_VALUE_LENGTH} characters`);
    if (UNPRINTABLE.test(value)) throw invalidRequest(`${field} value for key "${key}" contains unprintable characters`);
  }
  return Object.fromEntries(entries);
}

/**
 * Sorted, de-duplicated policy names. `root` is refused: a policy attached to an identity applies
 * to every token of that identity, and Vault never lets an identity grant root.
 */
export function checkPolicies(policies: readonly string[], options: { lowercase?: boolean } = {}): string[] {
  const names = new Set<string>();
  for (const raw of policies) {
    const name = options.lowercase ? raw.toLowerCase() : raw;
    if (name.length > MAX_POLICY_NAME_LENGTH || UNPRINTABLE.test(name)) throw invalidRequest(`invalid policy name ${JSON.stringify(clip(name))}`);
    if (isRootPolicy(name)) throw invalidRequest('policies cannot contain root');
    names.add(name);
  }
  return [...names].sort();
}

/** Keep echoed input short: a huge value must not come back in full. */
function clip(text: string): string {
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}
