import { describe, expect, it } from '@jest/globals';
import { Acl, DEFAULT_POLICY, DEFAULT_POLICY_HCL, isRootPolicy, parsePolicy, ROOT_POLICY, type Capability } from '../../server/policy/index.js';

const defaultPolicy = parsePolicy(DEFAULT_POLICY, DEFAULT_POLICY_HCL);
const withEntity = Acl.build([defaultPolicy], { entityId: '5f2b9c1e-0000-4000-8000-000000000001', entityName: 'alice' });
const withoutEntity = Acl.build([defaultPolicy]);

describe('built-in policy names', () => {
  it('names root and default', () => {
    expect([ROOT_POLICY, DEFAULT_POLICY]).toEqual(['root', 'default']);
  });

  it.each<[string, boolean]>([
    ['root', true],
    ['ROOT', true],
    [' root ', true],
    ['default', false],
    ['root2', false],
    ['', false],
  ])('isRootPolicy(%j) → %s', (name, expected) => {
    expect(isRootPolicy(name)).toBe(expected);
  });
});

describe('the default policy on real Lanyard paths', () => {
  it('parses', () => {
    expect(defaultPolicy.rules.map((rule) => rule.pattern)).toEqual([
      'auth/token/lookup-self',
      'auth/token/renew-self',
      'auth/token/revoke-self',
      'sys/capabilities-self',
      'identity/entity/id/{{identity.entity.id}}',
      'identity/entity/name/{{identity.entity.name}}',
      'identity/oidc/provider/+/authorize',
    ]);
  });

  it.each<[string, Capability]>([
    ['auth/token/lookup-self', 'read'],
    ['auth/token/renew-self', 'update'],
    ['auth/token/revoke-self', 'update'],
    ['sys/capabilities-self', 'update'],
    ['identity/entity/id/5f2b9c1e-0000-4000-8000-000000000001', 'read'],
    ['identity/entity/name/alice', 'read'],
    ['identity/oidc/provider/default/authorize', 'read'],
    ['identity/oidc/provider/corp/authorize', 'update'],
  ])('allows %s %s', (path, capability) => {
    expect(withEntity.allows(path, capability)).toBe(true);
  });

  it.each<[string, Capability]>([
    ['sys/policies/acl/x', 'read'],
    ['sys/policies/acl/default', 'update'],
    ['sys/policies/acl/', 'list'],
    ['auth/token/lookup-self', 'update'],
    ['auth/token/lookup', 'update'],
    ['auth/token/create', 'update'],
    ['auth/token/renew-self', 'sudo'],
    ['identity/entity/id/someone-else', 'read'],
    ['identity/entity/id/5f2b9c1e-0000-4000-8000-000000000001', 'update'],
    ['identity/entity/name/bob', 'read'],
    ['identity/entity/name/alice', 'delete'],
    ['identity/oidc/provider/default/token', 'update'],
    ['identity/oidc/provider/default/authorize/extra', 'read'],
    ['identity/oidc/provider/default', 'read'],
    ['identity/oidc/key/k1', 'read'],
    ['identity/oidc/client/c1', 'read'],
    ['sys/health', 'read'],
  ])('denies %s %s', (path, capability) => {
    expect(withEntity.allows(path, capability)).toBe(false);
  });

  it('without an entity, keeps the token paths and drops the entity paths', () => {
    expect(withoutEntity.allows('auth/token/lookup-self', 'read')).toBe(true);
    expect(withoutEntity.allows('identity/oidc/provider/default/authorize', 'update')).toBe(true);
    expect(withoutEntity.allows('identity/entity/id/', 'read')).toBe(false);
    expect(withoutEntity.allows('identity/entity/name/', 'read')).toBe(false);
  });

  it('reports the capabilities the capabilities-self endpoint shows', () => {
    expect(withEntity.capabilities('identity/oidc/provider/p/authorize')).toEqual(['read', 'update']);
    expect(withEntity.capabilities('sys/policies/acl/x')).toEqual([]);
  });
});
