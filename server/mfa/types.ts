/** Records of Vault's login MFA: methods, enforcements, enrolled secrets and pending logins. */
import type { PendingCompletion } from '../auth/login_steps.js';

export const MFA_KINDS = {
  method: 'mfa_method',
  enforcement: 'mfa_enforcement',
  totpSecret: 'mfa_totp_secret',
  request: 'mfa_request',
  passkey: 'passkey',
} as const;

export type TotpAlgorithm = 'SHA1' | 'SHA256' | 'SHA512';

/** A TOTP method (`identity/mfa/method/totp/:method_id`), stored in configuration. */
export interface TotpMethodRecord {
  readonly id: string;
  readonly type: 'totp';
  readonly method_name: string;
  readonly issuer: string;
  readonly period: number;
  readonly key_size: number;
  readonly qr_size: number;
  readonly algorithm: TotpAlgorithm;
  readonly digits: 6 | 8;
  readonly skew: 0 | 1;
  readonly max_validation_attempts: number;
}

/** A login enforcement (`identity/mfa/login-enforcement/:name`). */
export interface EnforcementRecord {
  readonly id: string;
  readonly name: string;
  readonly mfa_method_ids: readonly string[];
  readonly auth_method_accessors: readonly string[];
  readonly auth_method_types: readonly string[];
  readonly identity_group_ids: readonly string[];
  readonly identity_entity_ids: readonly string[];
}

/**
 * An entity's TOTP secret for one method. The key is sealed; the generation parameters are copied
 * from the method when the secret is made, so later method changes never break an enrolment.
 */
export interface TotpSecretRecord {
  readonly method_id: string;
  readonly entity_id: string;
  /** Base32 key, sealed with context `totpSecretContext`. */
  readonly sealed_key: string;
  readonly algorithm: TotpAlgorithm;
  readonly digits: number;
  readonly period: number;
  /** The last time step a code was accepted for: codes of this step and earlier are replays. */
  readonly last_counter: number;
  /** Wrong codes in the current failure window (any login), with the window's start (ms). */
  readonly failures: number;
  readonly failures_since: number;
  readonly creation_time: string;
}

export const totpSecretId = (methodId: string, entityId: string): string => `${methodId}:${entityId}`;
export const totpSecretContext = (methodId: string, entityId: string): string => `mfa-totp:${methodId}:${entityId}`;

/** One enforcement's constraint in a pending login: any one of these methods satisfies it. */
export interface PendingConstraint {
  readonly enforcement: string;
  readonly method_ids: readonly string[];
}

export type { PendingCompletion } from '../auth/login_steps.js';

/** A login waiting for its second factor; stored under the hash of its request id, expiring. */
export interface MfaRequestRecord {
  readonly entity_id: string;
  readonly mount_accessor: string;
  readonly mount_type: string;
  readonly constraints: readonly PendingConstraint[];
  /** Wrong codes given for this request; at the limit the request ends. */
  readonly failures: number;
  readonly completion: PendingCompletion;
  readonly client_ip: string;
}
