/**
 * `claimMetadataMapping` applied to verified claims: metadata key → the claim's value as text.
 * As in Infisical, a mapped claim that is absent (or an object) refuses the login ("token has no
 * … field"), since policies and templates may rely on it; unlike Infisical, `false`, `0` and ""
 * are values, and claim paths follow the verifier's rules (dot paths, dotted names, JSON pointers).
 * Values must fit entity-alias metadata (512 characters, printable).
 */
import { readClaim, VerificationError } from '../../verifier/index.js';

const MAX_VALUE_LENGTH = 512;
const UNPRINTABLE = /[\p{Cc}\p{Cs}]/u;

/** The metadata; throws a VerificationError (`missing_claim`) naming the claim path. */
export function mapClaimsToMetadata(claims: Readonly<Record<string, unknown>>, mapping: Readonly<Record<string, string>> | null): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [key, path] of Object.entries(mapping ?? {})) {
    const value = claimText(readClaim(claims, path));
    if (value === undefined) {
      throw new VerificationError('missing_claim', `mapped claim ${JSON.stringify(path)} is absent or not a scalar or list of scalars`, {
        message: `Access denied: token has no ${path} field`,
      });
    }
    if (value.length > MAX_VALUE_LENGTH || UNPRINTABLE.test(value)) {
      throw new VerificationError('claim_not_allowed', `mapped claim ${JSON.stringify(path)} is longer than ${MAX_VALUE_LENGTH} characters or unprintable`, {
        message: `Access denied: the ${path} claim cannot be recorded as metadata`,
      });
    }
    metadata[key] = value;
  }
  return metadata;
}

/** Scalars as their text, a list of scalars joined with commas (Infisical's String(array)). */
function claimText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((item) => ['string', 'number', 'boolean'].includes(typeof item))) return value.join(',');
  return undefined;
}
