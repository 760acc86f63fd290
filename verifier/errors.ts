/**
 * Every way a workload JWT can be refused, in one table: the stable reason code, the public
 * message and the HTTP status Infisical's OIDC login answers with. Codes Infisical already uses
 * (`discovery_document_fetch_failed`, `missing_jwks_uri`, `invalid_jwt`, `signing_key_not_found`,
 * `signing_key_retrieval_failed`, `no_signing_keys`, `too_many_signing_keys`,
 * `audience_not_allowed`, `missing_claim`, `claim_not_allowed`) keep their names; the others split
 * Infisical's catch-all `jwt_verification_failed` into something an operator can act on.
 *
 * Public messages never echo token content (a caller controls the token, and messages end up in
 * logs and UIs); configuration values such as a bound claim name or the bound issuer may appear,
 * as they do in Infisical's messages.
 */
export const VERIFICATION_REASONS = {
  policy_invalid: { status: 500, message: 'OIDC auth configuration is invalid.' },
  invalid_jwt: { status: 401, message: 'Invalid JWT' },
  token_too_large: { status: 401, message: 'Invalid JWT: token is too large' },
  algorithm_not_allowed: { status: 401, message: 'Access denied: invalid algorithm' },
  url_not_allowed: { status: 400, message: 'Local IPs not allowed as URL' },
  discovery_document_fetch_failed: {
    status: 401,
    message: 'Access denied: Failed to fetch OIDC discovery document.',
  },
  discovery_document_invalid: { status: 401, message: 'Access denied: OIDC discovery document is invalid.' },
  missing_jwks_uri: {
    status: 401,
    message:
      'Access denied: OIDC discovery document does not contain a jwks_uri. The identity provider may be misconfigured.',
  },
  signing_key_retrieval_failed: {
    status: 401,
    message: 'Access denied: Failed to retrieve signing keys from OIDC provider.',
  },
  no_signing_keys: {
    status: 401,
    message: "Access denied: No signing keys available from OIDC provider's JWKS endpoint.",
  },
  too_many_signing_keys: {
    status: 401,
    message: "Access denied: Tokens must include 'kid' header when provider has more than 10 keys.",
  },
  signing_key_not_found: {
    status: 401,
    message:
      "Access denied: Unable to verify JWT signature. The signing key was not found in the OIDC provider's JWKS endpoint.",
  },
  key_algorithm_mismatch: { status: 401, message: 'Access denied: invalid algorithm' },
  invalid_signature: { status: 401, message: 'Access denied: invalid signature' },
  missing_expiration: { status: 401, message: 'Access denied: jwt has no exp claim' },
  invalid_time_claim: { status: 401, message: 'Access denied: invalid time claim value' },
  token_expired: { status: 401, message: 'Access denied: jwt expired' },
  token_not_yet_valid: { status: 401, message: 'Access denied: jwt not active' },
  token_issued_in_future: { status: 401, message: 'Access denied: jwt issued in the future' },
  issuer_mismatch: { status: 401, message: 'Access denied: jwt issuer invalid.' },
  subject_not_allowed: { status: 403, message: 'Access denied: OIDC subject not allowed.' },
  audience_not_allowed: { status: 401, message: 'Access denied: OIDC audience not allowed.' },
  missing_claim: { status: 401, message: 'Access denied: token has no required claim' },
  claim_not_allowed: { status: 401, message: 'Access denied: OIDC claim not allowed.' },
} as const satisfies Record<string, { status: number; message: string }>;

/** A stable machine-readable code for why a token was refused. */
export type VerificationReason = keyof typeof VERIFICATION_REASONS;

/**
 * A refused token. `message` is safe to return to the caller; `detail` is for logs and the
 * admin-only explain output; `status` is the HTTP status Infisical uses for the same refusal.
 */
export class VerificationError extends Error {
  override name = 'VerificationError';
  readonly reason: VerificationReason;
  readonly status: number;
  readonly detail: string;

  constructor(reason: VerificationReason, detail: string, options: { message?: string; cause?: unknown } = {}) {
    super(options.message ?? VERIFICATION_REASONS[reason].message, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
    this.status = VERIFICATION_REASONS[reason].status;
    this.detail = detail;
  }
}
