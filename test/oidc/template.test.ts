import { describe, expect, it } from '@jest/globals';
import {
  decodeTemplateParam,
  EMPTY_TEMPLATE_ENTITY,
  renderTemplate,
  TemplateError,
  validateTemplate,
  type TemplateEntity,
} from '../../server/oidc/template.js';
import { RESERVED_CLAIMS } from '../../server/oidc/claims.js';

const ACC = 'auth_userpass_5d6c8a1f';

const alice: TemplateEntity = {
  id: 'e7a1c9b0-0000-4000-8000-000000000001',
  name: 'alice',
  metadata: { email: 'alice@example.com', phone_number: '123' },
  groups: [
    { id: 'g-eng', name: 'engineering', metadata: { team: 'core' } },
    { id: 'g-parent', name: 'parent' },
  ],
  aliases: [
    {
      id: 'alias-1',
      name: 'alice-login',
      mount_accessor: ACC,
      metadata: { region: 'eu' },
      custom_metadata: { badge: '42' },
    },
  ],
};

// 2023-11-14T22:13:20.500Z: half a second past a whole second, so rounding mistakes show.
const NOW = 1_700_000_000_500;
const NOW_S = 1_700_000_000;

const render = (template: string, entity: TemplateEntity = alice, now = NOW): Record<string, unknown> =>
  renderTemplate(template, entity, now);

const renderError = (template: string, entity: TemplateEntity = alice): string => {
  try {
    renderTemplate(template, entity, NOW);
  } catch (err) {
    expect(err).toBeInstanceOf(TemplateError);
    return (err as Error).message;
  }
  throw new Error(`template rendered without error: ${template}`);
};

describe('renderTemplate: entity directives', () => {
  it.each<[string, unknown]>([
    ['identity.entity.id', alice.id],
    ['identity.entity.name', 'alice'],
    ['identity.entity.metadata', { email: 'alice@example.com', phone_number: '123' }],
    ['identity.entity.metadata.email', 'alice@example.com'],
    ['identity.entity.metadata.missing', ''],
    ['identity.entity.metadata.constructor', ''],
    ['identity.entity.metadata.', ''],
    ['identity.entity.groups.names', ['engineering', 'parent']],
    ['identity.entity.groups.ids', ['g-eng', 'g-parent']],
    [`identity.entity.aliases.${ACC}.id`, 'alias-1'],
    [`identity.entity.aliases.${ACC}.name`, 'alice-login'],
    [`identity.entity.aliases.${ACC}.metadata`, { region: 'eu' }],
    [`identity.entity.aliases.${ACC}.metadata.region`, 'eu'],
    [`identity.entity.aliases.${ACC}.metadata.missing`, ''],
    [`identity.entity.aliases.${ACC}.custom_metadata`, { badge: '42' }],
    [`identity.entity.aliases.${ACC}.custom_metadata.badge`, '42'],
    [`identity.entity.aliases.${ACC}.custom_metadata.missing`, ''],
    ['identity.entity.aliases.auth_unknown.id', ''],
    ['identity.entity.aliases.auth_unknown.name', ''],
    ['identity.entity.aliases.auth_unknown.metadata', {}],
    ['identity.entity.aliases.auth_unknown.custom_metadata.x', ''],
  ])('{{%s}}', (directive, expected) => {
    expect(render(`{"v": {{${directive}}}}`)).toEqual({ v: expected });
  });

  it('yields "" and {} for an entity without values, and [] for no groups (not Vault’s null)', () => {
    expect(
      render(
        '{"id": {{identity.entity.id}}, "m": {{identity.entity.metadata}}, "g": {{identity.entity.groups.names}}, "i": {{identity.entity.groups.ids}}}',
        EMPTY_TEMPLATE_ENTITY,
      ),
    ).toEqual({ id: '', m: {}, g: [], i: [] });
  });

  it('spreads all metadata as top-level claims for a bare {{identity.entity.metadata}}', () => {
    expect(render('{{identity.entity.metadata}}')).toEqual({ email: 'alice@example.com', phone_number: '123' });
  });

  it('renders the acceptance-suite scope templates', () => {
    expect(
      render(`{"username": {{identity.entity.aliases.${ACC}.name}}, "contact": {"email": {{identity.entity.metadata.email}}}}`),
    ).toEqual({ username: 'alice-login', contact: { email: 'alice@example.com' } });
    expect(render('{"groups": {{identity.entity.groups.names}} }')).toEqual({ groups: ['engineering', 'parent'] });
  });

  it('trims whitespace inside the braces', () => {
    expect(render('{"a": {{   identity.entity.name   }}, "b": {{\n\tidentity.entity.id\n}}}')).toEqual({
      a: 'alice',
      b: alice.id,
    });
  });

  it('quotes inserted strings as valid JSON, whatever they contain', () => {
    const tricky = 'quote " backslash \\ newline \n tab \t bell \x07 nul \x00 line-sep \u2028 é 😀';
    const entity: TemplateEntity = { ...alice, name: tricky, metadata: { k: tricky } };
    expect(render('{"n": {{identity.entity.name}}, "m": {{identity.entity.metadata}}}', entity)).toEqual({
      n: tricky,
      m: { k: tricky },
    });
  });

  it('keeps a "__proto__" metadata key as data', () => {
    const entity: TemplateEntity = { ...alice, metadata: JSON.parse('{"__proto__": "x", "a": "b"}') as Record<string, string> };
    const claims = render('{"m": {{identity.entity.metadata}}}', entity);
    const metadata = claims.m as Record<string, unknown>;
    expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype);
    expect(Object.keys(metadata).sort()).toEqual(['__proto__', 'a']);
  });

  it('renders a cached template afresh for each entity', () => {
    const template = '{"who": {{identity.entity.name}}}';
    expect(render(template)).toEqual({ who: 'alice' });
    expect(render(template, { ...alice, name: 'bob' })).toEqual({ who: 'bob' });
  });

  it('treats an empty template and the literal null as no claims', () => {
    expect(render('')).toEqual({});
    expect(render('null')).toEqual({});
  });

  it('leaves a template without directives as it is', () => {
    expect(render('{"static": {"nested": [1, "two"]}}')).toEqual({ static: { nested: [1, 'two'] } });
  });

  it('reads a }} outside a directive as text, so nested objects need no spaces (vault#30146)', () => {
    expect(render('{"contact": {"email": {{identity.entity.metadata.email}}}}')).toEqual({
      contact: { email: 'alice@example.com' },
    });
    expect(render('{"a": {"b": {"c": {{identity.entity.name}}}}}')).toEqual({ a: { b: { c: 'alice' } } });
    expect(render('{"a": "}}", "b": {{identity.entity.name}}}')).toEqual({ a: '}}', b: 'alice' });
  });

  it('renders templates Vault accepts exactly as Vault does', () => {
    expect(render('{"contact": {"email": {{identity.entity.metadata.email}} } }')).toEqual({
      contact: { email: 'alice@example.com' },
    });
    expect(render('{"t": {{time.now}}}')).toEqual({ t: NOW_S });
  });
});

