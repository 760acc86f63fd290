/**
 * Request bodies an attacker or a broken client might send: malformed and truncated JSON, deep
 * nesting, huge arrays and strings, values of every wrong type for a field, prototype-pollution
 * keys, invalid UTF-8 and UTF-16 surrogates, and bodies under the wrong content type.
 */

export interface HostileBody {
  readonly label: string;
  readonly body: string | Buffer;
  readonly contentType: string;
}

const JSON_TYPE = 'application/json';
const FORM_TYPE = 'application/x-www-form-urlencoded';

const deepArrays = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const deepObjects = (depth: number): string => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

/** Values (as JSON text) of the wrong shape for almost any field. */
export const HOSTILE_VALUES: readonly string[] = [
  deepArrays(100_000),
  deepObjects(20_000),
  `[${new Array(50_000).fill('1').join(',')}]`,
  JSON.stringify('x'.repeat(200_000)),
  '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}',
  '1e400',
  '-1',
  '9007199254740993',
  'true',
  'null',
  '{}',
  '[]',
  '[null, 1, "a", {}, []]',
  '"\\ud800"',
  '"\\u0000"',
  '"999999999999999999999999h"',
  '"-5s"',
  '"a=b=c"',
  '{"k": {"nested": [1, 2]}}',
];

/** Whole bodies that do not depend on the route's fields. */
export function genericBodies(): HostileBody[] {
  const json = (label: string, body: string): HostileBody => ({ label, body, contentType: JSON_TYPE });
  return [
    json('truncated', '{"name":'),
    json('single quotes', "{'a': 1}"),
    json('trailing comma', '{"a": 1,}'),
    json('bare string', '"just a string"'),
    json('bare number', '12345'),
    json('null', 'null'),
    json('array', '[1, 2, 3]'),
    json('NaN', '{"a": NaN}'),
    json('deep arrays', deepArrays(100_000)),
    json('deep objects', deepObjects(50_000)),
    json('wide object', JSON.stringify(Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, i])))),
    json('duplicate keys', '{"a": 1, "a": {"b": [1]}, "a": "x"}'),
    json('prototype keys', '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}'),
    json('lone surrogate key', '{"\\ud800": "\\udfff"}'),
    json('NUL bytes', '{"a\\u0000": "\\u0000"}'),
    json('BOM', '\ufeff{"a": 1}'),
    { label: 'invalid UTF-8', body: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc0, 0x22, 0x7d]), contentType: JSON_TYPE },
    { label: 'UTF-16 charset', body: Buffer.from('{"a": 1}', 'utf16le'), contentType: 'application/json; charset=utf-16' },
    { label: 'unknown charset', body: '{"a": 1}', contentType: 'application/json; charset=klingon' },
    { label: 'text/plain', body: '{"a": 1}', contentType: 'text/plain' },
    { label: 'form, nested brackets', body: `${'a'.padEnd(10, 'a')}${'[b]'.repeat(5_000)}=1`, contentType: FORM_TYPE },
    { label: 'form, many params', body: Array.from({ length: 5_000 }, (_, i) => `p${i}=${i}`).join('&'), contentType: FORM_TYPE },
    { label: 'form, bad escapes', body: 'a=%&b=%zz&c=%ff%fe&%=1', contentType: FORM_TYPE },
    { label: 'multipart garbage', body: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x', contentType: 'multipart/form-data; boundary=x' },
    { label: 'xml', body: '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "e">]><a>&e;</a>', contentType: 'application/xml' },
    { label: 'no content type', body: '{"a": 1}', contentType: '' },
  ];
}

/** `{field: value}` bodies that put wrong values into the route's own fields. */
export function fieldBodies(fields: readonly string[], pick: (values: readonly string[]) => readonly string[]): HostileBody[] {
  const out: HostileBody[] = [];
  for (const field of fields) {
    for (const value of pick(HOSTILE_VALUES)) {
      out.push({ label: `${field}=${value.slice(0, 24)}`, body: `{${JSON.stringify(field)}: ${value}}`, contentType: JSON_TYPE });
    }
  }
  return out;
}
