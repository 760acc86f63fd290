import { describe, expect, it } from '@jest/globals';
import { Acl, parsePolicy, PolicyParseError, ROOT_POLICY, type Capability, type Policy } from '../../server/policy/index.js';

function policy(name: string, rules: Readonly<Record<string, readonly Capability[]>>): Policy {
  const text = Object.entries(rules).map(([pattern, caps]) => `path ${JSON.stringify(pattern)} { capabilities = ${JSON.stringify(caps)} }`);
  return parsePolicy(name, text.join('\n'));
}

const ALL: readonly Capability[] = ['create', 'read', 'update', 'patch', 'delete', 'list', 'sudo'];

describe('Acl: merging rules across policies', () => {
  it('unions the capabilities of the same pattern in several policies', () => {
    const acl = Acl.build([
      policy('readers', { 'identity/oidc/key/*': ['read', 'list'] }),
      policy('writers', { 'identity/oidc/key/*': ['create', 'update'] }),
    ]);
    expect(acl.capabilities('identity/oidc/key/k1')).toEqual(['read', 'list', 'update', 'create']);
  });

  it('does not merge different patterns: the most specific one alone decides', () => {
    const acl = Acl.build([policy('a', { 'identity/oidc/*': ['update'] }), policy('b', { 'identity/oidc/key/*': ['read'] })]);
    expect(acl.capabilities('identity/oidc/key/k1')).toEqual(['read']);
    expect(acl.capabilities('identity/oidc/scope/s1')).toEqual(['update']);
  });

  it('grants nothing when no rule matches', () => {
    const acl = Acl.build([policy('a', { 'identity/oidc/key/*': ['read'] })]);
    expect(acl.capabilities('sys/policies/acl/a')).toEqual([]);
    expect(acl.allows('sys/policies/acl/a', 'read')).toBe(false);
  });

  it('grants nothing with no policies at all', () => {
    const acl = Acl.build([]);
    expect(acl.isRoot).toBe(false);
    expect(acl.capabilities('auth/token/lookup-self')).toEqual([]);
  });
});

describe('Acl: deny', () => {
  it.each<[string, Policy[]]>([
    ['in the same rule', [policy('a', { 'sys/*': ['read', 'sudo', 'deny'] })]],
    ['in another policy, listed after', [policy('a', { 'sys/*': ['read', 'sudo'] }), policy('b', { 'sys/*': ['deny'] })]],
    ['in another policy, listed before', [policy('b', { 'sys/*': ['deny'] }), policy('a', { 'sys/*': ['read', 'sudo'] })]],
  ])('overrides every capability, sudo included, when %s', (_label, policies) => {
    const acl = Acl.build(policies);
    expect(acl.capabilities('sys/policies/acl/x')).toEqual(['deny']);
    for (const capability of ALL) expect(acl.allows('sys/policies/acl/x', capability)).toBe(false);
  });

  it('on a more specific pattern carves a hole into a broader grant', () => {
    const acl = Acl.build([policy('a', { 'identity/*': ['read', 'update'], 'identity/oidc/key/+': ['deny'] })]);
    expect(acl.allows('identity/oidc/key/k1', 'read')).toBe(false);
    expect(acl.allows('identity/oidc/key/k1/rotate', 'update')).toBe(true);
    expect(acl.allows('identity/entity/id/e1', 'read')).toBe(true);
  });

  it('on a broader pattern does not override a more specific grant', () => {
    const acl = Acl.build([policy('a', { 'identity/*': ['deny'], 'identity/oidc/key/k1': ['read'] })]);
    expect(acl.allows('identity/oidc/key/k1', 'read')).toBe(true);
    expect(acl.allows('identity/oidc/key/k2', 'read')).toBe(false);
  });

  it('is never "allowed" as a capability', () => {
    expect(Acl.build([policy('a', { 'x': ['deny'] })]).allows('x', 'deny')).toBe(false);
  });
});