describe('renderTemplate: time directives', () => {
  it.each<[string, number]>([
    ['time.now', NOW_S],
    ['time.now.plus.3600', NOW_S + 3600],
    ['time.now.minus.90', NOW_S - 90],
    ['time.now.plus.-30', NOW_S - 30],
    ['time.now.plus.+30', NOW_S + 30],
    ['time.now.plus.1h', NOW_S + 3600],
    ['time.now.plus.1h30m', NOW_S + 5400],
    ['time.now.plus.1.5h', NOW_S + 5400],
    ['time.now.plus..5m', NOW_S + 30],
    ['time.now.plus.2d', NOW_S + 2 * 86400],
    ['time.now.minus.1d', NOW_S - 86400],
    ['time.now.plus.499ms', NOW_S], // 0.500 + 0.499 s stays in the same second
    ['time.now.plus.500ms', NOW_S + 1],
    ['time.now.minus.501ms', NOW_S - 1],
    ['time.now.minus.1ns', NOW_S],
    ['time.now.plus.1µs', NOW_S],
    ['time.now.plus.0', NOW_S],
    ['time.now.plus.', NOW_S],
    ['time.now.minus.-1h', NOW_S + 3600],
  ])('{{%s}}', (directive, expected) => {
    expect(render(`{"t": {{${directive}}}}`)).toEqual({ t: expected });
  });

  it('inserts time unquoted, so it can sit inside a string too', () => {
    expect(render('{"t": "at {{time.now}}"}')).toEqual({ t: `at ${NOW_S}` });
  });

  it('floors times before the epoch like Go', () => {
    expect(render('{"t": {{time.now}}}', alice, -1)).toEqual({ t: -1 });
  });
});

