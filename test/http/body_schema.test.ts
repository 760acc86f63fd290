/** The field checks of the Infisical-shaped bodies answer with zod's codes and messages. */
import { describe, expect, it } from '@jest/globals';
import { BodyFields, boolean, integer, nullable, object, oneOf, requiredString, string, stringOrStrings } from '../../server/http/body_schema.js';
import { ValidationFailure } from '../../server/http/infisical_errors.js';

function issuesOf(body: Record<string, unknown>, read: (fields: BodyFields) => void, partial = false): unknown[] {
  const fields = new BodyFields(body, { partial });
  read(fields);
  return fields.issues;
}

describe('BodyFields', () => {
  it('reports a missing required field, except in a partial body', () => {
    expect(issuesOf({}, (f) => f.required('name', string()))).toEqual([{ code: 'invalid_type', path: ['name'], message: 'Required' }]);
    expect(issuesOf({ name: undefined }, (f) => f.required('name', string()))).toHaveLength(1);
    expect(issuesOf({}, (f) => f.required('name', string()), true)).toEqual([]);
    expect(issuesOf({}, (f) => f.required('name', string(), { evenIfPartial: true }), true)).toHaveLength(1);
    expect(issuesOf({}, (f) => f.optional('name', string()))).toEqual([]);
  });

  it('does not read inherited properties as given', () => {
    expect(new BodyFields({}).given('constructor')).toBe(false);
  });

  it('throws one 422 with every issue', () => {
    const fields = new BodyFields({ a: 1 });
    fields.required('a', string());
    fields.required('b', string());
    expect(fields.ok).toBe(false);
    expect(() => fields.throwIfAny()).toThrow(ValidationFailure);
    expect(fields.issues.map((issue) => issue.path)).toEqual([['a'], ['b']]);
  });
});

describe('field checks', () => {
  const read = <T>(value: unknown, check: (fields: BodyFields) => T) => {
    const fields = new BodyFields({ f: value });
    return { value: check(fields), issues: fields.issues.map(({ code, message }) => ({ code, message })) };
  };

  it('string: type, trimming, lengths, control characters', () => {
    expect(read(42, (f) => f.required('f', string())).issues).toEqual([{ code: 'invalid_type', message: 'Expected string, received number' }]);
    expect(read(null, (f) => f.required('f', string())).issues).toEqual([{ code: 'invalid_type', message: 'Expected string, received null' }]);
    expect(read([], (f) => f.required('f', string())).issues).toEqual([{ code: 'invalid_type', message: 'Expected string, received array' }]);
    expect(read('  x ', (f) => f.required('f', string())).value).toBe('x');
    expect(read(' ', (f) => f.required('f', string({ min: 1 }))).issues).toEqual([{ code: 'too_small', message: 'String must contain at least 1 character(s)' }]);
    expect(read('abc', (f) => f.required('f', string({ max: 2 }))).issues).toEqual([{ code: 'too_big', message: 'String must contain at most 2 character(s)' }]);
    expect(read('a\u0007b', (f) => f.required('f', string({ printable: true }))).issues).toEqual([{ code: 'invalid_string', message: 'Must not contain control characters' }]);
    expect(read('a\u0007b', (f) => f.required('f', string())).value).toBe('a\u0007b');
  });

  it('boolean: booleans and their text', () => {
    expect(read('true', (f) => f.required('f', boolean())).value).toBe(true);
    expect(read(false, (f) => f.required('f', boolean())).value).toBe(false);
    expect(read('yes', (f) => f.required('f', boolean())).issues).toEqual([{ code: 'invalid_type', message: 'Expected boolean, received string' }]);
  });

  it('integer: digits as text, range, no floats', () => {
    const check = (f: BodyFields) => f.required('f', integer({ max: 10 }));
    expect(read(' 7 ', check).value).toBe(7);
    expect(read('7s', check).issues).toEqual([{ code: 'invalid_type', message: 'Expected number, received string' }]);
    expect(read(1.5, check).issues).toEqual([{ code: 'invalid_type', message: 'Expected integer, received float' }]);
    expect(read(-1, check).issues).toEqual([{ code: 'too_small', message: 'Number must be greater than or equal to 0' }]);
    expect(read(11, check).issues).toEqual([{ code: 'too_big', message: 'Number must be less than or equal to 10' }]);
  });

  it('oneOf: zod enum message', () => {
    expect(read('c', (f) => f.required('f', oneOf(['a', 'b']))).issues).toEqual([{ code: 'custom', message: "Invalid enum value. Expected 'a' | 'b', received 'c'" }]);
    expect(read(1, (f) => f.required('f', oneOf(['a']))).issues).toEqual([{ code: 'custom', message: "Invalid enum value. Expected 'a', received number" }]);
  });

  it('stringOrStrings, object, nullable', () => {
    expect(read(['a', 'b'], (f) => f.required('f', stringOrStrings())).value).toEqual(['a', 'b']);
    expect(read(['a', 1], (f) => f.required('f', stringOrStrings())).issues).toEqual([{ code: 'invalid_type', message: 'Expected string or array of strings, received array' }]);
    expect(read([], (f) => f.required('f', object())).issues).toEqual([{ code: 'invalid_type', message: 'Expected object, received array' }]);
    expect(read(null, (f) => f.required('f', nullable(object()))).value).toBeNull();
  });
});

describe('requiredString', () => {
  it('answers the trimmed value or throws the first issue at once', () => {
    expect(requiredString({ jwt: ' x ' }, 'jwt')).toBe('x');
    for (const [body, message] of [
      [{}, 'Required'],
      [{ jwt: null }, 'Expected string, received null'],
      [{ jwt: '' }, 'String must contain at least 1 character(s)'],
    ] as const) {
      expect(() => requiredString(body, 'jwt')).toThrow(ValidationFailure);
      try {
        requiredString(body, 'jwt');
      } catch (error) {
        expect((error as ValidationFailure).issues.map((issue) => issue.message)).toEqual([message]);
      }
    }
  });
});
