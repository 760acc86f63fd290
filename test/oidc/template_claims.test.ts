import { describe, expect, it } from '@jest/globals';
import { LanyardError } from '../../server/errors.js';
import { goQuote, isReservedClaim, mergeScopeClaims, reservedClaimError, RESERVED_CLAIMS } from '../../server/oidc/claims.js';
import { renderTemplate, type TemplateEntity } from '../../server/oidc/template.js';

const mergeError = (rendered: Parameters<typeof mergeScopeClaims>[0]): LanyardError => {
  try {
    mergeScopeClaims(rendered);
  } catch (err) {
    expect(err).toBeInstanceOf(LanyardError);
    return err as LanyardError;
  }
  throw new Error('merge succeeded');
};

describe('RESERVED_CLAIMS', () => {
  it("is Vault's list, in Vault's order", () => {
    expect(RESERVED_CLAIMS).toEqual(['iat', 'aud', 'exp', 'iss', 'sub', 'namespace', 'nonce', 'auth_time', 'at_hash', 'c_hash']);
    expect(isReservedClaim('sub')).toBe(true);
    expect(isReservedClaim('email')).toBe(false);
  });

  it('names the first reserved top-level key', () => {
    expect(reservedClaimError({ email: 'x', nonce: 'n', sub: 's' })).toBe(
      'top level key "nonce" not allowed. Restricted keys: iat, aud, exp, iss, sub, namespace, nonce, auth_time, at_hash, c_hash',
    );
    expect(reservedClaimError({ email: 'x', nested: { sub: 's' } })).toBeUndefined();
  });
});

describe('mergeScopeClaims', () => {
  it('merges the top-level claims of several scopes', () => {
    expect(
      mergeScopeClaims([
        { scope: 'user', claims: { username: 'alice', contact: { email: 'a@example.com' } } },
        { scope: 'groups', claims: { groups: ['eng'] } },
      ]),
    ).toEqual({ username: 'alice', contact: { email: 'a@example.com' }, groups: ['eng'] });
  });

  it('yields nothing for no scopes', () => {
    expect(mergeScopeClaims([])).toEqual({});
  });

  it('fails the request when two scopes set the same top-level claim', () => {
    const err = mergeError([
      { scope: 'user', claims: { username: 'alice', contact: { email: 'a@example.com' } } },
      { scope: 'u2', claims: { contact: { phone: '123' } } },
    ]);
    expect(err.message).toBe('found scopes with conflicting top-level claim: claim "contact" in scopes "u2", "user"');
    expect(err.code).toBe('invalid_request');
    expect(err.status).toBe(400);
  });

  it('never merges nested keys, so equal nested names do not conflict', () => {
    expect(
      mergeScopeClaims([
        { scope: 'a', claims: { first: { email: 'x' } } },
        { scope: 'b', claims: { second: { email: 'y' } } },
      ]),
    ).toEqual({ first: { email: 'x' }, second: { email: 'y' } });
  });

  it('drops reserved claims silently', () => {
    expect(mergeScopeClaims([{ scope: 'meta', claims: { sub: 'forged', iss: 'forged', email: 'a@example.com' } }])).toEqual({
      email: 'a@example.com',
    });
  });

  it('checks conflicts before dropping reserved claims, as Vault', () => {
    expect(
      mergeError([
        { scope: 'm1', claims: { sub: 'x' } },
        { scope: 'm2', claims: { sub: 'y' } },
      ]).message,
    ).toBe('found scopes with conflicting top-level claim: claim "sub" in scopes "m2", "m1"');
  });

  it('keeps a "__proto__" claim as data without touching the prototype', () => {
    const merged = mergeScopeClaims([{ scope: 's', claims: JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown> }]);
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(Object.keys(merged).sort()).toEqual(['__proto__', 'a']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('merges what dynamic metadata templates render, dropping reserved keys they carry', () => {
    const entity: TemplateEntity = {
      id: 'e1',
      name: 'alice',
      metadata: { sub: 'forged', department: 'ops' },
      groups: [],
      aliases: [],
    };
    const now = Date.UTC(2024, 0, 1);
    const merged = mergeScopeClaims([
      { scope: 'meta', claims: renderTemplate('{{identity.entity.metadata}}', entity, now) },
      { scope: 'groups', claims: renderTemplate('{"groups": {{identity.entity.groups.names}}}', entity, now) },
    ]);
    expect(merged).toEqual({ department: 'ops', groups: [] });
  });
});

describe('goQuote (Go %q for Vault-identical messages)', () => {
  it.each<[string, string]>([
    ['plain', '"plain"'],
    ['a"b\\c', '"a\\"b\\\\c"'],
    ['line\nbreak\ttab\x07bell', '"line\\nbreak\\ttab\\abell"'],
    ['nul\x00del\x7f', '"nul\\x00del\\x7f"'],
    ['é ü 日本 😀', '"é ü 日本 😀"'],
    ['zero\u200bwidth', '"zero\\u200bwidth"'],
    ['\u{e0001}', '"\\U000e0001"'],
  ])('%j → %s', (input, expected) => {
    expect(goQuote(input)).toBe(expected);
  });
});
