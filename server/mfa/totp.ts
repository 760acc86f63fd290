/**
 * TOTP secrets (RFC 6238, through otpauth): making an entity's secret for a method, and checking
 * a code against it.
 *
 * A check is one atomic read-modify-write of the secret record, so two replicas or two requests
 * racing with the same code cannot both win:
 * - a code is accepted only for a time step later than the last accepted one (RFC 6238 §5.2), so a
 *   code is single-use and an older code cannot follow a newer one;
 * - wrong codes count per entity and method in a window; at the method's `max_validation_attempts`
 *   further codes are refused, right or wrong, until the window ends.
 * otpauth compares codes in constant time.
 */
import { Secret, TOTP } from 'otpauth';
import type { Seal } from '../../keys/seal.js';
import { NotFoundError } from '../../storage/errors.js';
import type { Services } from '../services.js';
import type { EntityRecord } from '../identity/types.js';
import { MFA_KINDS, totpSecretContext, totpSecretId, type TotpMethodRecord, type TotpSecretRecord } from './types.js';

/** How long wrong codes are remembered against an entity's secret. */
export const FAILURE_WINDOW_MS = 5 * 60_000;

export interface GeneratedSecret {
  readonly record: TotpSecretRecord;
  /** The otpauth:// URL for authenticator apps (holds the secret: show it once, never log it). */
  readonly url: string;
}

/** A new secret for `entity` under `method` (not stored). */
export function generateSecret(services: Pick<Services, 'seal' | 'now'>, method: TotpMethodRecord, entity: Pick<EntityRecord, 'id' | 'name'>): GeneratedSecret {
  const secret = new Secret({ size: method.key_size });
  const totp = new TOTP({
    issuer: method.issuer,
    label: entity.name,
    secret,
    algorithm: method.algorithm,
    digits: method.digits,
    period: method.period,
  });
  const record: TotpSecretRecord = {
    method_id: method.id,
    entity_id: entity.id,
    sealed_key: services.seal.seal(secret.base32, totpSecretContext(method.id, entity.id)),
    algorithm: method.algorithm,
    digits: method.digits,
    period: method.period,
    last_counter: -1,
    failures: 0,
    failures_since: 0,
    creation_time: new Date(services.now()).toISOString(),
  };
  return { record, url: totp.toString() };
}

export type CheckOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'not_enrolled' | 'wrong' | 'replayed' | 'locked'; readonly retryAfterSeconds?: number };

/** Check `code` for `entityId` under `method`, recording the result atomically. */
export async function checkCode(
  services: Pick<Services, 'storage' | 'seal' | 'now'>,
  method: TotpMethodRecord,
  entityId: string,
  code: string,
): Promise<CheckOutcome> {
  const now = services.now();
  let outcome: CheckOutcome = { ok: false, reason: 'not_enrolled' };
  const id = totpSecretId(method.id, entityId);
  try {
    await services.storage.update<TotpSecretRecord>(MFA_KINDS.totpSecret, id, (record) => {
      const result = judge(services.seal, method, record, code, now);
      outcome = result.outcome;
      return result.record;
    });
  } catch (err) {
    // No secret for this entity (never enrolled, or removed by admin-destroy).
    if (err instanceof NotFoundError) return { ok: false, reason: 'not_enrolled' };
    throw err;
  }
  return outcome;
}

/** The pure decision for one code against one secret record: the outcome and the record to store. */
function judge(seal: Seal, method: TotpMethodRecord, record: TotpSecretRecord, code: string, now: number): { outcome: CheckOutcome; record: TotpSecretRecord } {
  const windowOpen = record.failures > 0 && now - record.failures_since < FAILURE_WINDOW_MS;
  const failures = windowOpen ? record.failures : 0;
  if (failures >= method.max_validation_attempts) {
    const retryAfterSeconds = Math.max(1, Math.ceil((record.failures_since + FAILURE_WINDOW_MS - now) / 1000));
    return { outcome: { ok: false, reason: 'locked', retryAfterSeconds }, record };
  }
  const fail = (reason: 'wrong' | 'replayed', retryAfterSeconds?: number) => ({
    outcome: { ok: false as const, reason, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) },
    record: { ...record, failures: failures + 1, failures_since: windowOpen ? record.failures_since : now },
  });

  const key = seal.open(record.sealed_key, totpSecretContext(record.method_id, record.entity_id));
  const totp = new TOTP({ secret: Secret.fromBase32(key), algorithm: record.algorithm, digits: record.digits, period: record.period });
  const trimmed = code.trim();
  if (!/^\d+$/.test(trimmed) || trimmed.length !== record.digits) return fail('wrong');
  const delta = totp.validate({ token: trimmed, timestamp: now, window: method.skew });
  if (delta === null) return fail('wrong');
  const counter = TOTP.counter({ period: record.period, timestamp: now }) + delta;
  if (counter <= record.last_counter) {
    const nextStepMs = (record.last_counter + 1) * record.period * 1000;
    return fail('replayed', Math.max(1, Math.ceil((nextStepMs - now) / 1000)));
  }
  return { outcome: { ok: true }, record: { ...record, last_counter: counter, failures: 0, failures_since: 0 } };
}

/** The user-facing text for a failed check (never says whether the entity is enrolled). */
export function describeFailure(outcome: Exclude<CheckOutcome, { ok: true }>, method: TotpMethodRecord): string {
  switch (outcome.reason) {
    case 'replayed':
      return `code already used; a new code is available in ${outcome.retryAfterSeconds ?? method.period} seconds`;
    case 'locked':
      return `maximum TOTP validation attempts ${method.max_validation_attempts} exceeded; try again in ${outcome.retryAfterSeconds ?? 0} seconds`;
    case 'not_enrolled':
    case 'wrong':
      return 'failed to validate TOTP passcode';
  }
}
