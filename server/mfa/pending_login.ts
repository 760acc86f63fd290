/**
 * Logins waiting for their second factor. The first factor (password, upstream SSO) stores what is
 * needed to finish the login under a hash of a random request id and gives the id out; the caller
 * comes back with codes (`sys/mfa/validate`, or the login page's code form).
 *
 * - The request expires after five minutes and is spent by its first success (deleting it is the
 *   atomic step that decides which of two racing validations finishes the login).
 * - Wrong codes count against the request too: at the lowest `max_validation_attempts` of its
 *   methods the request ends and the login must start again.
 */
import { NotFoundError } from '../../storage/errors.js';
import type { Services } from '../services.js';
import { sha256Hex, uuid } from '../util/random.js';
import { readMethod } from './records.js';
import { checkCode, describeFailure } from './totp.js';
import { MFA_KINDS, type MfaRequestRecord, type TotpMethodRecord } from './types.js';

export const REQUEST_TTL_MS = 5 * 60_000;
const DEFAULT_ATTEMPTS = 5;

const storageId = (requestId: string): string => sha256Hex(`mfa-request:${requestId}`);

type Deps = Pick<Services, 'storage' | 'seal' | 'now'>;

/** Store a pending login; its request id (a bearer secret: only its hash is stored). */
export async function startPendingLogin(services: Deps, record: Omit<MfaRequestRecord, 'failures'>, requestId: string = uuid()): Promise<string> {
  // put: a sign-in page that starts over (same interaction, same id) replaces its earlier request.
  await services.storage.put<MfaRequestRecord>(MFA_KINDS.request, storageId(requestId), { ...record, failures: 0 }, {
    expiresAt: services.now() + REQUEST_TTL_MS,
  });
  return requestId;
}

export function readPendingLogin(services: Deps, requestId: string): Promise<MfaRequestRecord | undefined> {
  return services.storage.get<MfaRequestRecord>(MFA_KINDS.request, storageId(requestId));
}

export type VerifyResult =
  | { readonly status: 'ok'; readonly record: MfaRequestRecord }
  /** No such request, expired, or already finished. */
  | { readonly status: 'unknown' }
  /** No code was given for some enforcement (nothing counted). */
  | { readonly status: 'missing'; readonly enforcement: string }
  /** A code was wrong or replayed; `ended` when that used up the request's attempts. */
  | { readonly status: 'failed'; readonly enforcement: string; readonly message: string; readonly ended: boolean; readonly attemptsLeft: number }
  /** The entity's secret is locked after too many wrong codes. */
  | { readonly status: 'locked'; readonly enforcement: string; readonly message: string; readonly retryAfterSeconds: number };

/**
 * Check the codes `codeFor(method)` gives against every constraint of the request. Methods the
 * caller gave no code for are skipped; one right code satisfies a constraint.
 */
export async function verifyPendingLogin(services: Deps, requestId: string, codeFor: (method: TotpMethodRecord) => string | undefined): Promise<VerifyResult> {
  const id = storageId(requestId);
  const record = await services.storage.get<MfaRequestRecord>(MFA_KINDS.request, id);
  if (!record) return { status: 'unknown' };
  const satisfied = new Set<string>();
  const limit = await attemptLimit(services, record);

  for (const constraint of record.constraints) {
    if (constraint.method_ids.some((m) => satisfied.has(m))) continue;
    let tried = false;
    let failure: { message: string } | undefined;
    for (const methodId of constraint.method_ids) {
      const method = await readMethod(services.storage, methodId);
      const code = method && codeFor(method);
      if (!method || code === undefined) continue;
      tried = true;
      const outcome = await checkCode(services, method, record.entity_id, code);
      if (outcome.ok) {
        satisfied.add(methodId);
        failure = undefined;
        break;
      }
      if (outcome.reason === 'locked') {
        return { status: 'locked', enforcement: constraint.enforcement, message: describeFailure(outcome, method), retryAfterSeconds: outcome.retryAfterSeconds ?? 1 };
      }
      failure = { message: describeFailure(outcome, method) };
    }
    if (!tried) return { status: 'missing', enforcement: constraint.enforcement };
    if (failure) {
      const failures = await countFailure(services, id);
      const ended = failures === undefined || failures >= limit;
      if (ended) await services.storage.delete(MFA_KINDS.request, id);
      return { status: 'failed', enforcement: constraint.enforcement, message: failure.message, ended, attemptsLeft: ended ? 0 : limit - (failures ?? limit) };
    }
  }
  // The first validation to remove the request finishes the login; a racing second one does not.
  if (!(await services.storage.delete(MFA_KINDS.request, id))) return { status: 'unknown' };
  return { status: 'ok', record };
}

/** The request's wrong-code count after one more; undefined when the request is gone. */
async function countFailure(services: Deps, id: string): Promise<number | undefined> {
  try {
    const updated = await services.storage.update<MfaRequestRecord>(MFA_KINDS.request, id, (r) => ({ ...r, failures: r.failures + 1 }));
    return updated?.failures;
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

async function attemptLimit(services: Deps, record: MfaRequestRecord): Promise<number> {
  let limit = Number.POSITIVE_INFINITY;
  for (const id of new Set(record.constraints.flatMap((c) => c.method_ids))) {
    const method = await readMethod(services.storage, id);
    if (method) limit = Math.min(limit, method.max_validation_attempts);
  }
  return Number.isFinite(limit) ? limit : DEFAULT_ATTEMPTS;
}

/**
 * Finish a pending login by another proof than a code (a passkey on the sign-in page): removes
 * the request and returns it, or undefined when it is gone or a racing validation removed it first.
 */
export async function takePendingLogin(services: Deps, requestId: string): Promise<MfaRequestRecord | undefined> {
  const id = storageId(requestId);
  const record = await services.storage.get<MfaRequestRecord>(MFA_KINDS.request, id);
  if (!record) return undefined;
  return (await services.storage.delete(MFA_KINDS.request, id)) ? record : undefined;
}
