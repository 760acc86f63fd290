/**
 * The request bodies of the SSO configuration API, checked field by field the way Infisical's zod
 * schema does (the same defaults, the same "X is required" messages for the configuration type's
 * endpoints), answered as a 422 whose issues name the field. Where Infisical is loose Lanyard is
 * not: URLs must be absolute http(s) URLs, allowed email domains must be domains, and the
 * endpoint rules are checked again on the merged result of a PATCH, so no stored configuration
 * can lack what its type needs.
 */
import { BodyFields, boolean, oneOf, string, stringOrStrings, type Read } from '../http/body_schema.js';
import { ValidationFailure, type ValidationIssue } from '../http/infisical_errors.js';
import { normaliseDomainList } from './domains.js';
import { CONFIGURATION_TYPES, JWT_SIGNATURE_ALGORITHMS, type SsoSettings } from './types.js';

const MAX_URL_LENGTH = 2048;
const MAX_CLIENT_ID_LENGTH = 512;
const MAX_CLIENT_SECRET_LENGTH = 4096;
const ORGANIZATION_ID = string({ min: 1, max: 128, printable: true });

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
  const fields = new BodyFields(body);
  const organizationId = fields.required('organizationId', ORGANIZATION_ID);
  const given = readFields(fields);
  const settings = { ...CREATE_DEFAULTS, ...given } as SsoSettings;
  if (fields.ok) fields.issues.push(...typeProblems(settings));
  fields.throwIfAny();
  return { organizationId: organizationId as string, settings };
}

export function parsePatchBody(body: Readonly<Record<string, unknown>>): PatchRequest {
  const fields = new BodyFields(body, { partial: true });
  const organizationId = fields.required('organizationId', ORGANIZATION_ID, { evenIfPartial: true });
  const changes = readFields(fields);
  fields.throwIfAny();
  return { organizationId: organizationId as string, changes };
}

/** `organizationId` of a GET's query string. */
export function parseOrganizationQuery(query: Readonly<Record<string, unknown>>): string {
  const fields = new BodyFields(query);
  const organizationId = fields.required('organizationId', ORGANIZATION_ID);
  fields.throwIfAny();
  return organizationId as string;
}

/** The configuration type's endpoint rules (Infisical's superRefine), on a complete configuration. */
export function checkConfigurationType(settings: SsoSettings): void {
  const problems = typeProblems(settings);
  if (problems.length > 0) throw new ValidationFailure(problems);
}

function typeProblems(settings: SsoSettings): ValidationIssue[] {
  if (settings.configurationType === 'discoveryURL') {
    return settings.discoveryURL === '' ? [{ code: 'custom', path: ['discoveryURL'], message: 'Discovery URL is required' }] : [];
  }
  return CUSTOM_REQUIRED.filter(([field]) => settings[field] === '').map(([field, message]) => ({ code: 'custom', path: [field], message }));
}

function readFields(fields: BodyFields): Partial<SsoSettings> {
  const out: Partial<Mutable<SsoSettings>> = {};

  const type = fields.required('configurationType', oneOf(CONFIGURATION_TYPES));
  if (type !== undefined) out.configurationType = type;
  for (const field of URL_FIELDS) {
    const url = fields.optional(field, urlText);
    if (url !== undefined) out[field] = url;
  }
  const clientId = fields.required('clientId', string({ min: 1, max: MAX_CLIENT_ID_LENGTH, printable: true }));
  if (clientId !== undefined) out.clientId = clientId;
  const secret = fields.required('clientSecret', string({ min: 1, max: MAX_CLIENT_SECRET_LENGTH, printable: true }));
  if (secret !== undefined) out.clientSecret = secret;
  const active = fields.required('isActive', boolean());
  if (active !== undefined) out.isActive = active;
  const domains = fields.optional('allowedEmailDomains', domainList);
  if (domains !== undefined) out.allowedEmailDomains = domains;
  const manage = fields.optional('manageGroupMemberships', boolean());
  if (manage !== undefined) out.manageGroupMemberships = manage;
  const alg = fields.optional('jwtSignatureAlgorithm', oneOf(JWT_SIGNATURE_ALGORITHMS));
  if (alg !== undefined) out.jwtSignatureAlgorithm = alg;
  return out;
}

/** "" (the default: not used by this configuration type) or an absolute http(s) URL. */
const urlText: Read<string> = (value, path, issues) => {
  const url = string({ max: MAX_URL_LENGTH, printable: true })(value, path, issues);
  if (url === undefined || url === '') return url;
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    issues.push({ code: 'invalid_string', path, message: 'Invalid url: expected an absolute http or https URL' });
    return undefined;
  }
  return url;
};

/** Infisical's comma string, or (Lanyard) a JSON array of domains. */
const domainList: Read<string> = (value, path, issues) => {
  const given = stringOrStrings()(value, path, issues);
  if (given === undefined) return undefined;
  const result = normaliseDomainList(typeof given === 'string' ? given.split(',') : given);
  if ('problem' in result) {
    issues.push({ code: 'invalid_string', path, message: result.problem.message });
    return undefined;
  }
  return result.value;
};
