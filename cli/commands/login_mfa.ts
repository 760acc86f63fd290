/**
 * The second step of a login that answered Vault's `auth.mfa_requirement`: one passcode per
 * enforcement (from `-mfa=CODE`, or asked for without echo on a terminal), sent to
 * `sys/mfa/validate`, whose answer is the login's.
 */
import type { ApiResponse, LanyardClient } from '../client.js';
import type { CliIo } from '../io.js';
import { usageError } from './cli_error.js';
import { attempt } from './failure.js';
import { promptHidden } from './input.js';

interface MfaMethod {
  readonly id: string;
  readonly name?: string;
  readonly type?: string;
}

interface MfaRequirement {
  readonly mfa_request_id: string;
  readonly mfa_constraints: Readonly<Record<string, { readonly any?: readonly MfaMethod[] }>>;
}

/** The requirement in a login answer, when it has one. */
export function mfaRequirementOf(response: ApiResponse): MfaRequirement | undefined {
  const requirement = response.envelope?.auth?.mfa_requirement as MfaRequirement | null | undefined;
  return requirement && typeof requirement.mfa_request_id === 'string' && requirement.mfa_request_id !== '' ? requirement : undefined;
}

/** Finish the login with passcodes; resolves to `sys/mfa/validate`'s answer (with the token). */
export async function satisfyMfa(client: LanyardClient, io: CliIo, requirement: MfaRequirement, given: string | undefined): Promise<ApiResponse> {
  const payload: Record<string, string[]> = {};
  for (const [enforcement, constraint] of Object.entries(requirement.mfa_constraints)) {
    const method = constraint.any?.[0];
    if (!method) throw usageError(`the MFA enforcement ${JSON.stringify(enforcement)} offers no method`);
    if (payload[method.id]) continue;
    const label = method.name ? `${method.name} (${method.id})` : method.id;
    let code = given;
    if (code === undefined) {
      if (!io.stdin.isTTY) throw usageError('this login needs an MFA passcode and stdin is not a terminal: pass -mfa=CODE');
      code = await promptHidden(io, `Enter the passcode for MFA method ${label} of type ${method.type ?? 'totp'} (will be hidden): `);
    }
    payload[method.id] = [code.trim()];
  }
  return attempt(client, 'validating the MFA passcode', () =>
    client.request('PUT', 'sys/mfa/validate', { body: { mfa_request_id: requirement.mfa_request_id, mfa_payload: payload } }),
  );
}
