/**
 * Assignments, Vault's `identity/oidc/assignment/:name`: the entities and groups a client may
 * issue tokens to. IDs are not checked for existence; they are stored lower-cased, deduplicated
 * and sorted. The built-in `allow_all` can be neither changed nor deleted.
 */
import { invalidRequest } from '../../../errors.js';
import { definePath, type VaultPath } from '../../../http/vault_path.js';
import type { Services } from '../../../services.js';
import { ALLOW_ALL_ASSIGNMENT } from '../../builtins.js';
import { goQuote } from '../../claims.js';
import type { AssignmentRecord } from '../../types.js';
import { OIDC_KINDS, listRecords } from '../records.js';
import { clientsUsingAssignment } from '../references.js';
import { removeDuplicates } from '../string_list.js';
import { withOidcWriteLock } from '../write_lock.js';
import { assignmentChanged } from '../../revocation_triggers.js';

const fields = {
  entity_ids: { type: 'commaStringSlice' },
  group_ids: { type: 'commaStringSlice' },
} as const;

const mountType = 'identity';

export function assignmentPaths(services: Services): VaultPath[] {
  const { storage } = services;
  const read = (name: string) => storage.get<AssignmentRecord>(OIDC_KINDS.assignment, name);

  const write = async (name: string, input: { entity_ids?: string[]; group_ids?: string[] }): Promise<void> => {
    if (name === ALLOW_ALL_ASSIGNMENT) throw invalidRequest(`modification of assignment ${goQuote(ALLOW_ALL_ASSIGNMENT)} not allowed`);
    await withOidcWriteLock(storage, async () => {
      const stored = await read(name);
      const assignment: AssignmentRecord = {
        name,
        entity_ids: removeDuplicates(input.entity_ids ?? stored?.entity_ids ?? [], true),
        group_ids: removeDuplicates(input.group_ids ?? stored?.group_ids ?? [], true),
      };
      await storage.put(OIDC_KINDS.assignment, name, assignment);
    });
    // Entities the assignment no longer admits lose their grants on its clients at once.
    await assignmentChanged(services, name);
  };

  const item = definePath({
    pattern: '/identity/oidc/assignment/:name',
    fields,
    mountType,
    existence: async (req) => (await read(req.params.name as string)) !== undefined,
    operations: {
      read: async (req) => {
        const assignment = await read(req.params.name as string);
        return assignment === undefined
          ? undefined
          : { data: { entity_ids: [...assignment.entity_ids], group_ids: [...assignment.group_ids] } };
      },
      create: (req) => write(req.params.name as string, req.data),
      update: (req) => write(req.params.name as string, req.data),
      delete: async (req) => {
        const name = req.params.name as string;
        if (name === ALLOW_ALL_ASSIGNMENT) throw invalidRequest(`deletion of assignment ${goQuote(ALLOW_ALL_ASSIGNMENT)} not allowed`);
        await withOidcWriteLock(storage, async () => {
          const clients = await clientsUsingAssignment(storage, name);
          if (clients.length > 0) {
            throw invalidRequest(
              `unable to delete assignment ${goQuote(name)} because it is currently referenced by these clients: ${clients.join(', ')}`,
            );
          }
          await storage.delete(OIDC_KINDS.assignment, name);
        });
      },
    },
  });

  const list = definePath({
    pattern: '/identity/oidc/assignment',
    mountType,
    operations: {
      list: async () => ({
        data: { keys: (await listRecords<AssignmentRecord>(storage, OIDC_KINDS.assignment)).map((a) => a.name) },
      }),
    },
  });

  return [list, item];
}