describe('renderTemplate: identity.groups directives (raw values)', () => {
  it.each<[string, unknown]>([
    ['{"v": "{{identity.groups.names.engineering.id}}"}', 'g-eng'],
    ['{"v": "{{identity.groups.ids.g-eng.name}}"}', 'engineering'],
    ['{"v": "{{identity.groups.names.engineering.metadata.team}}"}', 'core'],
  ])('%s', (template, expected) => {
    expect(render(template)).toEqual({ v: expected });
  });

  it('inserts the raw value, which is not JSON unless the author quotes it', () => {
    expect(renderError('{"v": {{identity.groups.names.engineering.id}}}')).toMatch(/^error parsing template JSON: /);
  });
});

describe('renderTemplate: errors carry Vault messages', () => {
  const P = 'error parsing template: ';
  it.each<[string, string]>([
    ['{"a": {{identity.entity.name}', 'unbalanced templating characters'],
    ['{"a": {{identity.entity.name} }', 'unbalanced templating characters'],
    ['{"a": "{{"}', 'unbalanced templating characters'],
    ['{"a": {{ {{identity.entity.name}} }}', 'unbalanced templating characters'],
    ['{"a": {{{{identity.entity.name}}}}', 'unbalanced templating characters'],
    ['{"a": {{{identity.entity.name}} }', 'no value could be found for one of the template directives'],
    ['{"a": {{identity.entity.foo}} }', 'no value could be found for one of the template directives'],
    ['{"a": {{identity.foo}} }', 'no value could be found for one of the template directives'],
    ['{"a": {{}} }', 'no value could be found for one of the template directives'],
    ['{"a": {{identity.entity.groups}} }', 'no value could be found for one of the template directives'],
    ['{"a": {{identity.entity.aliases.acc}} }', 'invalid alias selector'],
    [`{"a": {{identity.entity.aliases.${ACC}.foo}} }`, 'no value could be found for one of the template directives'],
    ['{"a": {{time.later}} }', 'invalid time selector "later"'],
    ['{"a": {{time.}} }', 'invalid time selector ""'],
    ['{"a": {{time.now.plus}} }', 'missing time operand'],
    ['{"a": {{time.now.times.1h}} }', 'invalid time operator "times"'],
    ['{"a": {{time.now.times.bogus}} }', 'invalid duration: time: invalid duration "bogus"'],
    // Like Go: a trailing "d" means days, so the rest must be an integer.
    ['{"a": {{time.now.plus.bad}} }', 'invalid duration: strconv.ParseInt: parsing "ba": invalid syntax'],
    ['{"a": {{time.now.plus.1x}} }', 'invalid duration: time: unknown unit "x" in duration "1x"'],
    ['{"a": {{time.now.plus.1h5}} }', 'invalid duration: time: missing unit in duration "1h5"'],
    ['{"a": {{time.now.plus.1h 30m}} }', 'invalid duration: time: unknown unit "h " in duration "1h 30m"'],
    ['{"a": {{time.now.plus.1.5d}} }', 'invalid duration: strconv.ParseInt: parsing "1.5": invalid syntax'],
    ['{"a": {{time.now.plus.d}} }', 'invalid duration: strconv.ParseInt: parsing "": invalid syntax'],
    ['{"a": {{time.now.plus.-}} }', 'invalid duration: time: invalid duration "-"'],
    ['{"a": {{time.now.plus..}} }', 'invalid duration: time: invalid duration "."'],
    ['{"a": {{time.now.plus.3000000h}} }', 'invalid duration: time: invalid duration "3000000h"'],
    ['{"a": {{time.now.plus.1é}} }', 'invalid duration: time: unknown unit "\\xc3\\xa9" in duration "1\\xc3\\xa9"'],
    ['{"a": {{identity.groups.foo.x.id}} }', 'invalid groups selector'],
    ['{"a": {{identity.groups.names}} }', 'invalid groups selector'],
    ['{"a": {{identity.groups.names.engineering}} }', 'invalid groups accessor'],
    ['{"a": {{identity.groups.names.nope.id}} }', 'entity is not a member of group "nope"'],
    ['{"a": {{identity.groups.names.engineering.metadata.nope}} }', 'no value could be found for one of the template directives'],
    ['{"a": {{identity.groups.names.engineering.color}} }', 'no value could be found for one of the template directives'],
  ])('%s', (template, message) => {
    expect(renderError(template)).toBe(P + message);
  });

  it('reports the first problem from the left, as Vault evaluates', () => {
    expect(renderError('{"a": {{identity.entity.foo}}, "b": {{identity.entity.name}')).toBe(
      `${P}no value could be found for one of the template directives`,
    );
    expect(renderError('{"a": {{time.later}}, "b": {{identity.entity.foo}} }')).toBe(`${P}invalid time selector "later"`);
  });

  it('rejects identity.groups directives when the entity has no groups, before looking at them', () => {
    const noGroups = { ...alice, groups: [] };
    const message = `${P}string contains groups template directives but no groups were provided`;
    expect(renderError('{"a": "{{identity.groups.names.engineering.id}}"}', noGroups)).toBe(message);
    expect(renderError('{"a": {{identity.groups.bogus}} }', noGroups)).toBe(message);
  });

  it('reports JSON that is not an object with Go decoder texts', () => {
    const prefix = 'error parsing template JSON: ';
    const mapType = 'into Go value of type map[string]interface {}';
    expect(renderError('[1, 2]')).toBe(`${prefix}json: cannot unmarshal array ${mapType}`);
    expect(renderError('{{identity.entity.name}}')).toBe(`${prefix}json: cannot unmarshal string ${mapType}`);
    expect(renderError('{{time.now}}')).toBe(`${prefix}json: cannot unmarshal number ${mapType}`);
    expect(renderError('true')).toBe(`${prefix}json: cannot unmarshal bool ${mapType}`);
    expect(renderError('{"a": }')).toMatch(/^error parsing template JSON: \S/);
  });
});

