/**
 * Cross-checks the compiled ACL against a straightforward evaluator written the way Vault's
 * acl.go is (exact rules, then the longest plain glob prefix and every segment-wildcard pattern
 * sorted by Vault's comparator), over many generated policies and paths. The ACL under test
 * precomputes a global order and buckets rules by first segment; this checks that none of that
 * changes an answer.
 */
import { describe, expect, it } from '@jest/globals';
import { Acl, parsePolicy, type Capability, type Policy } from '../../server/policy/index.js';

const GRANTABLE: readonly Capability[] = ['create', 'read', 'update', 'patch', 'delete', 'list', 'sudo'];

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Pick = <T>(items: readonly T[]) => T;

function generatePattern(pick: Pick, chance: () => number): string {
  const depth = 1 + Math.floor(chance() * 4);
  const segments = Array.from({ length: depth }, (_, i) => (i > 0 || chance() < 0.1) && chance() < 0.3 ? '+' : pick(['a', 'b', 'ab', 'abc']));
  let pattern = segments.join('/');
  const ending = chance();
  if (ending < 0.2) pattern += '/*';
  else if (ending < 0.4 && !pattern.endsWith('+')) pattern += '*';
  else if (ending < 0.5 && !pattern.endsWith('+')) pattern = `${pattern.slice(0, -1)}*`;
  return pattern;
}

function generatePath(pick: Pick, chance: () => number): string {
  const depth = 1 + Math.floor(chance() * 5);
  const path = Array.from({ length: depth }, () => pick(['a', 'b', 'ab', 'abc', 'x', ''])).join('/');
  return chance() < 0.2 ? `${path}/` : path;
}

interface OracleRule {
  readonly bits: Set<Capability | 'deny'>;
}

/** Vault's evaluation, transcribed for the test; `list` enables its list-operation fallbacks. */
function vaultEvaluator(policies: readonly Policy[]): (requested: string, list: boolean) => Set<Capability | 'deny'> | undefined {
  const merged = new Map<string, OracleRule>();
  for (const policy of policies) {
    for (const rule of policy.rules) {
      const existing = merged.get(rule.pattern);
      const next = new Set([...(existing?.bits ?? []), ...rule.capabilities]);
      merged.set(rule.pattern, { bits: next.has('deny') ? new Set(['deny']) : next });
    }
  }
  const isSegmentWildcard = (p: string): boolean => p === '+' || p.includes('/+') || p.startsWith('+/');
  const exact = new Map<string, OracleRule>();
  const prefixes = new Map<string, OracleRule>();
  const segmentWildcards = new Map<string, OracleRule>();
  for (const [pattern, rule] of merged) {
    if (isSegmentWildcard(pattern)) segmentWildcards.set(pattern, rule);
    else if (pattern.endsWith('*')) prefixes.set(pattern.slice(0, -1), rule);
    else exact.set(pattern, rule);
  }

  const nonExact = (path: string): OracleRule | undefined => {
    type Descr = { first: number; wildcards: number; prefix: boolean; path: string; rule: OracleRule };
    const found: Descr[] = [];
    let longest: string | undefined;
    for (const prefix of prefixes.keys()) if (path.startsWith(prefix) && (longest === undefined || prefix.length > longest.length)) longest = prefix;
    if (longest !== undefined) found.push({ first: longest.length, wildcards: 0, prefix: true, path: longest, rule: prefixes.get(longest) as OracleRule });
    const parts = path.split('/');
    next: for (const [full, rule] of segmentWildcards) {
      const prefix = full.endsWith('*');
      const current = prefix ? full.slice(0, -1) : full;
      const acl = current.split('/');
      if (parts.length < acl.length || (!prefix && parts.length !== acl.length)) continue;
      let wildcards = 0;
      for (let i = 0; i < acl.length; i++) {
        if (acl[i] === '+') wildcards++;
        else if (acl[i] === parts[i]) continue;
        else if (prefix && i === acl.length - 1 && (parts[i] as string).startsWith(acl[i] as string)) continue;
        else continue next;
      }
      found.push({ first: full.indexOf('+'), wildcards, prefix, path: current, rule });
    }
    const less = (a: Descr, b: Descr): boolean => {
      if (a.first !== b.first) return a.first < b.first;
      if (a.prefix !== b.prefix) return a.prefix;
      if (a.wildcards !== b.wildcards) return a.wildcards > b.wildcards;
      if (a.path.length !== b.path.length) return a.path.length < b.path.length;
      return a.path < b.path;
    };
    found.sort((a, b) => (less(a, b) ? -1 : less(b, a) ? 1 : 0));
    return found.at(-1)?.rule;
  };

  return (requested, list) => {
    // Vault strips leading slashes from the request path "as defense in depth".
    const path = requested.replace(/^\/+/, '');
    const rule =
      exact.get(path) ??
      (list ? exact.get(path.endsWith('/') ? path.slice(0, -1) : path) : undefined) ??
      (list && path.endsWith('/') ? nonExact(path.slice(0, -1)) : undefined) ??
      nonExact(path);
    return rule?.bits;
  };
}

function render(bits: Set<Capability | 'deny'> | undefined): string[] {
  return [...(bits ?? [])].sort();
}

describe('Acl against a transcription of Vault’s evaluator', () => {
  it.each(Array.from({ length: 25 }, (_, i) => i + 1))('agrees on generated policies (seed %i)', (seed) => {
    const chance = random(seed);
    const pick: Pick = (items) => items[Math.floor(chance() * items.length)] as (typeof items)[number];
    const policies = Array.from({ length: 3 }, (_, p) => {
      const rules = new Map<string, Capability[]>();
      for (let i = 0; i < 40; i++) {
        const capabilities = chance() < 0.08 ? (['deny'] as Capability[]) : GRANTABLE.filter(() => chance() < 0.35);
        rules.set(generatePattern(pick, chance), capabilities);
      }
      const text = [...rules].map(([pattern, caps]) => `path "${pattern}" { capabilities = ${JSON.stringify(caps)} }`).join('\n');
      return parsePolicy(`p${p}`, text);
    });
    const acl = Acl.build(policies);
    const oracle = vaultEvaluator(policies);
    const disagreements: string[] = [];
    for (let i = 0; i < 400; i++) {
      const path = generatePath(pick, chance);
      const listed = render(oracle(path, true));
      const read = oracle(path, false)?.has('read') === true;
      const got = [...acl.capabilities(path)].sort();
      if (got.join() !== listed.join()) disagreements.push(`capabilities(${path}) = [${got.join()}], Vault: [${listed.join()}]`);
      if (acl.allows(path, 'read') !== read) disagreements.push(`allows(${path}, read) = ${!read}, Vault: ${read}`);
      if (acl.allows(path, 'list') !== listed.includes('list')) disagreements.push(`allows(${path}, list) disagrees`);
    }
    expect(disagreements).toEqual([]);
  });
});
