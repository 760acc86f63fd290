/**
 * The request bodies of the SSO configuration API, checked field by field the way Infisical's zod
 * schema does (the same defaults, the same "X is required" messages for the configuration type's
 * endpoints), answered as a 422 whose issues name the field. Where Infisical is loose Lanyard is
 * not: URLs must be absolute http(s) URLs, allowed email domains must be domains, and the
 * endpoint rules are checked again on the merged result of a PATCH, so no stored configuration
 * can lack what its type needs.
 */
import { ValidationFailure, type ValidationIssue } from '../http/infisical_errors.js';
import { normaliseDomainList } from './domains.js';
import { CONFIGURATION_TYPES, JWT_SIGNATURE_ALGORITHMS, type SsoSettings } from './types.js';

const MAX_URL_LENGTH = 2048;
const MAX_CLIENT_ID_LENGTH = 512;
const MAX_CLIENT_SECRET_LENGTH = 4096;

/** Infisical's defaults for the optional fields of a create. */
export const CREATE_DEFAULTS = {
  issuer: '',
  discoveryURL: '',
  authorizationEndpoint: '',
  jwksUri: '',
  tokenEndpoint: '',
  userinfoEndpoint: '',
  allowedEmailDomains: '',
  manageGroupMemberships: false,
  jwtSignatureAlgorithm: 'RS256',
} as const satisfies Partial<SsoSettings>;

/** The endpoint fields a `custom` configuration needs, with Infisical's messages. */
const CUSTOM_REQUIRED = [
  ['issuer', 'Issuer is required'],
  ['authorizationEndpoint', 'Authorization endpoint is required'],
  ['jwksUri', 'JWKS URI is required'],
  ['tokenEndpoint', 'Token endpoint is required'],
  ['userinfoEndpoint', 'Userinfo endpoint is required'],
] as const;

const URL_FIELDS = ['issuer', 'discoveryURL', 'authorizationEndpoint', 'jwksUri', 'tokenEndpoint', 'userinfoEndpoint'] as const;

export interface CreateRequest {
  readonly organizationId: string;
  readonly settings: SsoSettings;
}