describe('validateTemplate', () => {
  it.each([
    [''],
    ['{"groups": {{identity.entity.groups.names}} }'],
    ['{{identity.entity.metadata}}'],
    ['{"exp_at": {{time.now.plus.1h}}, "email": {{identity.entity.metadata.email}}}'],
    [`{"u": {{identity.entity.aliases.${ACC}.name}}}`],
    ['null'],
  ])('accepts %j', (template) => {
    expect(validateTemplate(template)).toBeUndefined();
  });

  const restricted = 'Restricted keys: iat, aud, exp, iss, sub, namespace, nonce, auth_time, at_hash, c_hash';
  it.each(RESERVED_CLAIMS.map((claim) => [claim]))('rejects the reserved top-level claim %s', (claim) => {
    expect(validateTemplate(`{"ok": 1, "${claim}": "x"}`)).toBe(`top level key "${claim}" not allowed. ${restricted}`);
  });

  it('allows reserved names below the top level', () => {
    expect(validateTemplate('{"nested": {"sub": "x", "exp": {{time.now}}}}')).toBeUndefined();
  });

  it.each<[string, string]>([
    ['{"a": {{identity.entity.name}', 'error parsing template: unbalanced templating characters'],
    ['{"a": {{identity.entity.foo}} }', 'error parsing template: no value could be found for one of the template directives'],
    [
      '{"a": {{identity.groups.names.engineering.id}} }',
      'error parsing template: string contains groups template directives but no groups were provided',
    ],
    ['[1,2]', 'error parsing template JSON: json: cannot unmarshal array into Go value of type map[string]interface {}'],
  ])('rejects %j', (template, message) => {
    expect(validateTemplate(template)).toBe(message);
  });

  it('rejects text that is not JSON with the JSON prefix', () => {
    expect(validateTemplate('{"a": }')).toMatch(/^error parsing template JSON: /);
  });
});

describe('decodeTemplateParam', () => {
  const json = '{"x": {{identity.entity.name}} }';
  const b64 = Buffer.from(json).toString('base64');

  it('decodes standard base64', () => {
    expect(decodeTemplateParam(b64)).toBe(json);
  });

  it('ignores line breaks inside base64, as Go does', () => {
    expect(decodeTemplateParam(`${b64.slice(0, 8)}\r\n${b64.slice(8)}\n`)).toBe(json);
  });

  it.each<[string, string]>([
    ['plain JSON', json],
    ['the empty string', ''],
    ['unpadded base64', Buffer.from('{"a":1}').toString('base64').replace(/=+$/, '')],
    ['url-safe base64', Buffer.from('{"a":"~~~>>>???"}').toString('base64url')],
    ['base64 with a space', `${b64.slice(0, 4)} ${b64.slice(4)}`],
  ])('keeps %s as given', (_label, value) => {
    expect(decodeTemplateParam(value)).toBe(value);
  });

  it('feeds validation: a base64 template validates like its JSON', () => {
    expect(validateTemplate(decodeTemplateParam(Buffer.from('{"sub": 1}').toString('base64')))).toMatch(
      /^top level key "sub" not allowed/,
    );
  });
});
