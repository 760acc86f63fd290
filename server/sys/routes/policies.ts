/**
 * ACL policies: `/v1/sys/policies/acl/:name` (body `{"policy": "<HCL or JSON>"}`) and Vault's
 * older `/v1/sys/policy/:name` (body `{"policy"|"rules": …}`), with list on both collections.
 */
import { invalidRequest } from '../../errors.js';
import { definePath, legacyAnswer, lowerCased, type VaultPath } from '../../http/vault_path.js';
import type { Services } from '../../services.js';

const fields = { policy: { type: 'string', max: 1024 * 1024 }, rules: { type: 'string', max: 1024 * 1024 } } as const;

export function policyPaths(services: Services): VaultPath[] {
  const { policies } = services;
  const list = async () => ({ data: { keys: await policies.list(), policies: await policies.list() } });
  const itemPath = (pattern: string, rulesKey: 'policy' | 'rules') =>
    definePath({
      pattern,
      canonicalParams: { name: lowerCased },
      fields,
      mountType: 'system',
      operations: {
        read: async (req) => {
          const stored = await policies.read(req.params.name as string);
          if (!stored) return undefined;
          const data = { name: stored.name, [rulesKey]: stored.policy };
          // Vault's legacy `sys/policy/:name` also puts the data at the top level (node-vault reads `.rules`).
          return rulesKey === 'rules' ? legacyAnswer(req, data) : { data };
        },
        update: async (req) => {
          const text = req.data.policy ?? req.data.rules;
          if (text === undefined || text.trim() === '') throw invalidRequest("'policy' parameter not supplied or empty");
          await policies.write(req.params.name as string, text);
        },
        delete: async (req) => {
          await policies.delete(req.params.name as string);
        },
      },
    });
  return [
    definePath({ pattern: '/sys/policies/acl', mountType: 'system', operations: { list } }),
    itemPath('/sys/policies/acl/:name', 'policy'),
    definePath({ pattern: '/sys/policy', mountType: 'system', operations: { read: list, list } }),
    itemPath('/sys/policy/:name', 'rules'),
  ];
}
