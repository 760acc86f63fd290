import { describe, expect, it } from '@jest/globals';
import { LanyardError } from '../../server/errors.js';
import { MAX_POLICY_BYTES, MAX_POLICY_RULES, parsePolicy, PolicyParseError, type Policy } from '../../server/policy/index.js';

const rulesOf = (text: string): Policy['rules'] => parsePolicy('p', text).rules;

function parseError(text: string, name = 'p'): PolicyParseError {
  try {
    parsePolicy(name, text);
  } catch (err) {
    if (err instanceof PolicyParseError) return err;
    throw err;
  }
  throw new Error('expected a PolicyParseError');
}

describe('parsePolicy (HCL): accepted policies', () => {
  it('reads the documented example with every comment style', () => {
    const text = [
      '# comment',
      '// comment',
      '/* block',
      '   comment */',
      'path "secret/*" {',
      '  capabilities = ["create", "read", "update", "delete", "list"]',
      '}',
      'path "sys/policies/acl/+" { capabilities = ["read"] }',
    ].join('\n');
    expect(parsePolicy('admins', text)).toEqual({
      name: 'admins',
      rules: [
        { pattern: 'secret/*', capabilities: ['read', 'list', 'update', 'delete', 'create'] },
        { pattern: 'sys/policies/acl/+', capabilities: ['read'] },
      ],
    });
  });

  it.each<[string, string, readonly string[]]>([
    ['trailing comma in a list', 'path "a" { capabilities = ["read", "list",] }', ['read', 'list']],
    ['an empty list', 'path "a" { capabilities = [] }', []],
    ['duplicated capabilities', 'path "a" { capabilities = ["read", "read"] }', ['read']],
    ['every capability, printed in a fixed order', 'path "a" { capabilities = ["patch", "create", "delete", "update", "list", "read", "sudo"] }', ['sudo', 'read', 'list', 'update', 'delete', 'create', 'patch']],
    ['deny alongside others collapses to deny', 'path "a" { capabilities = ["read", "deny", "sudo"] }', ['deny']],
    ['attributes separated by commas', 'path "a" { capabilities = ["read"], comment = "x", }', ['read']],
    ['a quoted key', 'path "a" { "capabilities" = ["read"] }', ['read']],
    ['the object form of a path', 'path = { "a" = { capabilities = ["read"] } }', ['read']],
    ['a comment attribute (accepted, as in Vault)', 'path "a" {\n comment = "why"\n capabilities = ["update"]\n}', ['update']],
    ['a line comment inside a list', 'path "a" {\n capabilities = [\n  "read", # reading\n  "list" // listing\n ]\n}', ['read', 'list']],
    ['CRLF line endings', 'path "a" {\r\n  capabilities = ["read"]\r\n}\r\n', ['read']],
  ])('accepts %s', (_label, text, capabilities) => {
    expect(rulesOf(text)).toEqual([{ pattern: 'a', capabilities }]);
  });

  it.each<[string, readonly string[]]>([
    ['read', ['read', 'list']],
    ['write', ['read', 'list', 'update', 'delete', 'create']],
    ['sudo', ['sudo', 'read', 'list', 'update', 'delete', 'create']],
    ['deny', ['deny']],
  ])('maps the legacy policy = "%s" as Vault does', (policy, capabilities) => {
    expect(rulesOf(`path "a" { policy = "${policy}" }`)).toEqual([{ pattern: 'a', capabilities }]);
  });

  it.each<[string, readonly string[]]>([
    ['path "a" { policy = "read"\n capabilities = ["update"] }', ['read', 'list', 'update']],
    ['path "a" { capabilities = ["patch"]\n policy = "write" }', ['read', 'list', 'update', 'delete', 'create', 'patch']],
    ['path "a" { capabilities = ["read"]\n policy = "deny" }', ['deny']],
  ])('adds a legacy policy to the capabilities in the same block: %s', (text, capabilities) => {
    expect(rulesOf(text)).toEqual([{ pattern: 'a', capabilities }]);
  });

  it.each<[string, string]>([
    ['"a\\"b"', 'a"b'],
    ['"a\\\\b"', 'a\\b'],
    ['"caf\\u00e9"', 'café'],
    ['"smile\\U0001F600"', 'smile\u{1F600}'],
    ['"/sys/mounts"', 'sys/mounts'],
    ['"${not.interpolated}"', '${not.interpolated}'],
  ])('decodes the path %s', (literal, pattern) => {
    expect(rulesOf(`path ${literal} { capabilities = ["read"] }`)).toEqual([{ pattern, capabilities: ['read'] }]);
  });

  it('accepts a top-level name (ignored, as in Vault) and templated paths', () => {
    const text = 'name = "ignored"\npath "identity/entity/id/{{ identity.entity.id }}" { capabilities = ["read"] }';
    expect(parsePolicy('p', text)).toEqual({
      name: 'p',
      rules: [{ pattern: 'identity/entity/id/{{ identity.entity.id }}', capabilities: ['read'] }],
    });
  });

  it('accepts a policy of comments only, with no rules', () => {
    expect(rulesOf('# nothing granted yet\n')).toEqual([]);
  });

  it('ignores a leading byte order mark', () => {
    expect(rulesOf('\uFEFFpath "a" { capabilities = ["read"] }')).toEqual([{ pattern: 'a', capabilities: ['read'] }]);
  });

  it(`accepts ${MAX_POLICY_RULES} rules`, () => {
    const text = Array.from({ length: MAX_POLICY_RULES }, (_, i) => `path "p/${i}" { capabilities = ["read"] }`).join('\n');
    expect(rulesOf(text)).toHaveLength(MAX_POLICY_RULES);
  });
});

