/**
 * The seam between first factors (userpass) and the second-factor step (login MFA), so neither
 * feature imports the other. MFA installs its gate; each first factor installs how a login of its
 * kind is finished once its second factor is verified (`sys/mfa/validate` runs it later, in
 * another request). Both are installed when server/features.ts registers the features' paths.
 */
import type { AuthBlock, VaultResult } from '../http/vault_path.js';
import type { EntityRecord } from '../identity/types.js';
import type { Services } from '../services.js';
import type { AuthMountType } from '../sys/init_service.js';

/** What finishes a login paused for its second factor. */
export type PendingCompletion =
  | { readonly type: 'userpass'; readonly username: string }
  /** The sign-in page of a provider: the interaction goes on with these factors (`amr`). */
  | { readonly type: 'oidc-interaction'; readonly provider: string; readonly uid: string; readonly amr: readonly string[] };

export interface GateInput {
  readonly entityId: string;
  readonly mountType: AuthMountType;
  readonly completion: PendingCompletion;
  readonly clientIp: string;
}

/** Vault's MFA-requirement answer when enforcements cover the login; undefined when none does. */
export type SecondFactorGate = (input: GateInput) => Promise<VaultResult | undefined>;

/** The first factor's own token issuance, run with the state as it is when the login finishes. */
export type LoginCompletion<T extends PendingCompletion['type'] = PendingCompletion['type']> = (
  completion: Extract<PendingCompletion, { type: T }>,
  entity: EntityRecord,
) => Promise<AuthBlock>;

interface LoginSteps {
  gate?: SecondFactorGate;
  /** Each entry is the completion of the type it is keyed by. */
  readonly completions: Map<PendingCompletion['type'], unknown>;
}

const installed = new WeakMap<Services, LoginSteps>();

function stepsOf(services: Services): LoginSteps {
  let steps = installed.get(services);
  if (steps === undefined) installed.set(services, (steps = { completions: new Map() }));
  return steps;
}

export function installSecondFactorGate(services: Services, gate: SecondFactorGate): void {
  stepsOf(services).gate = gate;
}

export function installLoginCompletion<T extends PendingCompletion['type']>(services: Services, type: T, completion: LoginCompletion<T>): void {
  stepsOf(services).completions.set(type, completion);
}

/** The MFA requirement for this login, or undefined to issue its token now (also without MFA installed). */
export function passSecondFactorGate(services: Services, input: GateInput): Promise<VaultResult | undefined> {
  return stepsOf(services).gate?.(input) ?? Promise.resolve(undefined);
}

/** How to finish a paused login of this kind; undefined when no feature installed one. */
export function loginCompletionFor<T extends PendingCompletion['type']>(services: Services, type: T): LoginCompletion<T> | undefined {
  return stepsOf(services).completions.get(type) as LoginCompletion<T> | undefined;
}