describe('Acl: templated paths', () => {
  const templated = policy('self', {
    'identity/entity/id/{{identity.entity.id}}': ['read'],
    'identity/entity/name/{{ identity.entity.name }}': ['read'],
    'secret/{{identity.entity.name}}/*': ['create', 'read'],
    'identity/oidc/key/k1': ['read'],
  });

  it("fills in the caller's entity id and name", () => {
    const acl = Acl.build([templated], { entityId: 'e-123', entityName: 'alice' });
    expect(acl.allows('identity/entity/id/e-123', 'read')).toBe(true);
    expect(acl.allows('identity/entity/name/alice', 'read')).toBe(true);
    expect(acl.allows('secret/alice/notes', 'create')).toBe(true);
    expect(acl.allows('identity/entity/id/e-456', 'read')).toBe(false);
    expect(acl.allows('identity/entity/name/bob', 'read')).toBe(false);
    expect(acl.allows('secret/bob/notes', 'read')).toBe(false);
    expect(acl.allows('identity/entity/id/{{identity.entity.id}}', 'read')).toBe(false);
  });

  it('drops the templated rules, and only them, for a token without an entity', () => {
    for (const acl of [Acl.build([templated]), Acl.build([templated], {})]) {
      expect(acl.allows('identity/entity/id/', 'read')).toBe(false);
      expect(acl.allows('identity/entity/id/{{identity.entity.id}}', 'read')).toBe(false);
      expect(acl.allows('identity/entity/name/', 'read')).toBe(false);
      expect(acl.allows('secret//notes', 'read')).toBe(false);
      expect(acl.allows('identity/oidc/key/k1', 'read')).toBe(true);
    }
  });

  it('drops a rule whose one value is missing and keeps the one whose value is there', () => {
    const acl = Acl.build([templated], { entityId: 'e-123' });
    expect(acl.allows('identity/entity/id/e-123', 'read')).toBe(true);
    expect(acl.allows('identity/entity/name/', 'read')).toBe(false);
  });

  it.each(['', 'a/b', 'a*', '+', 'a+b'])('drops a rule whose value %j would change the pattern', (name) => {
    const acl = Acl.build([policy('p', { 'secret/{{identity.entity.name}}': ['read'], 'secret/{{identity.entity.name}}/x': ['read'] })], {
      entityId: 'e1',
      entityName: name,
    });
    expect(acl.allows(`secret/${name}`, 'read')).toBe(false);
    expect(acl.allows(`secret/${name}/x`, 'read')).toBe(false);
    expect(acl.allows('secret/anything', 'read')).toBe(false);
  });

  it('merges a templated rule with a literal rule that expands to the same pattern', () => {
    const acl = Acl.build([policy('a', { 'identity/entity/id/{{identity.entity.id}}': ['read'] }), policy('b', { 'identity/entity/id/e1': ['update'] })], {
      entityId: 'e1',
    });
    expect(acl.capabilities('identity/entity/id/e1')).toEqual(['read', 'update']);
  });
});

describe('Acl: root', () => {
  it.each<[string, Policy[]]>([
    ['alone', [{ name: ROOT_POLICY, rules: [] }]],
    ['among other policies, even denying ones', [policy('a', { '*': ['deny'] }), { name: ROOT_POLICY, rules: [] }]],
  ])('grants everything when root is %s', (_label, policies) => {
    const acl = Acl.build(policies);
    expect(acl.isRoot).toBe(true);
    expect([...acl.capabilities('sys/policies/acl/x')].sort()).toEqual([...ALL].sort());
    for (const capability of ALL) expect(acl.allows('any/path/at/all', capability)).toBe(true);
    expect(acl.allows('x', 'deny')).toBe(false);
  });

  it('is not granted by a policy whose name only resembles root', () => {
    expect(Acl.build([{ name: 'Root', rules: [] }]).isRoot).toBe(false);
  });
});

describe('Acl: list requests', () => {
  it('lets a rule on the path without the trailing slash grant a list, as Vault does', () => {
    const acl = Acl.build([policy('a', { 'identity/oidc/key': ['list'] })]);
    expect(acl.allows('identity/oidc/key/', 'list')).toBe(true);
    expect(acl.allows('identity/oidc/key/', 'read')).toBe(false);
    expect(acl.capabilities('identity/oidc/key/')).toEqual(['list']);
  });

  it('prefers the rule matching the path without the slash', () => {
    const acl = Acl.build([policy('a', { 'identity/oidc/key*': ['read'], 'identity/oidc/*': ['list'] })]);
    expect(acl.allows('identity/oidc/key/', 'list')).toBe(false);
    expect(acl.capabilities('identity/oidc/key/')).toEqual(['read']);
  });

  it('still finds a glob that only matches with the slash', () => {
    const acl = Acl.build([policy('a', { 'identity/oidc/key/*': ['list'] })]);
    expect(acl.allows('identity/oidc/key/', 'list')).toBe(true);
    expect(acl.allows('identity/oidc/key', 'list')).toBe(false);
  });
});

describe('Acl: inputs that could not come from parsePolicy', () => {
  it('refuses a bad pattern in a hand-built policy', () => {
    expect(() => Acl.build([{ name: 'x', rules: [{ pattern: 'a/*/b', capabilities: ['read'] }] }])).toThrow(PolicyParseError);
    expect(() => Acl.build([{ name: 'x', rules: [{ pattern: 'a/{{identity.groups.ids}}', capabilities: ['read'] }] }])).toThrow(
      'failed to parse policy: policy "x", path "a/{{identity.groups.ids}}": unsupported template',
    );
  });

  it('refuses an unknown capability in a hand-built policy', () => {
    expect(() => Acl.build([{ name: 'x', rules: [{ pattern: 'a', capabilities: ['write' as Capability] }] }])).toThrow(
      'failed to parse policy: policy "x", path "a": unknown capability "write"',
    );
  });

  it('answers false for a capability name it does not know', () => {
    const acl = Acl.build([policy('a', { '*': ['read'] })]);
    for (const name of ['root', 'write', 'constructor', '']) expect(acl.allows('x', name as Capability)).toBe(false);
  });

  it('returns capability lists the caller cannot modify', () => {
    const acl = Acl.build([policy('a', { x: ['read'] })]);
    expect(Object.isFrozen(acl.capabilities('x'))).toBe(true);
    expect(Object.isFrozen(acl.capabilities('y'))).toBe(true);
  });
});
