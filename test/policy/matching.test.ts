import { describe, expect, it } from '@jest/globals';
import { Acl, parsePolicy, type Capability } from '../../server/policy/index.js';

function aclOf(rules: Readonly<Record<string, readonly Capability[]>>): Acl {
  const text = Object.entries(rules).map(([pattern, caps]) => `path ${JSON.stringify(pattern)} { capabilities = ${JSON.stringify(caps)} }`);
  return Acl.build([parsePolicy('p', text.join('\n'))]);
}

describe('pattern matching', () => {
  it.each<[string, string, boolean]>([
    // exact
    ['identity/oidc/key/k1', 'identity/oidc/key/k1', true],
    ['identity/oidc/key/k1', 'identity/oidc/key/k10', false],
    ['identity/oidc/key/k1', 'identity/oidc/key/k1/rotate', false],
    ['identity/oidc/key/k1', 'identity/oidc/key', false],
    ['identity/oidc/key/k1', 'Identity/oidc/key/k1', false],
    // trailing * is a prefix glob, not bound to segments
    ['identity/oidc/*', 'identity/oidc/key/k1', true],
    ['identity/oidc/*', 'identity/oidc/', true],
    ['identity/oidc/*', 'identity/oidc', false],
    ['identity/oidc/*', 'identity/oidcx/a', false],
    ['identity/oidc/k*', 'identity/oidc/key/k1', true],
    ['identity/oidc/k*', 'identity/oidc/k', true],
    ['identity/oidc/k*', 'identity/oidc/scope/s', false],
    ['*', 'sys/policies/acl/x', true],
    // + is exactly one segment, anywhere
    ['identity/oidc/provider/+/authorize', 'identity/oidc/provider/p1/authorize', true],
    ['identity/oidc/provider/+/authorize', 'identity/oidc/provider/p1/x/authorize', false],
    ['identity/oidc/provider/+/authorize', 'identity/oidc/provider/authorize', false],
    ['identity/oidc/provider/+/authorize', 'identity/oidc/provider/p1/authorize/x', false],
    ['identity/oidc/provider/+/authorize', 'identity/oidc/provider/p1/token', false],
    ['+/oidc/key', 'identity/oidc/key', true],
    ['+/oidc/key', 'oidc/key', false],
    ['+', 'sys', true],
    ['+', 'sys/health', false],
    ['identity/+', 'identity/entity', true],
    ['identity/+', 'identity/entity/id', false],
    ['identity/+/+/k1', 'identity/oidc/key/k1', true],
    ['identity/+/+/k1', 'identity/oidc/key/k2', false],
    // + matches an empty segment, as in Vault
    ['a/+/c', 'a//c', true],
    // + combined with a glob: the glob's segment only has to start the path's segment
    ['identity/+/key/k*', 'identity/oidc/key/k1', true],
    ['identity/+/key/k*', 'identity/oidc/key/k1/rotate', true],
    ['identity/+/key/k*', 'identity/oidc/key/x1', false],
    ['identity/+/key/k*', 'identity/oidc/key', false],
    ['identity/+/*', 'identity/oidc/', true],
    ['identity/+/*', 'identity/oidc/key', true],
    ['identity/+/*', 'identity/oidc', false],
    // a + inside a segment is a literal character
    ['a/b+c', 'a/b+c', true],
    ['a/b+c', 'a/bxc', false],
    ['a/+c', 'a/bc', false],
  ])('%s on %s → %s', (pattern, path, expected) => {
    expect(aclOf({ [pattern]: ['read'] }).allows(path, 'read')).toBe(expected);
  });

  it('drops one leading slash from a pattern and any leading slashes from a path', () => {
    const acl = aclOf({ '/sys/capabilities-self': ['update'] });
    expect(acl.allows('sys/capabilities-self', 'update')).toBe(true);
    expect(acl.allows('//sys/capabilities-self', 'update')).toBe(true);
  });
});
