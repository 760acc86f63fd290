/**
 * `PUT /v1/sys/mfa/validate {mfa_request_id, mfa_payload: {<method id or name>: ["<code>"]}}`
 * (no token needed): Vault's second step of a login that answered `auth.mfa_requirement`. Right
 * codes for every enforcement finish the login with the first factor's `auth` block. A wrong or
 * replayed code is 403 and counts; at the method's attempt limit the request ends (the login
 * starts again) and the entity's secret is locked for a while (429 with Retry-After).
 */
import { LanyardError, invalidRequest } from '../../errors.js';
import { definePath, type VaultPath } from '../../http/vault_path.js';
import type { Services } from '../../services.js';
import { completeLogin } from '../complete_login.js';
import { verifyPendingLogin } from '../pending_login.js';
import type { TotpMethodRecord } from '../types.js';

const fields = {
  mfa_request_id: { type: 'string', max: 64 },
  mfa_payload: { type: 'map' },
} as const;

export function mfaValidatePaths(services: Services): VaultPath[] {
  const validate = definePath({
    pattern: '/sys/mfa/validate',
    fields,
    unauthenticated: ['update', 'create'],
    mountType: 'system',
    operations: {
      update: async (req) => {
        const requestId = req.data.mfa_request_id;
        if (!requestId) throw invalidRequest('missing request ID');
        const payload = codesOf(req.data.mfa_payload);
        const codeFor = (method: TotpMethodRecord) => payload.get(method.id) ?? (method.method_name ? payload.get(method.method_name) : undefined);
        const result = await verifyPendingLogin(services, requestId, codeFor);
        switch (result.status) {
          case 'unknown':
            throw new LanyardError('permission_denied', 'invalid MFA request ID, or the request expired or was already used; log in again');
          case 'missing':
            throw invalidRequest(`MFA credentials for enforcement ${JSON.stringify(result.enforcement)} are missing from mfa_payload`);
          case 'locked':
            throw new LanyardError('rate_limited', `failed to satisfy enforcement ${result.enforcement}. error: ${result.message}`, {
              headers: { 'Retry-After': String(result.retryAfterSeconds) },
            });
          case 'failed':
            throw new LanyardError(
              'permission_denied',
              `failed to satisfy enforcement ${result.enforcement}. error: ${result.message}` +
                (result.ended ? '; too many failed attempts, this MFA request has ended: log in again' : ''),
            );
          case 'ok':
            return { auth: await completeLogin(services, result.record) };
        }
      },
    },
  });
  return [validate];
}

/** `mfa_payload` as method → code; Vault's value is a list with one passcode (a bare string is accepted). */
function codesOf(payload: Record<string, unknown> | undefined): Map<string, string> {
  if (!payload || Object.keys(payload).length === 0) throw invalidRequest('missing mfa_payload');
  const codes = new Map<string, string>();
  for (const [method, value] of Object.entries(payload)) {
    const list = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(list) || list.length !== 1 || typeof list[0] !== 'string' || list[0].length > 64) {
      throw invalidRequest(`mfa_payload for method ${JSON.stringify(method)} must be a list with one passcode`);
    }
    codes.set(method, list[0]);
  }
  return codes;
}
