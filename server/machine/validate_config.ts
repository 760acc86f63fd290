/**
 * The request bodies of attach (POST, every field with Infisical's default) and update (PATCH,
 * only the fields given), checked field by field the way Infisical's zod schema does, with the
 * same messages, so a client that shows Infisical's 422 issues shows ours.
 *
 * Where Infisical is loose, Lanyard is not: lists may also be JSON arrays (stored as arrays, so
 * an entry can never be split twice), empty patterns are refused here instead of failing every
 * login later, integers may come as digit strings (form posts, the CLI), and a caCert holding a
 * private key is refused so that it is never stored or echoed.
 */
import { parsePatternList } from '../../verifier/index.js';
import { LanyardError } from '../errors.js';
import { checkMetadata } from '../identity/validate.js';
import { badRequest, ValidationFailure, type ValidationIssue } from '../http/infisical_errors.js';
import { DEFAULT_TRUSTED_IPS, parseTrustedIps } from './trusted_ips.js';
import type { OidcAuthSettings } from './types.js';

/** Infisical's bound for the TTL fields: ten years. */
const MAX_TTL_SECONDS = 315_360_000;
const DEFAULT_TTL_SECONDS = 2_592_000;
const TTL_ORDER_MESSAGE = 'Access Token TTL cannot be greater than Access Token Max TTL.';
const PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

const ATTACH_DEFAULTS = {
  caCert: '',
  boundAudiences: [],
  claimMetadataMapping: null,
  boundSubject: '',
  accessTokenTrustedIps: DEFAULT_TRUSTED_IPS,
  accessTokenTTL: DEFAULT_TTL_SECONDS,
  accessTokenMaxTTL: DEFAULT_TTL_SECONDS,
  accessTokenNumUsesLimit: 0,
} as const satisfies Partial<OidcAuthSettings>;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A full configuration for attach: required fields present, the rest defaulted. */
export function parseAttachBody(body: Readonly<Record<string, unknown>>): OidcAuthSettings {
  const issues: ValidationIssue[] = [];
  const given = readFields(body, issues, true);
  const settings = { ...ATTACH_DEFAULTS, ...given } as OidcAuthSettings;
  if (issues.length === 0 && settings.accessTokenMaxTTL > 0 && settings.accessTokenTTL > settings.accessTokenMaxTTL) {
    issues.push({ code: 'custom', path: [], message: TTL_ORDER_MESSAGE });
  }
  throwIfAny(issues);
  return settings;
}

/** The fields an update changes; absent fields are left out. */
export function parsePatchBody(body: Readonly<Record<string, unknown>>): Partial<OidcAuthSettings> {
  const issues: ValidationIssue[] = [];
  const given = readFields(body, issues, false);
  const { accessTokenTTL: ttl, accessTokenMaxTTL: max } = given;
  if (issues.length === 0 && ttl !== undefined && max !== undefined && max > 0 && ttl > max) {
    issues.push({ code: 'custom', path: [], message: TTL_ORDER_MESSAGE });
  }
  throwIfAny(issues);
  return given;
}

/** After a merge (PATCH), the stored TTL and max TTL must still be in order. */
export function checkTtlOrder(settings: Pick<OidcAuthSettings, 'accessTokenTTL' | 'accessTokenMaxTTL'>): void {
  if (settings.accessTokenMaxTTL > 0 && settings.accessTokenTTL > settings.accessTokenMaxTTL) {
    throw badRequest('Access token TTL cannot be greater than max TTL');
  }
}

function throwIfAny(issues: readonly ValidationIssue[]): void {
  if (issues.length > 0) throw new ValidationFailure(issues);
}

function readFields(body: Readonly<Record<string, unknown>>, issues: ValidationIssue[], attach: boolean): Partial<OidcAuthSettings> {
  const out: Partial<Mutable<OidcAuthSettings>> = {};
  const present = (field: string): boolean => Object.hasOwn(body, field) && body[field] !== undefined;
  const required = (field: string): boolean => {
    if (present(field)) return true;
    if (attach) issues.push({ code: 'invalid_type', path: [field], message: 'Required' });
    return false;
  };

  if (required('oidcDiscoveryUrl')) {
    const url = text(body.oidcDiscoveryUrl, 'oidcDiscoveryUrl', issues, { min: 1 });
    if (url !== undefined && !URL.canParse(url)) issues.push({ code: 'invalid_string', path: ['oidcDiscoveryUrl'], message: 'Invalid url' });
    else if (url !== undefined) out.oidcDiscoveryUrl = url;
  }
  if (required('boundIssuer')) {
    const issuer = text(body.boundIssuer, 'boundIssuer', issues, { min: 1 });
    if (issuer !== undefined) out.boundIssuer = issuer;
  }
  if (present('caCert')) {
    const pem = text(body.caCert, 'caCert', issues);
    if (pem !== undefined && PRIVATE_KEY.test(pem)) {
      issues.push({ code: 'custom', path: ['caCert'], message: 'caCert must hold CA certificates only; it contains a private key' });
    } else if (pem !== undefined) out.caCert = pem;
  }
  if (present('boundAudiences')) {
    const audiences = patternList(body.boundAudiences, ['boundAudiences'], issues, { allowEmpty: true });
    if (audiences !== undefined) out.boundAudiences = audiences;
  }
  if (required('boundClaims')) {
    const claims = boundClaims(body.boundClaims, issues);
    if (claims !== undefined) out.boundClaims = claims;
  }
  if (present('claimMetadataMapping')) {
    const mapping = metadataMapping(body.claimMetadataMapping, issues);
    if (mapping !== undefined) out.claimMetadataMapping = mapping;
  }
  if (present('boundSubject')) {
    const subject = text(body.boundSubject, 'boundSubject', issues);
    if (subject !== undefined) out.boundSubject = subject;
  }
  if (present('accessTokenTrustedIps')) {
    const parsed = parseTrustedIps(body.accessTokenTrustedIps);
    if (parsed.ok) out.accessTokenTrustedIps = parsed.value;
    else if (parsed.problem === 'address') throw badRequest(parsed.message);
    else issues.push({ code: parsed.problem === 'empty' ? 'too_small' : 'invalid_type', path: ['accessTokenTrustedIps'], message: parsed.message });
  }
  for (const field of ['accessTokenTTL', 'accessTokenMaxTTL', 'accessTokenNumUsesLimit'] as const) {
    if (!present(field)) continue;
    const value = integer(body[field], field, issues, field === 'accessTokenNumUsesLimit' ? Number.MAX_SAFE_INTEGER : MAX_TTL_SECONDS);
    if (value !== undefined) out[field] = value;
  }
  return out;
}

