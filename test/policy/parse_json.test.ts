import { describe, expect, it } from '@jest/globals';
import { parsePolicy, PolicyParseError } from '../../server/policy/index.js';

function parseError(text: string): PolicyParseError {
  try {
    parsePolicy('p', text);
  } catch (err) {
    if (err instanceof PolicyParseError) return err;
    throw err;
  }
  throw new Error('expected a PolicyParseError');
}

describe('parsePolicy (JSON): accepted policies', () => {
  it('reads the documented form', () => {
    expect(parsePolicy('p', '{"path": {"secret/*": {"capabilities": ["read"]}}}')).toEqual({
      name: 'p',
      rules: [{ pattern: 'secret/*', capabilities: ['read'] }],
    });
  });

  it('gives the same rules as the equivalent HCL', () => {
    const hcl = `
      path "identity/oidc/key/*" { capabilities = ["read", "list"] }
      path "identity/oidc/provider/+/authorize" { policy = "write" }
      path "/sys/capabilities-self" { capabilities = ["update"] comment = "self" }
      path "identity/entity/id/{{identity.entity.id}}" { capabilities = ["deny", "read"] }`;
    const json = JSON.stringify(
      {
        path: {
          'identity/oidc/key/*': { capabilities: ['read', 'list'] },
          'identity/oidc/provider/+/authorize': { policy: 'write' },
          '/sys/capabilities-self': { capabilities: ['update'], comment: 'self' },
          'identity/entity/id/{{identity.entity.id}}': { capabilities: ['deny', 'read'] },
        },
      },
      null,
      2,
    );
    expect(parsePolicy('p', json)).toEqual(parsePolicy('p', hcl));
  });

  it.each<[string, string, string]>([
    ['escapes', '{"path": {"a\\/b\\u00e9\\"": {"capabilities": ["read"]}}}', 'a/bé"'],
    ['surrounding whitespace', ' \n\t{"path": {"a": {"capabilities": ["read"]}}}\r\n', 'a'],
    ['a top-level name', '{"name": "x", "path": {"a": {"capabilities": ["read"]}}}', 'a'],
  ])('accepts %s', (_label, text, pattern) => {
    expect(parsePolicy('p', text).rules).toEqual([{ pattern, capabilities: ['read'] }]);
  });

  it('accepts an empty path map', () => {
    expect(parsePolicy('p', '{"path": {}}').rules).toEqual([]);
  });

  it('accepts two "path" keys as long as no pattern repeats', () => {
    const text = '{"path": {"a": {"capabilities": ["read"]}}, "path": {"b": {"capabilities": ["list"]}}}';
    expect(parsePolicy('p', text).rules).toEqual([
      { pattern: 'a', capabilities: ['read'] },
      { pattern: 'b', capabilities: ['list'] },
    ]);
  });
});

describe('parsePolicy (JSON): refused policies', () => {
  it.each<[string, string, string]>([
    ['a duplicate path, which JSON.parse would silently drop', '{"path": {\n  "a": {"capabilities": ["deny"]},\n  "a": {"capabilities": ["read"]}\n}}', 'line 3, column 3: duplicate path "a" (first defined at line 2, column 3)'],
    ['a duplicate key in a rule', '{"path": {"a": {"capabilities": ["read"], "capabilities": ["sudo"]}}}', 'line 1, column 43: duplicate key "capabilities" (first set at line 1, column 17)'],
    ['an unknown capability', '{"path": {"a": {\n  "capabilities": ["read", "reed"]\n}}}', 'line 2, column 28: unknown capability "reed"'],
    ['an unsupported Vault key', '{"path": {"a": {"capabilities": ["read"], "allowed_parameters": {"x": []}}}}', 'line 1, column 43: "allowed_parameters" is not supported by Lanyard: it cannot be enforced, so the policy is refused rather than applied without it'],
    ['an unknown key', '{"path": {"a": {"capabilities": ["read"], "extra": true}}}', 'line 1, column 43: unknown key "extra" in path "a"'],
    ['a rule that is not an object', '{"path": {"a": ["read"]}}', 'line 1, column 16: path "a" must be a block, found a list'],
    ['a path map that is a list', '{"path": [{"a": {"capabilities": ["read"]}}]}', 'line 1, column 10: "path" must map path patterns to rules, found a list'],
    ['capabilities as null', '{"path": {"a": {"capabilities": null}}}', 'line 1, column 33: "capabilities" must be a list of strings, found null'],
    ['a boolean capability', '{"path": {"a": {"capabilities": [true]}}}', 'line 1, column 34: "capabilities" must be a list of strings, found a boolean'],
    ['a trailing comma in an object', '{"path": {"a": {"capabilities": ["read"]},}}', 'line 1, column 43: expected a string key, found "}"'],
    ['a trailing comma in a list', '{"path": {"a": {"capabilities": ["read",]}}}', 'line 1, column 41: expected a value, found "]"'],
    ['a missing colon', '{"path" {"a": {}}}', 'line 1, column 9: expected ":", found "{"'],
    ['a missing comma', '{"path": {"a": {"capabilities": ["read"] "policy": "read"}}}', 'line 1, column 42: expected "," or "}", found "\\""'],
    ['an unterminated string', '{"path": {"a": {"capabilities": ["read\n]}}}', 'line 1, column 34: unterminated string'],
    ['a raw control character in a string', '{"path": {"a\tb": {"capabilities": ["read"]}}}', 'line 1, column 13: control characters must be escaped in strings'],
    ['an invalid escape', '{"path": {"a\\x": {"capabilities": ["read"]}}}', 'line 1, column 13: invalid escape sequence "\\\\x"'],
    ['a short unicode escape', '{"path": {"a\\u00": {"capabilities": ["read"]}}}', 'line 1, column 13: invalid escape sequence "\\\\u00"'],
    ['a single-quoted string', "{'path': {}}", `line 1, column 2: expected a string key, found "'"`],
    ['an unknown literal', '{"path": {"a": {"capabilities": [nope]}}}', 'line 1, column 34: unexpected "nope"'],
    ['a number with a leading zero', '{"path": {"a": {"capabilities": [01]}}}', 'line 1, column 34: invalid number "01"'],
    ['text after the document', '{"path": {}} {}', 'line 1, column 14: expected end of input, found "{"'],
    ['a truncated document', '{"path": {"a": {"capabilities": ["read"]', 'line 1, column 41: unexpected end of input, expected "," or "}" (opened at line 1, column 16)'],
    ['a JSON comment', '{"path": {} // no\n}', 'line 1, column 13: expected "," or "}", found "/"'],
    ['an unknown top-level key', '{"paths": {}}', 'line 1, column 2: unknown key "paths": a policy holds only "path" blocks'],
    ['deep nesting', `{"path": {"a": {"capabilities": ${'['.repeat(40)}${']'.repeat(40)}}}}`, 'line 1, column 62: nesting deeper than 32 levels'],
  ])('refuses %s', (_label, text, where) => {
    expect(parseError(text).message).toBe(`failed to parse policy: ${where}`);
  });

  it('reads a document starting with "[" as HCL, and refuses it', () => {
    expect(parseError('[{"path": {}}]').message).toBe('failed to parse policy: line 1, column 1: expected a key, found "["');
  });
});
