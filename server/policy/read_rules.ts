/**
 * Gives the syntax tree of a policy its meaning: which keys exist, what their values must be, and
 * what a rule grants. Both syntaxes go through here, so HCL and JSON policies are held to the same
 * rules and fail with the same messages.
 */
import { fromBits, isCapability, LEGACY_POLICIES, toBits, UNSUPPORTED_CAPABILITIES, type Capability } from './capabilities.js';
import { PolicyParseError, quote, type Position } from './parse_error.js';
import { normalizePattern, patternProblem } from './pattern.js';
import { describe, type ObjectEntry, type ObjectNode, type SyntaxNode } from './syntax_tree.js';
import type { PolicyRule } from './types.js';

/**
 * Keys Vault accepts in a path block that restrict a grant further. Lanyard cannot enforce them, and
 * accepting them without enforcing would grant more than the author wrote, so they are refused.
 */
const UNSUPPORTED_KEYS: ReadonlySet<string> = new Set([
  'allowed_parameters',
  'denied_parameters',
  'required_parameters',
  'min_wrapping_ttl',
  'max_wrapping_ttl',
  'control_group',
  'mfa_methods',
  'subscribe_event_types',
]);

export function readRules(root: ObjectNode, maxRules: number): PolicyRule[] {
  const rules: PolicyRule[] = [];
  const seen = new Map<string, Position>();
  for (const entry of root.entries) {
    if (entry.key === 'name') {
      // Vault accepts a `name` and ignores it: the name comes from the request path.
      expectString(entry);
      continue;
    }
    if (entry.key !== 'path') fail(`unknown key ${quote(entry.key)}: a policy holds only "path" blocks`, entry.at);
    if (entry.value.kind !== 'object') fail(`"path" must map path patterns to rules, found ${describe(entry.value)}`, entry.value.at);
    for (const rule of entry.value.entries) {
      const pattern = normalizePattern(rule.key);
      const problem = patternProblem(pattern);
      if (problem) fail(`path ${quote(rule.key)}: ${problem}`, rule.at);
      const first = seen.get(pattern);
      if (first) fail(`duplicate path ${quote(pattern)} (first defined at ${where(first)})`, rule.at);
      seen.set(pattern, rule.at);
      if (rules.length === maxRules) fail(`too many path rules (at most ${maxRules})`, rule.at);
      rules.push({ pattern, capabilities: readCapabilities(pattern, rule) });
    }
  }
  return rules;
}

function readCapabilities(pattern: string, rule: ObjectEntry): readonly Capability[] {
  if (rule.value.kind !== 'object') fail(`path ${quote(pattern)} must be a block, found ${describe(rule.value)}`, rule.value.at);
  let granted: Capability[] | undefined;
  let legacy: readonly Capability[] | undefined;
  const keys = new Map<string, Position>();
  for (const attribute of rule.value.entries) {
    const first = keys.get(attribute.key);
    if (first) fail(`duplicate key ${quote(attribute.key)} (first set at ${where(first)})`, attribute.at);
    keys.set(attribute.key, attribute.at);
    switch (attribute.key) {
      case 'capabilities':
        granted = readCapabilityList(attribute.value);
        break;
      case 'policy':
        legacy = readLegacyPolicy(expectString(attribute));
        break;
      case 'comment':
        expectString(attribute);
        break;
      default:
        if (UNSUPPORTED_KEYS.has(attribute.key)) {
          fail(`${quote(attribute.key)} is not supported by Lanyard: it cannot be enforced, so the policy is refused rather than applied without it`, attribute.at);
        }
        fail(`unknown key ${quote(attribute.key)} in path ${quote(pattern)}`, attribute.at);
    }
  }
  if (!granted && !legacy) fail(`path ${quote(pattern)} sets no "capabilities"`, rule.at);
  // Vault adds the legacy shorthand to the list; a deny in either collapses the set to deny.
  return fromBits(toBits([...(granted ?? []), ...(legacy ?? [])]));
}

function readCapabilityList(node: SyntaxNode): Capability[] {
  if (node.kind !== 'list') fail(`"capabilities" must be a list of strings, found ${describe(node)}`, node.at);
  return node.items.map((item) => {
    if (item.kind !== 'string') fail(`"capabilities" must be a list of strings, found ${describe(item)}`, item.at);
    if (isCapability(item.value)) return item.value;
    if (UNSUPPORTED_CAPABILITIES.has(item.value)) fail(`capability ${quote(item.value)} is not supported by Lanyard`, item.at);
    return fail(`unknown capability ${quote(item.value)}`, item.at);
  });
}

function readLegacyPolicy(node: SyntaxNode & { kind: 'string' }): readonly Capability[] {
  const capabilities = LEGACY_POLICIES.get(node.value);
  if (!capabilities) fail(`invalid policy ${quote(node.value)} (expected "deny", "read", "write" or "sudo")`, node.at);
  return capabilities;
}

function expectString(entry: ObjectEntry): SyntaxNode & { kind: 'string' } {
  if (entry.value.kind !== 'string') fail(`${quote(entry.key)} must be a string, found ${describe(entry.value)}`, entry.value.at);
  return entry.value;
}

function where(at: Position): string {
  return `line ${at.line}, column ${at.column}`;
}

function fail(problem: string, at: Position): never {
  throw new PolicyParseError(problem, at);
}
