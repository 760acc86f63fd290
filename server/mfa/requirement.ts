/**
 * Which login enforcements cover a login: Vault's rule is that an enforcement applies when any of
 * its targets matches — the entity, one of the entity's groups (direct or inherited), the auth
 * mount's accessor or its type. Each covering enforcement becomes one constraint; a login must
 * satisfy all of them, each with any one of its methods.
 */
import type { Storage } from '../../storage/types.js';
import { membershipOf } from '../identity/membership.js';
import { allEnforcements, readMethod } from './records.js';
import type { PendingConstraint } from './types.js';

export interface LoginSubject {
  readonly entityId: string;
  readonly mountAccessor: string;
  readonly mountType: string;
}

export async function constraintsFor(storage: Storage, subject: LoginSubject): Promise<PendingConstraint[]> {
  const enforcements = await allEnforcements(storage);
  if (enforcements.length === 0) return [];
  let groupIds: Set<string> | undefined;
  const constraints: PendingConstraint[] = [];
  for (const e of enforcements) {
    let covers = e.identity_entity_ids.includes(subject.entityId) || e.auth_method_accessors.includes(subject.mountAccessor) || e.auth_method_types.includes(subject.mountType);
    if (!covers && e.identity_group_ids.length > 0) {
      groupIds ??= new Set((await membershipOf(storage, subject.entityId)).all.map((g) => g.id));
      covers = e.identity_group_ids.some((id) => groupIds?.has(id));
    }
    if (covers) constraints.push({ enforcement: e.name, method_ids: e.mfa_method_ids });
  }
  return constraints;
}

/** Vault's `mfa_constraints`: per enforcement, the methods that would satisfy it. */
export async function constraintsView(storage: Storage, constraints: readonly PendingConstraint[]): Promise<Record<string, { any: Array<Record<string, unknown>> }>> {
  const view: Record<string, { any: Array<Record<string, unknown>> }> = {};
  for (const c of constraints) {
    const any: Array<Record<string, unknown>> = [];
    for (const id of c.method_ids) {
      const method = await readMethod(storage, id);
      if (method) any.push({ type: method.type, id: method.id, name: method.method_name, uses_passcode: true });
    }
    view[c.enforcement] = { any };
  }
  return view;
}
