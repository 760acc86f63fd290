import { claimMatches, isMatchableClaim, readClaim } from './claims.js';
import { VerificationError } from './errors.js';
import { failed, passed, preview, type CheckOutcome } from './evaluation.js';
import { matchesPattern } from './glob.js';
import type { BoundPolicy } from './policy.js';

/** What the claim checks compare a signature-verified payload with. */
export interface ClaimCheckContext {
  readonly claims: Record<string, unknown>;
  readonly policy: BoundPolicy;
  /** Current time, seconds since the epoch. */
  readonly now: number;
  readonly leewaySec: number;
  /** The discovery document's issuer, used when the policy binds no issuer. */
  readonly discoveryIssuer: string | undefined;
}

/**
 * Every claim check in order: time (exp required; nbf and iat when present; one leeway for all
 * three), issuer, subject, audience, then each bound claim. All of them run, so explain can show
 * every mismatch at once; verify reports the first failure.
 */
export function checkClaims(context: ClaimCheckContext): CheckOutcome[] {
  const outcomes = [checkExpiration(context)];
  if (context.claims.nbf !== undefined) outcomes.push(checkNotBefore(context));
  if (context.claims.iat !== undefined) outcomes.push(checkIssuedAt(context));
  outcomes.push(checkIssuer(context));
  if (context.policy.boundSubject !== '') outcomes.push(checkSubject(context));
  if (context.policy.boundAudiences.length > 0) outcomes.push(checkAudience(context));
  for (const [path, patterns] of Object.entries(context.policy.boundClaims)) {
    outcomes.push(checkBoundClaim(context, path, patterns));
  }
  return outcomes;
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function invalidTimeClaim(name: string, value: unknown): VerificationError {
  return new VerificationError('invalid_time_claim', `"${name}" is ${preview(value)}, not a number`, {
    message: `Access denied: invalid ${name} value`,
  });
}

function checkExpiration({ claims, now, leewaySec }: ClaimCheckContext): CheckOutcome {
  const exp = claims.exp;
  const expected = `a time after ${now - leewaySec} (now ${now}, leeway ${leewaySec} s)`;
  if (exp === undefined) {
    return failed(new VerificationError('missing_expiration', 'the token has no "exp" claim'), 'exp', expected, exp);
  }
  if (!isNumericDate(exp)) return failed(invalidTimeClaim('exp', exp), 'exp', expected, exp);
  if (exp <= now - leewaySec) {
    return failed(new VerificationError('token_expired', `exp ${exp} is ${now - exp} s before now ${now} (leeway ${leewaySec} s)`), 'exp', expected, exp);
  }
  return passed('exp', expected, exp);
}

function checkNotBefore({ claims, now, leewaySec }: ClaimCheckContext): CheckOutcome {
  const nbf = claims.nbf;
  const expected = `a time up to ${now + leewaySec} (now ${now}, leeway ${leewaySec} s)`;
  if (!isNumericDate(nbf)) return failed(invalidTimeClaim('nbf', nbf), 'nbf', expected, nbf);
  if (nbf > now + leewaySec) {
    return failed(new VerificationError('token_not_yet_valid', `nbf ${nbf} is ${nbf - now} s after now ${now} (leeway ${leewaySec} s)`), 'nbf', expected, nbf);
  }
  return passed('nbf', expected, nbf);
}

function checkIssuedAt({ claims, now, leewaySec }: ClaimCheckContext): CheckOutcome {
  const iat = claims.iat;
  const expected = `a time up to ${now + leewaySec} (now ${now}, leeway ${leewaySec} s)`;
  if (!isNumericDate(iat)) return failed(invalidTimeClaim('iat', iat), 'iat', expected, iat);
  if (iat > now + leewaySec) {
    return failed(new VerificationError('token_issued_in_future', `iat ${iat} is ${iat - now} s after now ${now} (leeway ${leewaySec} s)`), 'iat', expected, iat);
  }
  return passed('iat', expected, iat);
}

function checkIssuer({ claims, policy, discoveryIssuer }: ClaimCheckContext): CheckOutcome {
  const expected = policy.boundIssuer !== '' ? policy.boundIssuer : discoveryIssuer;
  const iss = claims.iss;
  if (expected === undefined) {
    const error = new VerificationError('issuer_mismatch', 'boundIssuer is empty and the discovery document names no issuer to compare with');
    return failed(error, 'issuer', expected, iss);
  }
  if (iss !== expected) {
    const error = new VerificationError('issuer_mismatch', `iss is ${preview(iss)}, expected ${JSON.stringify(expected)}`, {
      message: `Access denied: jwt issuer invalid. expected: ${expected}`,
    });
    return failed(error, 'issuer', expected, iss);
  }
  return passed('issuer', expected, iss);
}

function checkSubject({ claims, policy }: ClaimCheckContext): CheckOutcome {
  const sub = claims.sub;
  if (typeof sub !== 'string' || !matchesPattern(sub, policy.boundSubject)) {
    const detail = typeof sub === 'string' ? `sub ${preview(sub)} does not match ${JSON.stringify(policy.boundSubject)}` : `sub is ${preview(sub)}, not a string`;
    return failed(new VerificationError('subject_not_allowed', detail), 'subject', policy.boundSubject, sub);
  }
  return passed('subject', policy.boundSubject, sub);
}

function checkAudience({ claims, policy }: ClaimCheckContext): CheckOutcome {
  const aud = claims.aud;
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((entry): entry is string => typeof entry === 'string') : [];
  const ok = audiences.some((audience) => policy.boundAudiences.some((pattern) => matchesPattern(audience, pattern)));
  if (!ok) {
    const detail = audiences.length === 0 ? `aud is ${preview(aud)}: no audience to match` : `aud ${preview(aud)} matches none of ${JSON.stringify(policy.boundAudiences)}`;
    return failed(new VerificationError('audience_not_allowed', detail), 'audience', policy.boundAudiences, aud);
  }
  return passed('audience', policy.boundAudiences, aud);
}

function checkBoundClaim({ claims }: ClaimCheckContext, path: string, patterns: readonly string[]): CheckOutcome {
  const value = readClaim(claims, path);
  if (!isMatchableClaim(value)) {
    const error = new VerificationError('missing_claim', `claim ${JSON.stringify(path)} is ${value === undefined ? 'absent' : `${preview(value)}, which cannot be matched`}`, {
      message: `Access denied: token has no ${path} field`,
    });
    return failed(error, 'claim', patterns, value, path);
  }
  if (!patterns.some((pattern) => claimMatches(value, pattern))) {
    const error = new VerificationError('claim_not_allowed', `claim ${JSON.stringify(path)} is ${preview(value)}, matching none of ${JSON.stringify(patterns)}`);
    return failed(error, 'claim', patterns, value, path);
  }
  return passed('claim', patterns, value, path);
}