describe('parsePolicy (HCL): refused policies', () => {
  it('is an invalid_request LanyardError carrying the position', () => {
    const err = parseError('path "a" {\n  capabilities = [\n    "reed"\n  ]\n}');
    expect(err).toBeInstanceOf(LanyardError);
    expect(err.code).toBe('invalid_request');
    expect(err.status).toBe(400);
    expect(err.message).toBe('failed to parse policy: line 3, column 5: unknown capability "reed"');
    expect([err.line, err.column]).toEqual([3, 5]);
  });

  it.each<[string, string, string]>([
    ['an unknown capability', 'path "a" { capabilities = ["read", "Write"] }', 'line 1, column 36: unknown capability "Write"'],
    ['a capability Lanyard does not support', 'path "a" { capabilities = ["subscribe"] }', 'line 1, column 28: capability "subscribe" is not supported by Lanyard'],
    ['root as a capability', 'path "a" { capabilities = ["root"] }', 'line 1, column 28: unknown capability "root"'],
    ['a non-string capability', 'path "a" { capabilities = ["read", 7] }', 'line 1, column 36: "capabilities" must be a list of strings, found a number'],
    ['capabilities given as a string', 'path "a" { capabilities = "read" }', 'line 1, column 27: "capabilities" must be a list of strings, found a string'],
    ['an unknown key in a path block', 'path "a" {\n  capabilites = ["read"]\n}', 'line 2, column 3: unknown key "capabilites" in path "a"'],
    ['a duplicate key', 'path "a" {\n  capabilities = ["read"]\n  capabilities = ["update"]\n}', 'line 3, column 3: duplicate key "capabilities" (first set at line 2, column 3)'],
    ['a path defined twice', 'path "a/*" { capabilities = ["read"] }\npath "/a/*" { capabilities = ["list"] }', 'line 2, column 6: duplicate path "a/*" (first defined at line 1, column 6)'],
    ['a path block without capabilities', 'path "a" {\n  comment = "x"\n}', 'line 1, column 6: path "a" sets no "capabilities"'],
    ['an invalid legacy policy', 'path "a" { policy = "admin" }', 'line 1, column 21: invalid policy "admin" (expected "deny", "read", "write" or "sudo")'],
    ['a legacy policy that is not a string', 'path "a" { policy = ["read"] }', 'line 1, column 21: "policy" must be a string, found a list'],
    ['an unknown top-level key', 'paths "a" { capabilities = ["read"] }', 'line 1, column 1: unknown key "paths": a policy holds only "path" blocks'],
    ['a path that is not a block', 'path = "a"', 'line 1, column 8: "path" must map path patterns to rules, found a string'],
    ['a rule that is not a block', 'path = { "a" = ["read"] }', 'line 1, column 16: path "a" must be a block, found a list'],
    ['an unterminated string', 'path "a" {\n  capabilities = ["read]\n}', 'line 2, column 19: unterminated string'],
    ['an unterminated string at the end', 'path "a', 'line 1, column 6: unterminated string'],
    ['an unterminated block comment', 'path "a" { capabilities = ["read"] }\n/* never closed', 'line 2, column 1: unterminated block comment'],
    ['a missing closing brace', 'path "a" {\n  capabilities = ["read"]\n', 'line 3, column 1: unexpected end of input: "{" at line 1, column 10 is never closed'],
    ['a missing closing bracket', 'path "a" { capabilities = ["read" }', 'line 1, column 35: expected "," or "]", found "}"'],
    ['an unclosed list', 'path "a" { capabilities = ["read",', 'line 1, column 35: unexpected end of input: "[" at line 1, column 27 is never closed'],
    ['an extra closing brace', 'path "a" { capabilities = ["read"] }\n}', 'line 2, column 1: expected a key, found "}"'],
    ['an unquoted value', 'path "a" { capabilities = [read] }', 'line 1, column 28: expected a value (strings must be quoted), found "read"'],
    ['a missing "="', 'path "a" { capabilities ["read"] }', 'line 1, column 25: expected "=" or "{" after "capabilities", found "["'],
    ['a label without a block', 'path "a" = { }', 'line 1, column 10: expected "{", found "="'],
    ['a stray character', 'path "a" { capabilities = ["read"] } @', 'line 1, column 38: unexpected character "@"'],
    ['an emoji counted as one column', '# 😀\n😀 path', 'line 2, column 1: unexpected character "😀"'],
    ['an emoji earlier on the line', 'path "😀" { capabilities = ["reed"] }', 'line 1, column 28: unknown capability "reed"'],
    ['an invalid escape', 'path "a\\q" { capabilities = ["read"] }', 'line 1, column 8: invalid escape sequence "\\\\q"'],
    ['a short unicode escape', 'path "a\\u12" { capabilities = ["read"] }', 'line 1, column 8: invalid escape sequence "\\\\u12"'],
    ['a surrogate unicode escape', 'path "a\\ud800" { capabilities = ["read"] }', 'line 1, column 8: invalid escape sequence "\\\\ud800"'],
    ['an invalid number', 'path "a" { capabilities = [1.2.3] }', 'line 1, column 28: invalid number "1.2.3"'],
    ['a heredoc', 'path "a" { capabilities = <<EOF\nread\nEOF\n}', 'line 1, column 27: unexpected character "<"'],
    ['a bare word as a whole policy', 'garbage', 'line 1, column 8: expected "=" or "{" after "garbage", found end of input'],
  ])('refuses %s', (_label, text, where) => {
    expect(parseError(text).message).toBe(`failed to parse policy: ${where}`);
  });

  it.each([
    'allowed_parameters',
    'denied_parameters',
    'required_parameters',
    'min_wrapping_ttl',
    'max_wrapping_ttl',
    'control_group',
    'mfa_methods',
    'subscribe_event_types',
  ])('refuses the Vault key %s by name, never ignoring it', (key) => {
    const values: Record<string, string> = {
      allowed_parameters: '{ "ttl" = [] }',
      denied_parameters: '{ "*" = [] }',
      required_parameters: '["ttl"]',
      min_wrapping_ttl: '"1s"',
      max_wrapping_ttl: '90',
      control_group: '{ factor "f" { identity { approvals = 1 } } }',
      mfa_methods: '["totp"]',
      subscribe_event_types: '["*"]',
    };
    const text = `path "a" {\n  capabilities = ["read"]\n  ${key} = ${values[key]}\n}`;
    expect(parseError(text).message).toBe(
      `failed to parse policy: line 3, column 3: "${key}" is not supported by Lanyard: it cannot be enforced, so the policy is refused rather than applied without it`,
    );
  });

  it('refuses a parameter restriction written as a block', () => {
    expect(parseError('path "a" {\n  capabilities = ["update"]\n  allowed_parameters "ttl" {}\n}').message).toMatch(
      /^failed to parse policy: line 3, column 3: "allowed_parameters" is not supported by Lanyard/,
    );
  });

  it.each<[string, string, string]>([
    ['an empty path', '""', 'path "": path cannot be empty'],
    ['a lone slash', '"/"', 'path "/": path cannot be empty'],
    ['"+*"', '"a/+*"', `path "a/+*": invalid use of wildcards ('+*' is forbidden)`],
    ['a "*" before the end', '"a/*/b"', 'path "a/*/b": "*" is only allowed at the end of a path; use "+" to match one segment'],
    ['a control character', '"a\\nb"', 'path "a\\nb": path contains a control character'],
    ['an unsupported template', '"a/{{identity.entity.metadata.team}}"', 'path "a/{{identity.entity.metadata.team}}": unsupported template "{{identity.entity.metadata.team}}": Lanyard supports only {{identity.entity.id}} and {{identity.entity.name}}'],
    ['a time template', '"a/{{time.now}}"', 'path "a/{{time.now}}": unsupported template "{{time.now}}": Lanyard supports only {{identity.entity.id}} and {{identity.entity.name}}'],
    ['an unclosed template', '"a/{{identity.entity.id"', 'path "a/{{identity.entity.id": unbalanced "{{" and "}}"'],
    ['a close without an open', '"a/identity.entity.id}}"', 'path "a/identity.entity.id}}": unbalanced "{{" and "}}"'],
    ['nested templates', '"a/{{ {{identity.entity.id}} }}"', 'path "a/{{ {{identity.entity.id}} }}": unbalanced "{{" and "}}"'],
  ])('refuses %s as a path', (_label, literal, problem) => {
    expect(parseError(`path ${literal} { capabilities = ["read"] }`).message).toBe(`failed to parse policy: line 1, column 6: ${problem}`);
  });

  it.each<[string, string]>([
    ['', 'failed to parse policy: policy is empty'],
    [' \n\t ', 'failed to parse policy: policy is empty'],
  ])('refuses the empty policy %j', (text, message) => {
    expect(parseError(text).message).toBe(message);
  });

  it('refuses text that is not a string', () => {
    expect(parseError(42 as unknown as string).message).toBe('failed to parse policy: policy must be a string');
  });

  it.each(['root', 'ROOT', ' Root '])('refuses to define the root policy (%j)', (name) => {
    expect(parseError('path "a" { capabilities = ["read"] }', name).message).toBe(
      'failed to parse policy: the root policy is built in and cannot be defined',
    );
  });

  it(`refuses more than ${MAX_POLICY_BYTES} bytes, counted in UTF-8`, () => {
    const rule = 'path "a" { capabilities = ["read"] }\n';
    const padding = '#'.padEnd(MAX_POLICY_BYTES - rule.length - 1, 'x');
    expect(rulesOf(`${rule}${padding}\n`)).toHaveLength(1);
    // Half as many characters, but two bytes each.
    const wide = `${rule}#${'é'.repeat(MAX_POLICY_BYTES / 2)}`;
    expect(wide.length).toBeLessThan(MAX_POLICY_BYTES);
    expect(parseError(wide).message).toBe(`failed to parse policy: policy is larger than ${MAX_POLICY_BYTES} bytes`);
    expect(parseError(`${rule}${padding}xx`).message).toBe(`failed to parse policy: policy is larger than ${MAX_POLICY_BYTES} bytes`);
  });

  it(`refuses more than ${MAX_POLICY_RULES} rules`, () => {
    const text = Array.from({ length: MAX_POLICY_RULES + 1 }, (_, i) => `path "p/${i}" { capabilities = ["read"] }`).join('\n');
    expect(parseError(text).message).toBe(`failed to parse policy: line ${MAX_POLICY_RULES + 1}, column 6: too many path rules (at most ${MAX_POLICY_RULES})`);
  });

  it('refuses nesting deep enough to threaten the stack', () => {
    const deep = `path "a" { capabilities = ${'['.repeat(40)}${']'.repeat(40)} }`;
    expect(parseError(deep).message).toBe('failed to parse policy: line 1, column 58: nesting deeper than 32 levels');
  });

  it('shortens a huge offending value in the message', () => {
    const message = parseError(`path "a" { capabilities = ["${'r'.repeat(10_000)}"] }`).message;
    expect(message).toBe(`failed to parse policy: line 1, column 28: unknown capability "${'r'.repeat(64)}…"`);
  });
});