export interface PatchRequest {
  readonly organizationId: string;
  readonly changes: Partial<SsoSettings>;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function parseCreateBody(body: Readonly<Record<string, unknown>>): CreateRequest {
  const issues: ValidationIssue[] = [];
  const organizationId = readOrganizationId(body, issues);
  const given = readFields(body, issues, true);
  const settings = { ...CREATE_DEFAULTS, ...given } as SsoSettings;
  if (issues.length === 0) issues.push(...typeProblems(settings));
  throwIfAny(issues);
  return { organizationId: organizationId as string, settings };
}

export function parsePatchBody(body: Readonly<Record<string, unknown>>): PatchRequest {
  const issues: ValidationIssue[] = [];
  const organizationId = readOrganizationId(body, issues);
  const changes = readFields(body, issues, false);
  throwIfAny(issues);
  return { organizationId: organizationId as string, changes };
}

/** `organizationId` of a GET's query string. */
export function parseOrganizationQuery(query: Readonly<Record<string, unknown>>): string {
  const issues: ValidationIssue[] = [];
  const organizationId = readOrganizationId(query, issues);
  throwIfAny(issues);
  return organizationId as string;
}

/** The configuration type's endpoint rules (Infisical's superRefine), on a complete configuration. */
export function checkConfigurationType(settings: SsoSettings): void {
  throwIfAny(typeProblems(settings));
}

function typeProblems(settings: SsoSettings): ValidationIssue[] {
  if (settings.configurationType === 'discoveryURL') {
    return settings.discoveryURL === '' ? [{ code: 'custom', path: ['discoveryURL'], message: 'Discovery URL is required' }] : [];
  }
  return CUSTOM_REQUIRED.filter(([field]) => settings[field] === '').map(([field, message]) => ({ code: 'custom', path: [field], message }));
}

function throwIfAny(issues: readonly ValidationIssue[]): void {
  if (issues.length > 0) throw new ValidationFailure(issues);
}

function readOrganizationId(body: Readonly<Record<string, unknown>>, issues: ValidationIssue[]): string | undefined {
  if (!present(body, 'organizationId')) {
    issues.push({ code: 'invalid_type', path: ['organizationId'], message: 'Required' });
    return undefined;
  }
  return text(body.organizationId, 'organizationId', issues, { min: 1, max: 128 });
}

function readFields(body: Readonly<Record<string, unknown>>, issues: ValidationIssue[], create: boolean): Partial<SsoSettings> {
  const out: Partial<Mutable<SsoSettings>> = {};
  const required = (field: string): boolean => {
    if (present(body, field)) return true;
    if (create) issues.push({ code: 'invalid_type', path: [field], message: 'Required' });
    return false;
  };

  if (required('configurationType')) {
    const type = oneOf(body.configurationType, 'configurationType', CONFIGURATION_TYPES, issues);
    if (type !== undefined) out.configurationType = type;
  }
  for (const field of URL_FIELDS) {
    if (!present(body, field)) continue;
    const url = urlText(body[field], field, issues);
    if (url !== undefined) out[field] = url;
  }
  if (required('clientId')) {
    const clientId = text(body.clientId, 'clientId', issues, { min: 1, max: MAX_CLIENT_ID_LENGTH });
    if (clientId !== undefined) out.clientId = clientId;
  }
  if (required('clientSecret')) {
    const secret = text(body.clientSecret, 'clientSecret', issues, { min: 1, max: MAX_CLIENT_SECRET_LENGTH });
    if (secret !== undefined) out.clientSecret = secret;
  }
  if (required('isActive')) {
    const active = boolean(body.isActive, 'isActive', issues);
    if (active !== undefined) out.isActive = active;
  }
  if (present(body, 'allowedEmailDomains')) {
    const domains = domainList(body.allowedEmailDomains, issues);
    if (domains !== undefined) out.allowedEmailDomains = domains;
  }
  if (present(body, 'manageGroupMemberships')) {
    const manage = boolean(body.manageGroupMemberships, 'manageGroupMemberships', issues);
    if (manage !== undefined) out.manageGroupMemberships = manage;
  }
  if (present(body, 'jwtSignatureAlgorithm')) {
    const alg = oneOf(body.jwtSignatureAlgorithm, 'jwtSignatureAlgorithm', JWT_SIGNATURE_ALGORITHMS, issues);
    if (alg !== undefined) out.jwtSignatureAlgorithm = alg;
  }
  return out;
}

function present(body: Readonly<Record<string, unknown>>, field: string): boolean {
  return Object.hasOwn(body, field) && body[field] !== undefined;
}

function text(value: unknown, field: string, issues: ValidationIssue[], { min = 0, max = MAX_URL_LENGTH } = {}): string | undefined {
  if (typeof value !== 'string') {
    issues.push({ code: 'invalid_type', path: [field], message: `Expected string, received ${typeName(value)}` });
    return undefined;
  }
  const trimmed = value.trim();
  if (trimmed.length < min) {
    issues.push({ code: 'too_small', path: [field], message: `String must contain at least ${min} character(s)` });
    return undefined;
  }
  if (trimmed.length > max) {
    issues.push({ code: 'too_big', path: [field], message: `String must contain at most ${max} character(s)` });
    return undefined;
  }
  // Control characters cannot be part of a client id, a URL or a secret anyone meant to paste.
  // No message here quotes the value: it may be the client secret.
  if (/[\p{Cc}]/u.test(trimmed)) {
    issues.push({ code: 'invalid_string', path: [field], message: 'Must not contain control characters' });
    return undefined;
  }
  return trimmed;
}

/** "" (the default: not used by this configuration type) or an absolute http(s) URL. */
function urlText(value: unknown, field: string, issues: ValidationIssue[]): string | undefined {
  const url = text(value, field, issues);
  if (url === undefined || url === '') return url;
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    issues.push({ code: 'invalid_string', path: [field], message: 'Invalid url: expected an absolute http or https URL' });
    return undefined;
  }
  return url;
}

function boolean(value: unknown, field: string, issues: ValidationIssue[]): boolean | undefined {
  if (typeof value === 'boolean') return value;
  // Form posts and the CLI send text.
  if (value === 'true' || value === 'false') return value === 'true';
  issues.push({ code: 'invalid_type', path: [field], message: `Expected boolean, received ${typeName(value)}` });
  return undefined;
}

function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[], issues: ValidationIssue[]): T | undefined {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  const received = typeof value === 'string' ? `'${value.slice(0, 64)}'` : typeName(value);
  issues.push({ code: 'custom', path: [field], message: `Invalid enum value. Expected ${allowed.map((a) => `'${a}'`).join(' | ')}, received ${received}` });
  return undefined;
}

/** Infisical's comma string, or (Lanyard) a JSON array of domains. */
function domainList(value: unknown, issues: ValidationIssue[]): string | undefined {
  let entries: string[];
  if (typeof value === 'string') entries = value.split(',');
  else if (Array.isArray(value) && value.every((entry) => typeof entry === 'string')) entries = value;
  else {
    issues.push({ code: 'invalid_type', path: ['allowedEmailDomains'], message: `Expected string, received ${typeName(value)}` });
    return undefined;
  }
  const result = normaliseDomainList(entries);
  if ('problem' in result) {
    issues.push({ code: 'invalid_string', path: ['allowedEmailDomains'], message: result.problem.message });
    return undefined;
  }
  return result.value;
}

function typeName(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
