import { describe, expect, it } from '@jest/globals';
import { policyProblems } from '../../verifier/policy.js';
import { claimMatches, matchesPattern, parsePatternList, readClaim } from '../../verifier/index.js';
import { patternProblem } from '../../verifier/glob.js';

// The glob dialect table of machine-auth reference §1.5 "Matching semantics" (picomatch defaults).
describe('matchesPattern', () => {
  it.each([
    ['repo:acme/app:*', 'repo:acme/app:pull_request', true],
    ['repo:acme/app:*', 'repo:acme/app:ref:refs/heads/main', false],
    ['repo:acme/app:**', 'repo:acme/app:ref:refs/heads/main', false],
    ['repo:acme/app:ref:*/**', 'repo:acme/app:ref:refs/heads/main', true],
    ['repo:acme/app:{pull_request,ref:refs/heads/main}', 'repo:acme/app:ref:refs/heads/main', true],
    ['repo:acme/app:*{,/**}', 'repo:acme/app:pull_request', true],
    ['repo:acme/app:*{,/**}', 'repo:acme/app:ref:refs/heads/feature/x', true],
    ['repo:acme/**', 'repo:acme/lib:ref:refs/heads/main', true],
    ['repo:acme/app*/**', 'repo:acme/app-evil:ref:refs/heads/main', true],
    ['refs/heads/*', 'refs/heads/.hidden', false],
    ['main', 'Main', false],
    ['./abc', 'abc', true],
    ['a?b', 'axb', true],
    ['a[bx]c', 'axc', true],
    ['+(a|b)', 'b', true],
    ['!bar', 'foo', true],
    ['!bar', 'bar', false],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'axb', false],
    ['api://*', 'api://AzureADTokenExchange', true],
    ['spiffe://example.org/ns/*/sa/web', 'spiffe://example.org/ns/prod/sa/web', true],
    ['spiffe://example.org/ns/*/sa/web', 'spiffe://example.org/ns/prod/x/sa/web', false],
    ['[unclosed', '[unclosed', true], // equality wins before globbing
  ])('%s vs %s → %s', (pattern, value, expected) => {
    expect(matchesPattern(value, pattern)).toBe(expected);
  });

  it('treats backslashes literally (POSIX), whatever the platform', () => {
    expect(matchesPattern('x\\y', 'x/y')).toBe(false);
  });
});

describe('parsePatternList and patternProblem', () => {
  it("splits Infisical's comma lists", () => {
    expect(parsePatternList(' a , b,c ')).toEqual(['a', 'b', 'c']);
    expect(parsePatternList('acme/app ,acme/lib')).toEqual(['acme/app', 'acme/lib']);
    expect(parsePatternList('a,,b')).toEqual(['a', 'b']);
    expect(parsePatternList('')).toEqual([]);
  });

  it('names unusable patterns', () => {
    expect(patternProblem('')).toBe('empty pattern');
    expect(patternProblem('x'.repeat(70_000))).toMatch(/exceeds maximum allowed length/);
    expect(patternProblem('repo:acme/*')).toBeUndefined();
  });
});

describe('readClaim', () => {
  const claims = {
    sub: 'x',
    org: { team: 'platform', 'a.b': { c: 'dotted-inner' } },
    'kubernetes.io': { namespace: 'prod', serviceaccount: { name: 'ci' } },
    'https://example.com/groups': ['admins'],
    'a/b': 'slash',
    'm~n': 'tilde',
    list: [{ name: 'first' }],
  };

  it.each([
    ['sub', 'x'],
    ['org.team', 'platform'],
    ['org.a.b.c', 'dotted-inner'],
    ['kubernetes.io.namespace', 'prod'],
    ['kubernetes.io.serviceaccount.name', 'ci'],
    ['https://example.com/groups', ['admins']],
    ['/kubernetes.io/namespace', 'prod'],
    ['/https:~1~1example.com~1groups/0', 'admins'],
    ['/a~1b', 'slash'],
    ['/m~0n', 'tilde'],
    ['/list/0/name', 'first'],
    ['/list/01/name', undefined],
    ['org.missing', undefined],
    ['sub.length', undefined],
    ['constructor', undefined],
    ['toString', undefined],
    ['org.team.length', undefined],
  ])('%s → %j', (path, expected) => {
    expect(readClaim(claims, path)).toEqual(expected);
  });

  it('reads a literal __proto__ claim as data, never the prototype', () => {
    const parsed = JSON.parse('{"__proto__": {"role": "admin"}}') as Record<string, unknown>;
    expect(readClaim(parsed, '__proto__.role')).toBe('admin');
    expect(readClaim({}, '__proto__')).toBeUndefined();
  });
});

describe('claimMatches', () => {
  it.each([
    ['acme/app', 'acme/*', true],
    [true, 'true', true],
    [false, 'false', true],
    [true, 'false', false],
    [1, '1', true],
    [0, '0', true],
    [1, '01', false],
    [1.5, '1.5', true],
    [10, '1*', false],
    [['dev', 'admins'], 'adm*', true],
    [[1, true], 'true', true],
    [[['nested']], 'nested', false],
    [[{ a: 1 }], '*', false],
    [{ a: 1 }, '*', false],
    [null, 'null', false],
  ])('%j vs %s → %s', (value, pattern, expected) => {
    expect(claimMatches(value, pattern)).toBe(expected);
  });
});

describe('policyProblems', () => {
  const valid = {
    oidcDiscoveryUrl: 'https://token.actions.githubusercontent.com',
    boundIssuer: 'https://token.actions.githubusercontent.com',
    boundAudiences: ['https://github.com/acme'],
    boundSubject: 'repo:acme/app:*',
    boundClaims: { repository: ['acme/app'] },
  };

  it('accepts a valid policy', () => {
    expect(policyProblems(valid)).toEqual([]);
    expect(policyProblems({ ...valid, boundAudiences: [], boundSubject: '', boundIssuer: '', boundClaims: {}, caCert: '  ' })).toEqual([]);
  });

  it('lists every problem', () => {
    const problems = policyProblems({
      ...valid,
      oidcDiscoveryUrl: 'https://idp.test/?tenant=1',
      boundAudiences: ['', 'ok'],
      boundClaims: { '': ['x'], environment: [] },
      algorithms: ['HS256' as 'RS256'],
    });
    expect(problems).toEqual([
      'oidcDiscoveryUrl must not have a query or fragment',
      'boundAudiences: "": empty pattern',
      'boundClaims has an empty claim name',
      'boundClaims["environment"] must be a non-empty array of patterns',
      'algorithms must be a non-empty list of RS256/384/512, PS256/384/512, ES256/384/512, EdDSA',
    ]);
  });
});