function text(value: unknown, field: string, issues: ValidationIssue[], { min = 0 } = {}): string | undefined {
  if (typeof value !== 'string') {
    issues.push({ code: 'invalid_type', path: [field], message: `Expected string, received ${typeName(value)}` });
    return undefined;
  }
  const trimmed = value.trim();
  if (trimmed.length < min) {
    issues.push({ code: 'too_small', path: [field], message: `String must contain at least ${min} character(s)` });
    return undefined;
  }
  return trimmed;
}

function integer(value: unknown, field: string, issues: ValidationIssue[], max: number): number | undefined {
  const number = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || Number.isNaN(number)) {
    issues.push({ code: 'invalid_type', path: [field], message: `Expected number, received ${typeName(value)}` });
    return undefined;
  }
  if (!Number.isInteger(number)) {
    issues.push({ code: 'invalid_type', path: [field], message: 'Expected integer, received float' });
    return undefined;
  }
  if (number < 0) {
    issues.push({ code: 'too_small', path: [field], message: 'Number must be greater than or equal to 0' });
    return undefined;
  }
  if (number > max) {
    issues.push({ code: 'too_big', path: [field], message: `Number must be less than or equal to ${max}` });
    return undefined;
  }
  return number;
}

/**
 * Infisical's comma string (`"a, b"`) or a JSON array of patterns. Array entries are single
 * patterns; a comma inside one is refused because the API shows lists in the comma form, where it
 * would read as two entries.
 */
function patternList(value: unknown, path: ReadonlyArray<string>, issues: ValidationIssue[], { allowEmpty }: { allowEmpty: boolean }): string[] | undefined {
  let list: string[];
  if (typeof value === 'string') list = parsePatternList(value);
  else if (Array.isArray(value) && value.every((entry) => typeof entry === 'string')) {
    list = value.map((entry: string) => entry.trim());
    const index = list.findIndex((entry) => entry === '' || entry.includes(','));
    if (index !== -1) {
      const message = list[index] === '' ? 'Pattern must not be empty' : 'Pattern must not contain a comma (use ? to match one)';
      issues.push({ code: 'custom', path: [...path, index], message });
      return undefined;
    }
  } else {
    issues.push({ code: 'invalid_type', path: [...path], message: `Expected string or array of strings, received ${typeName(value)}` });
    return undefined;
  }
  if (!allowEmpty && list.length === 0) {
    issues.push({ code: 'too_small', path: [...path], message: 'At least one non-empty pattern is required' });
    return undefined;
  }
  return [...new Set(list)];
}

function boundClaims(value: unknown, issues: ValidationIssue[]): Record<string, string[]> | undefined {
  if (!isPlainObject(value)) {
    issues.push({ code: 'invalid_type', path: ['boundClaims'], message: `Expected object, received ${typeName(value)}` });
    return undefined;
  }
  const out: Record<string, string[]> = {};
  let ok = true;
  for (const [claim, patterns] of Object.entries(value)) {
    if (claim.trim() === '') {
      issues.push({ code: 'custom', path: ['boundClaims', claim], message: 'Claim name must not be empty' });
      ok = false;
      continue;
    }
    const list = patternList(patterns, ['boundClaims', claim], issues, { allowEmpty: false });
    if (list === undefined) ok = false;
    else out[claim.trim()] = list;
  }
  return ok ? out : undefined;
}

function metadataMapping(value: unknown, issues: ValidationIssue[]): Record<string, string> | null | undefined {
  if (value === null) return null;
  if (!isPlainObject(value) || !Object.values(value).every((path) => typeof path === 'string')) {
    issues.push({ code: 'invalid_type', path: ['claimMetadataMapping'], message: 'Expected an object of metadata name to claim path' });
    return undefined;
  }
  const mapping = Object.fromEntries(Object.entries(value as Record<string, string>).map(([key, path]) => [key.trim(), path.trim()]));
  const emptyPath = Object.entries(mapping).find(([, path]) => path === '');
  if (emptyPath !== undefined) {
    issues.push({ code: 'too_small', path: ['claimMetadataMapping', emptyPath[0]], message: 'Claim path must not be empty' });
    return undefined;
  }
  try {
    // The keys become entity-alias metadata keys, which follow the identity store's rules.
    checkMetadata(Object.fromEntries(Object.keys(mapping).map((key) => [key, ''])), 'claimMetadataMapping');
  } catch (error) {
    if (!(error instanceof LanyardError)) throw error;
    issues.push({ code: 'custom', path: ['claimMetadataMapping'], message: error.message });
    return undefined;
  }
  return Object.keys(mapping).length === 0 ? null : mapping;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
