import type { VerificationReason } from './errors.js';
import type { CheckStep } from './evaluation.js';
import { policyWarnings, type BoundPolicy } from './policy.js';
import { evaluateToken, type VerificationContext } from './verify.js';

/**
 * Why a token would be accepted or refused, for admins. Contains the token's header and claims
 * (decoded even when the signature fails, flagged by `signatureVerified`) and internal details, so
 * it must only be shown to someone allowed to read the policy.
 */
export interface Explanation {
  readonly ok: boolean;
  readonly reason?: VerificationReason;
  /** The public message the caller of a login would get. */
  readonly message?: string;
  /** The internal detail that goes to logs. */
  readonly detail?: string;
  /** Every check that ran, in order. */
  readonly steps: readonly CheckStep[];
  readonly header?: Readonly<Record<string, unknown>>;
  readonly claims?: Readonly<Record<string, unknown>>;
  readonly signatureVerified: boolean;
  /** Policy settings that are valid but risky (see policyWarnings). */
  readonly warnings: readonly string[];
}

/**
 * Runs the same evaluation as verify and reports it instead of throwing. It does everything a
 * login does except issue anything: fetches (and caches) provider keys, and may use up the
 * provider's refresh cooldown. Never throws for a bad token or policy.
 */
export async function explainToken(jwt: unknown, policy: BoundPolicy, context: VerificationContext): Promise<Explanation> {
  const evaluation = await evaluateToken(jwt, policy, context);
  const { error, token } = evaluation;
  return {
    ok: error === undefined,
    ...(error === undefined ? {} : { reason: error.reason, message: error.message, detail: error.detail }),
    steps: evaluation.steps,
    ...(token === undefined ? {} : { header: token.header, claims: token.claims }),
    signatureVerified: evaluation.signatureVerified,
    warnings: error?.reason === 'policy_invalid' ? [] : policyWarnings(policy, evaluation.discoveryIssuer),
  };
}
