/**
 * Vault's client assignment rule (entityHasAssignment): a disabled entity is never assigned; a
 * client listing the built-in `allow_all` admits every other entity; otherwise the entity's ID must
 * be in some assignment's entity_ids, or one of its groups (direct or inherited) in some
 * assignment's group_ids. `*` inside an administrator's own assignment is not a wildcard.
 * Assignment IDs are stored lower-cased, so the entity's and groups' IDs are compared that way.
 */
import type { Storage } from '../../../storage/types.js';
import { membershipOf } from '../../identity/membership.js';
import type { EntityRecord } from '../../identity/types.js';
import type { Logger } from '../../log.js';
import { ALLOW_ALL_ASSIGNMENT } from '../builtins.js';
import { OIDC_KINDS } from '../admin/records.js';
import type { AssignmentRecord, ClientRecord } from '../types.js';

export async function entityIsAssigned(
  storage: Storage,
  log: Logger,
  client: Pick<ClientRecord, 'client_id' | 'assignments'>,
  entity: Pick<EntityRecord, 'id' | 'disabled'>,
): Promise<boolean> {
  if (entity.disabled) return false;
  if (client.assignments.includes(ALLOW_ALL_ASSIGNMENT)) return true;
  const assignments = await Promise.all(client.assignments.map((name) => storage.get<AssignmentRecord>(OIDC_KINDS.assignment, name)));
  const entityId = entity.id.toLowerCase();
  const groupIds = new Set<string>();
  let groupsLoaded = false;
  for (const [i, assignment] of assignments.entries()) {
    if (assignment === undefined) {
      // Deleting an assignment a client uses is refused, so this is a store out of step with itself.
      log.error('oidc client references a missing assignment', { client_id: client.client_id, assignment: client.assignments[i] });
      continue;
    }
    if (assignment.entity_ids.includes(entityId)) return true;
    if (assignment.group_ids.length === 0) continue;
    if (!groupsLoaded) {
      for (const group of (await membershipOf(storage, entity.id)).all) groupIds.add(group.id.toLowerCase());
      groupsLoaded = true;
    }
    if (assignment.group_ids.some((id) => groupIds.has(id))) return true;
  }
  return false;
}
