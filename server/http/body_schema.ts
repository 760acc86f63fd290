/**
 * The field checks of the Infisical-shaped request bodies (machine login, SSO configuration),
 * with zod's issue codes and messages, because Infisical validates with zod and its clients show
 * the issues of a 422 as they come.
 *
 * A body is read through a `BodyFields`, which collects every problem before anything is
 * answered (zod reports all issues at once):
 *
 *   const fields = new BodyFields(body, { partial: isPatch });
 *   const clientId = fields.required('clientId', string({ min: 1, max: 512 }));
 *   const active = fields.optional('isActive', boolean());
 *   fields.throwIfAny();
 *
 * Lanyard is a little more lenient than zod on types where forms and the CLI send text (digit
 * strings for integers, "true"/"false" for booleans) and stricter on content (strings are trimmed;
 * control characters may be refused).
 */
import { ValidationFailure, type ValidationIssue } from './infisical_errors.js';

export type IssuePath = ReadonlyArray<string | number>;

/** Reads one value; on a problem it adds an issue at `path` and answers undefined. */
export type Read<T> = (value: unknown, path: IssuePath, issues: ValidationIssue[]) => T | undefined;

export class BodyFields {
  readonly issues: ValidationIssue[] = [];
  readonly #body: Readonly<Record<string, unknown>>;
  readonly #partial: boolean;

  /** `partial`: a PATCH body, where fields required on create may be left out. */
  constructor(body: Readonly<Record<string, unknown>>, { partial = false }: { readonly partial?: boolean } = {}) {
    this.#body = body;
    this.#partial = partial;
  }

  /** Whether the body gives `name` (own property, not undefined). */
  given(name: string): boolean {
    return Object.hasOwn(this.#body, name) && this.#body[name] !== undefined;
  }

  /**
   * The field read by `read`; a missing field is zod's `Required`, except in a partial body
   * unless `evenIfPartial` (a field every request must name, such as `organizationId`).
   */
  required<T>(name: string, read: Read<T>, { evenIfPartial = false }: { readonly evenIfPartial?: boolean } = {}): T | undefined {
    if (this.given(name)) return read(this.#body[name], [name], this.issues);
    if (!this.#partial || evenIfPartial) this.add('invalid_type', [name], 'Required');
    return undefined;
  }

  /** The field read by `read`, or undefined when the body does not give it. */
  optional<T>(name: string, read: Read<T>): T | undefined {
    return this.given(name) ? read(this.#body[name], [name], this.issues) : undefined;
  }

  /** Adds an issue; answers undefined so a reader can `return fields.add(…)`. */
  add(code: ValidationIssue['code'], path: IssuePath, message: string): undefined {
    this.issues.push({ code, path, message });
    return undefined;
  }

  get ok(): boolean {
    return this.issues.length === 0;
  }

  /** Infisical's 422 with every issue found. */
  throwIfAny(): void {
    if (this.issues.length > 0) throw new ValidationFailure(this.issues);
  }
}

/** A string, trimmed, within `min`..`max` characters; `printable` refuses control characters. */
export function string({ min = 0, max = Infinity, printable = false }: { readonly min?: number; readonly max?: number; readonly printable?: boolean } = {}): Read<string> {
  return (value, path, issues) => {
    if (typeof value !== 'string') return add(issues, 'invalid_type', path, expected('string', value));
    const trimmed = value.trim();
    if (trimmed.length < min) return add(issues, 'too_small', path, `String must contain at least ${min} character(s)`);
    if (trimmed.length > max) return add(issues, 'too_big', path, `String must contain at most ${max} character(s)`);
    // The message never quotes the value: it may be a secret.
    if (printable && /[\p{Cc}]/u.test(trimmed)) return add(issues, 'invalid_string', path, 'Must not contain control characters');
    return trimmed;
  };
}

/** A boolean, or the text "true" / "false" (form posts and the CLI send text). */
export function boolean(): Read<boolean> {
  return (value, path, issues) => {
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    return add(issues, 'invalid_type', path, expected('boolean', value));
  };
}

/** An integer within `min`..`max`, or its digits as text (form posts and the CLI send text). */
export function integer({ min = 0, max }: { readonly min?: number; readonly max: number }): Read<number> {
  return (value, path, issues) => {
    const number = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
    if (typeof number !== 'number' || Number.isNaN(number)) return add(issues, 'invalid_type', path, expected('number', value));
    if (!Number.isInteger(number)) return add(issues, 'invalid_type', path, 'Expected integer, received float');
    if (number < min) return add(issues, 'too_small', path, `Number must be greater than or equal to ${min}`);
    if (number > max) return add(issues, 'too_big', path, `Number must be less than or equal to ${max}`);
    return number;
  };
}

/** One of `allowed`, compared exactly (zod's enum). */
export function oneOf<T extends string>(allowed: readonly T[]): Read<T> {
  return (value, path, issues) => {
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
    const received = typeof value === 'string' ? `'${value.slice(0, 64)}'` : typeName(value);
    return add(issues, 'custom', path, `Invalid enum value. Expected ${allowed.map((a) => `'${a}'`).join(' | ')}, received ${received}`);
  };
}

/**
 * A string (Infisical's comma lists) or an array of strings (Lanyard's alternative, which cannot
 * be split twice); entries are left as given for the field's own rules.
 */
export function stringOrStrings(): Read<string | string[]> {
  return (value, path, issues) => {
    if (typeof value === 'string') return value;
    if (Array.isArray(value) && value.every((entry) => typeof entry === 'string')) return value as string[];
    return add(issues, 'invalid_type', path, expected('string or array of strings', value));
  };
}

/** A JSON object (not an array, not null). */
export function object(): Read<Record<string, unknown>> {
  return (value, path, issues) => (isPlainObject(value) ? value : add(issues, 'invalid_type', path, expected('object', value)));
}

/** `null`, or what `read` reads. */
export function nullable<T>(read: Read<T>): Read<T | null> {
  return (value, path, issues) => (value === null ? null : read(value, path, issues));
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A required, non-empty string field, trimmed, answered at once (Infisical trims `identityId`,
 * `jwt`, `accessToken`).
 */
export function requiredString(body: Readonly<Record<string, unknown>>, name: string): string {
  const fields = new BodyFields(body);
  const value = fields.required(name, string({ min: 1 }));
  if (value === undefined) throw new ValidationFailure(fields.issues);
  return value;
}

function add(issues: ValidationIssue[], code: ValidationIssue['code'], path: IssuePath, message: string): undefined {
  issues.push({ code, path, message });
  return undefined;
}

/** zod's invalid_type message. */
function expected(what: string, value: unknown): string {
  return `Expected ${what}, received ${typeName(value)}`;
}

/** zod's name for the type it received. */
function typeName(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
