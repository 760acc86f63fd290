/** Every identity-store path: entities, entity aliases, groups, and the `sys/auth` mount list. */
import type { VaultPath } from '../../http/vault_path.js';
import type { Services } from '../../services.js';
import { identityStore } from '../identity_store.js';
import { entityPaths } from './entity.js';
import { entityAliasPaths } from './entity_alias.js';
import { groupPaths } from './group.js';
import { sysAuthPaths } from './sys_auth.js';
import { lookupPaths } from './lookup.js';
import { sysAuthMountPaths } from './sys_auth_mount.js';

export function identityPaths(services: Services): VaultPath[] {
  const identity = identityStore(services);
  return [
    ...entityPaths(services.storage, identity),
    ...entityAliasPaths(identity),
    ...groupPaths(identity),
    ...sysAuthPaths(services, identity.mounts),
    ...sysAuthMountPaths(services, identity.mounts),
    ...lookupPaths(services.storage, identity),
  ];
}
