/**
 * An ACL compiled from a caller's policies. Building does all the work (templating, merging,
 * ordering by Vault's priority) so that evaluating a path is a map lookup plus a short walk down a
 * tree of literal path segments.
 */
import { ALL_CAPABILITIES, capabilityBit, fromBits, isCapability, toBits, unionBits, type Capability } from './capabilities.js';
import { ROOT_POLICY } from './builtin.js';
import { PolicyParseError, quote } from './parse_error.js';
import { comparePriority, compilePattern, isExact, matches, normalizePattern, patternProblem, type CompiledPattern } from './pattern.js';
import { expandTemplate, isTemplated } from './template.js';
import type { AclContext, Policy } from './types.js';

interface Grant {
  readonly bits: number;
  readonly capabilities: readonly Capability[];
}

interface WildcardRule extends Grant {
  readonly pattern: CompiledPattern;
}

/**
 * Wildcard rules filed under the whole segments of their literal head: `identity/oidc/k*` and
 * `identity/oidc/+/x` both sit at identity → oidc. A rule filed deeper along a path always beats a
 * matching rule filed higher up (its first wildcard comes later: Vault's first criterion), so a
 * lookup tries the deepest node first and stops at the first match; within a node, rules are in
 * priority order.
 */
interface SegmentNode {
  readonly children: Map<string, SegmentNode>;
  readonly rules: WildcardRule[];
}

const NOTHING: readonly Capability[] = Object.freeze([]);

export class Acl {
  readonly isRoot: boolean;
  readonly #exact: ReadonlyMap<string, Grant>;
  readonly #wildcards: SegmentNode;

  private constructor(isRoot: boolean, exact: ReadonlyMap<string, Grant>, wildcards: SegmentNode) {
    this.isRoot = isRoot;
    this.#exact = exact;
    this.#wildcards = wildcards;
  }

  /**
   * `root` among the policies gives the root ACL, whatever else is listed. Rules whose templates
   * have no value for this caller are left out. Throws PolicyParseError for a policy that could
   * not have come from parsePolicy (a programming error, not bad user input).
   */
  static build(policies: readonly Policy[], context: AclContext = {}): Acl {
    if (policies.some((policy) => policy.name === ROOT_POLICY)) return new Acl(true, new Map(), newNode());
    const merged = new Map<string, number>();
    for (const policy of policies) {
      for (const rule of policy.rules) {
        const written = normalizePattern(rule.pattern);
        const unknown = rule.capabilities.find((capability) => !isCapability(capability));
        const problem = patternProblem(written) ?? (unknown === undefined ? undefined : `unknown capability ${quote(unknown)}`);
        if (problem !== undefined) throw new PolicyParseError(`policy ${quote(policy.name)}, path ${quote(rule.pattern)}: ${problem}`);
        const pattern = isTemplated(written) ? expandTemplate(written, context) : written;
        if (pattern === undefined) continue;
        const bits = toBits(rule.capabilities);
        const before = merged.get(pattern);
        // The same pattern in several policies: the union, unless either side denies.
        merged.set(pattern, before === undefined ? bits : unionBits(before, bits));
      }
    }
    const exact = new Map<string, Grant>();
    const wildcards: WildcardRule[] = [];
    for (const [text, bits] of merged) {
      const pattern = compilePattern(text);
      if (isExact(pattern)) exact.set(text, grant(bits));
      else wildcards.push({ pattern, ...grant(bits) });
    }
    wildcards.sort((a, b) => comparePriority(a.pattern, b.pattern));
    const root = newNode();
    for (const rule of wildcards) {
      const segments = rule.pattern.head.split('/');
      let node = root;
      // The last piece is a partial segment (often empty): the node is the whole segments before it.
      for (const segment of segments.slice(0, -1)) {
        let child = node.children.get(segment);
        if (!child) node.children.set(segment, (child = newNode()));
        node = child;
      }
      node.rules.push(rule);
    }
    return new Acl(false, exact, root);
  }

  /**
   * What the winning rule grants on `path`: `[]` when no rule matches (or the winner grants
   * nothing), `['deny']` when it denies, every capability for root. Vault's capabilities endpoints
   * print `[]` as `["deny"]` and root as `["root"]`; that is the caller's rendering.
   * Evaluated like a list request, as Vault's capabilities endpoints do, so `a/` also finds `a`.
   */
  capabilities(path: string): readonly Capability[] {
    if (this.isRoot) return ALL_CAPABILITIES;
    return this.#resolve(path, true)?.capabilities ?? NOTHING;
  }

  /**
   * Whether the winning rule on `path` grants `capability` (never true for `deny`). List paths end
   * in `/`, as Vault makes them; a rule on the path without the slash then counts too.
   */
  allows(path: string, capability: Capability): boolean {
    if (capability === 'deny' || !isCapability(capability)) return false;
    if (this.isRoot) return true;
    const winner = this.#resolve(path, capability === 'list');
    return winner !== undefined && (winner.bits & capabilityBit(capability)) !== 0;
  }

  #resolve(requested: string, asList: boolean): Grant | undefined {
    let path = requested;
    while (path.startsWith('/')) path = path.slice(1);
    const exact = this.#exact.get(path);
    if (exact) return exact;
    // Vault, for a list of `a/`: the exact rule on `a`, then wildcard rules matching `a`, then `a/`.
    if (asList && path.endsWith('/')) {
      const trimmed = path.slice(0, -1);
      return this.#exact.get(trimmed) ?? this.#bestWildcard(trimmed) ?? this.#bestWildcard(path);
    }
    return this.#bestWildcard(path);
  }

  #bestWildcard(path: string): WildcardRule | undefined {
    const along: SegmentNode[] = [this.#wildcards];
    let node = this.#wildcards;
    for (let start = 0, slash = path.indexOf('/'); slash !== -1; start = slash + 1, slash = path.indexOf('/', start)) {
      const child = node.children.get(path.slice(start, slash));
      if (!child) break;
      along.push((node = child));
    }
    let parts: readonly string[] | undefined;
    const split = (): readonly string[] => (parts ??= path.split('/'));
    for (let depth = along.length - 1; depth >= 0; depth--) {
      for (const rule of along[depth]?.rules ?? []) if (matches(rule.pattern, path, split)) return rule;
    }
    return undefined;
  }
}

function newNode(): SegmentNode {
  return { children: new Map(), rules: [] };
}

function grant(bits: number): Grant {
  return { bits, capabilities: fromBits(bits) };
}
