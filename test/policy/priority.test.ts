import { describe, expect, it } from '@jest/globals';
import { Acl, parsePolicy, type Capability, type Policy } from '../../server/policy/index.js';

function policy(name: string, rules: Readonly<Record<string, readonly Capability[]>>): Policy {
  const text = Object.entries(rules).map(([pattern, caps]) => `path ${JSON.stringify(pattern)} { capabilities = ${JSON.stringify(caps)} }`);
  return parsePolicy(name, text.join('\n'));
}

const sorted = (capabilities: readonly Capability[]): Capability[] => [...capabilities].sort();

const GRANTABLE: readonly Capability[] = ['create', 'read', 'update', 'patch', 'delete', 'list', 'sudo'];

/** A capability set unique to the i-th pattern, so the result names the winning rule. */
function marker(i: number): Capability[] {
  return GRANTABLE.filter((_, bit) => ((i + 1) >> bit) & 1);
}

function winner(patterns: readonly string[], path: string, spreadOverPolicies: boolean): string | undefined {
  const rules = patterns.map((pattern, i) => [pattern, marker(i)] as const);
  const policies = spreadOverPolicies
    ? rules.map(([pattern, capabilities], i) => policy(`p${i}`, { [pattern]: capabilities }))
    : [policy('p', Object.fromEntries(rules))];
  const got = sorted(Acl.build(policies).capabilities(path));
  return patterns.find((_, i) => JSON.stringify(sorted(marker(i))) === JSON.stringify(got));
}

describe("Vault's priority between matching patterns", () => {
  it.each<[string, readonly string[], string, string]>([
    ['an exact rule beats any wildcard', ['foo/bar', 'foo/bar*', 'foo/+', '*'], 'foo/bar', 'foo/bar'],
    ['(1) the later first wildcard: a glob over a +', ['foo/a*', 'foo/+'], 'foo/ab', 'foo/a*'],
    ['(1) the later first wildcard: + after more literal text', ['foo/bar/+/baz', 'foo/+/bar/baz'], 'foo/bar/bar/baz', 'foo/bar/+/baz'],
    ['(1) the longest glob prefix', ['secret/*', 'secret/foo/*', 'secret/foo/b*'], 'secret/foo/bar', 'secret/foo/b*'],
    ['(1) a literal head beats a leading +', ['+/oidc/key/k1', 'identity/*'], 'identity/oidc/key/k1', 'identity/*'],
    ['(2) no glob over a glob: + segment', ['foo/+', 'foo/*'], 'foo/x', 'foo/+'],
    ['(2) no glob over a glob: after a +', ['foo/+/bar', 'foo/+/ba*'], 'foo/x/bar', 'foo/+/bar'],
    ['(3) fewer + segments', ['foo/+/bar/baz', 'foo/+/+/baz'], 'foo/x/bar/baz', 'foo/+/bar/baz'],
    ['(4) the longer pattern', ['foo/+/bar/ba*', 'foo/+/bar/b*'], 'foo/x/bar/baz', 'foo/+/bar/ba*'],
    ['(5) the lexicographically larger pattern', ['a/+/c/+', 'a/+/+/d'], 'a/x/c/d', 'a/+/c/+'],
  ])('%s', (_label, patterns, path, expected) => {
    for (const order of [patterns, [...patterns].reverse()]) {
      expect(winner(order, path, false)).toBe(expected);
      expect(winner(order, path, true)).toBe(expected);
    }
  });

  it('lets only the winner count: a specific rule granting less is not topped up by a glob', () => {
    const acl = Acl.build([policy('p', { 'identity/oidc/*': ['read', 'list', 'update'], 'identity/oidc/key/k1': ['read'] })]);
    expect(acl.capabilities('identity/oidc/key/k1')).toEqual(['read']);
    expect(acl.allows('identity/oidc/key/k1', 'update')).toBe(false);
    expect(acl.allows('identity/oidc/key/k2', 'update')).toBe(true);
  });

  it('lets a winning rule with no capabilities deny what a broader rule grants', () => {
    const acl = Acl.build([policy('p', { 'sys/*': ['read'], 'sys/policies/+/x': [] })]);
    expect(acl.capabilities('sys/policies/acl/x')).toEqual([]);
    expect(acl.allows('sys/policies/acl/x', 'read')).toBe(false);
    expect(acl.allows('sys/policies/acl/y', 'read')).toBe(true);
  });
});
