/**
 * Group sync (`manageGroupMemberships`): after each upstream sign-in, the person's membership of
 * the groups Lanyard lets SSO manage follows the IdP's `groups` claim.
 *
 * Which groups SSO manages: internal groups whose metadata has `sso_managed` = `true`. Nothing
 * else is ever touched, so an IdP group that happens to be called like a Lanyard group (say
 * `admins`) gives no one its policies unless an administrator opted that group in.
 *
 * For a managed group, the person is added when its name (compared without case) is in the
 * claim and removed when it is not, whoever added them; memberships of unmanaged groups and of
 * other entities stay as they are. The claim may be a string or an array of strings (other
 * values are ignored). Sync happens at sign-in only: an IdP change shows at the next sign-in.
 *
 * Each change is one atomic update of the group record, so concurrent sign-ins of different
 * people never lose each other's membership.
 */
import { NotFoundError } from '../../storage/errors.js';
import type { Storage } from '../../storage/types.js';
import type { GroupService } from '../identity/groups.js';
import type { GroupRecord } from '../identity/types.js';
import type { Logger } from '../log.js';

/** The group metadata that hands a group's membership to SSO. */
const MANAGED_MARKER = { key: 'sso_managed', value: 'true' } as const;
/** The identity store's member limit per group. */
const MAX_MEMBERS = 512;
/** Entra ID sends at most 200 groups in a token; more names than this are not looked at. */
const MAX_CLAIMED_GROUPS = 500;

export interface GroupSyncResult {
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

function isManaged(group: GroupRecord): boolean {
  return group.type === 'internal' && group.metadata[MANAGED_MARKER.key] === MANAGED_MARKER.value;
}

/** The group names a `groups` claim lists, lowercased and de-duplicated. */
function claimedGroupNames(claim: unknown): string[] {
  const values = typeof claim === 'string' ? [claim] : Array.isArray(claim) ? claim : [];
  const names = values.filter((value): value is string => typeof value === 'string').map((value) => value.trim().toLowerCase());
  return [...new Set(names.filter((name) => name !== ''))];
}

export async function syncGroups(storage: Storage, groups: GroupService, entityId: string, claim: unknown, log: Logger, now: () => number): Promise<GroupSyncResult> {
  const claimed = claimedGroupNames(claim);
  if (claimed.length > MAX_CLAIMED_GROUPS) log.warn('sso groups claim truncated', { entity_id: entityId, listed: claimed.length, used: MAX_CLAIMED_GROUPS });
  const wanted = new Set(claimed.slice(0, MAX_CLAIMED_GROUPS));
  const time = new Date(now()).toISOString();
  const added: string[] = [];
  const removed: string[] = [];

  for (const name of wanted) {
    const group = await groups.byName(name);
    if (group === undefined || !isManaged(group) || group.member_entity_ids.includes(entityId)) continue;
    if (await changeMembership(storage, group.id, (members) => (members.length >= MAX_MEMBERS ? members : [...members, entityId].sort()), time)) added.push(group.name);
    else log.warn('sso group sync could not add a member', { group: group.name, entity_id: entityId, reason: 'group is full or gone' });
  }

  for (const { value: group } of await storage.findBy<GroupRecord>('group', 'member_entity', entityId)) {
    if (!isManaged(group) || wanted.has(group.name.toLowerCase())) continue;
    if (await changeMembership(storage, group.id, (members) => members.filter((member) => member !== entityId), time)) removed.push(group.name);
  }
  return { added, removed };
}

/** Apply `change` to a group's member entities atomically; whether the list changed. */
async function changeMembership(storage: Storage, groupId: string, change: (members: readonly string[]) => readonly string[], time: string): Promise<boolean> {
  let changed = false;
  try {
    await storage.update<GroupRecord>('group', groupId, (group) => {
      // Checked again inside the update: an admin may have released the group meanwhile.
      if (!isManaged(group)) return group;
      const members = change(group.member_entity_ids);
      changed = members.length !== group.member_entity_ids.length;
      return changed ? { ...group, member_entity_ids: [...members], last_update_time: time } : group;
    });
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
  return changed;
}
