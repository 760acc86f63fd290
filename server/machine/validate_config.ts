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
import { BodyFields, integer, isPlainObject, nullable, object, string, stringOrStrings, type Read } from '../http/body_schema.js';
import { badRequest } from '../http/infisical_errors.js';
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
  const fields = new BodyFields(body);
  const given = readFields(fields);
  const settings = { ...ATTACH_DEFAULTS, ...given } as OidcAuthSettings;
  if (fields.ok && settings.accessTokenMaxTTL > 0 && settings.accessTokenTTL > settings.accessTokenMaxTTL) {
    fields.add('custom', [], TTL_ORDER_MESSAGE);
  }
  fields.throwIfAny();
  return settings;
}

/** The fields an update changes; absent fields are left out. */
export function parsePatchBody(body: Readonly<Record<string, unknown>>): Partial<OidcAuthSettings> {
  const fields = new BodyFields(body, { partial: true });
  const given = readFields(fields);
  const { accessTokenTTL: ttl, accessTokenMaxTTL: max } = given;
  if (fields.ok && ttl !== undefined && max !== undefined && max > 0 && ttl > max) {
    fields.add('custom', [], TTL_ORDER_MESSAGE);
  }
  fields.throwIfAny();
  return given;
}

/** After a merge (PATCH), the stored TTL and max TTL must still be in order. */
export function checkTtlOrder(settings: Pick<OidcAuthSettings, 'accessTokenTTL' | 'accessTokenMaxTTL'>): void {
  if (settings.accessTokenMaxTTL > 0 && settings.accessTokenTTL > settings.accessTokenMaxTTL) {
    throw badRequest('Access token TTL cannot be greater than max TTL');
  }
}

function readFields(fields: BodyFields): Partial<OidcAuthSettings> {
  const out: Partial<Mutable<OidcAuthSettings>> = {};

  const url = fields.required('oidcDiscoveryUrl', string({ min: 1 }));
  if (url !== undefined && !URL.canParse(url)) fields.add('invalid_string', ['oidcDiscoveryUrl'], 'Invalid url');
  else if (url !== undefined) out.oidcDiscoveryUrl = url;

  const issuer = fields.required('boundIssuer', string({ min: 1 }));
  if (issuer !== undefined) out.boundIssuer = issuer;

  const pem = fields.optional('caCert', string());
  if (pem !== undefined && PRIVATE_KEY.test(pem)) {
    fields.add('custom', ['caCert'], 'caCert must hold CA certificates only; it contains a private key');
  } else if (pem !== undefined) out.caCert = pem;

  const audiences = fields.optional('boundAudiences', patternList({ allowEmpty: true }));
  if (audiences !== undefined) out.boundAudiences = audiences;

  const claims = fields.required('boundClaims', boundClaims);
  if (claims !== undefined) out.boundClaims = claims;

  const mapping = fields.optional('claimMetadataMapping', nullable(metadataMapping));
  if (mapping !== undefined) out.claimMetadataMapping = mapping;

  const subject = fields.optional('boundSubject', string());
  if (subject !== undefined) out.boundSubject = subject;

  const trusted = fields.optional('accessTokenTrustedIps', (value) => parseTrustedIps(value));
  if (trusted?.ok === true) out.accessTokenTrustedIps = trusted.value;
  else if (trusted?.problem === 'address') throw badRequest(trusted.message);
  else if (trusted !== undefined) fields.add(trusted.problem === 'empty' ? 'too_small' : 'invalid_type', ['accessTokenTrustedIps'], trusted.message);

  for (const field of ['accessTokenTTL', 'accessTokenMaxTTL', 'accessTokenNumUsesLimit'] as const) {
    const value = fields.optional(field, integer({ max: field === 'accessTokenNumUsesLimit' ? Number.MAX_SAFE_INTEGER : MAX_TTL_SECONDS }));
    if (value !== undefined) out[field] = value;
  }
  return out;
}

/**
 * Infisical's comma string (`"a, b"`) or a JSON array of patterns. Array entries are single
 * patterns; a comma inside one is refused because the API shows lists in the comma form, where it
 * would read as two entries.
 */
function patternList({ allowEmpty }: { allowEmpty: boolean }): Read<string[]> {
  return (value, path, issues) => {
    const given = stringOrStrings()(value, path, issues);
    if (given === undefined) return undefined;
    let list: string[];
    if (typeof given === 'string') list = parsePatternList(given);
    else {
      list = given.map((entry) => entry.trim());
      const index = list.findIndex((entry) => entry === '' || entry.includes(','));
      if (index !== -1) {
        const message = list[index] === '' ? 'Pattern must not be empty' : 'Pattern must not contain a comma (use ? to match one)';
        issues.push({ code: 'custom', path: [...path, index], message });
        return undefined;
      }
    }
    if (!allowEmpty && list.length === 0) {
      issues.push({ code: 'too_small', path, message: 'At least one non-empty pattern is required' });
      return undefined;
    }
    return [...new Set(list)];
  };
}

const boundClaims: Read<Record<string, string[]>> = (value, path, issues) => {
  const given = object()(value, path, issues);
  if (given === undefined) return undefined;
  const out: Record<string, string[]> = {};
  let ok = true;
  for (const [claim, patterns] of Object.entries(given)) {
    if (claim.trim() === '') {
      issues.push({ code: 'custom', path: [...path, claim], message: 'Claim name must not be empty' });
      ok = false;
      continue;
    }
    const list = patternList({ allowEmpty: false })(patterns, [...path, claim], issues);
    if (list === undefined) ok = false;
    else out[claim.trim()] = list;
  }
  return ok ? out : undefined;
};

const metadataMapping: Read<Record<string, string> | null> = (value, path, issues) => {
  if (!isPlainObject(value) || !Object.values(value).every((claimPath) => typeof claimPath === 'string')) {
    issues.push({ code: 'invalid_type', path, message: 'Expected an object of metadata name to claim path' });
    return undefined;
  }
  const mapping = Object.fromEntries(Object.entries(value as Record<string, string>).map(([key, claimPath]) => [key.trim(), claimPath.trim()]));
  const emptyPath = Object.entries(mapping).find(([, claimPath]) => claimPath === '');
  if (emptyPath !== undefined) {
    issues.push({ code: 'too_small', path: [...path, emptyPath[0]], message: 'Claim path must not be empty' });
    return undefined;
  }
  try {
    // The keys become entity-alias metadata keys, which follow the identity store's rules.
    checkMetadata(Object.fromEntries(Object.keys(mapping).map((key) => [key, ''])), 'claimMetadataMapping');
  } catch (error) {
    if (!(error instanceof LanyardError)) throw error;
    issues.push({ code: 'custom', path, message: error.message });
    return undefined;
  }
  return Object.keys(mapping).length === 0 ? null : mapping;
};
