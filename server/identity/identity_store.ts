/**
 * The identity store's services over one storage. They hold no state of their own, so building
 * them per feature (identity routes, userpass, OIDC) is cheap and they always agree.
 */
import type { Services } from '../services.js';
import { AliasService } from './aliases.js';
import { EntityService } from './entities.js';
import { GroupService } from './groups.js';
import { AuthMounts } from './mounts.js';

export interface IdentityStore {
  readonly entities: EntityService;
  readonly aliases: AliasService;
  readonly groups: GroupService;
  readonly mounts: AuthMounts;
}

export function identityStore(services: Pick<Services, 'storage' | 'tokens' | 'init' | 'now'>): IdentityStore {
  const mounts = new AuthMounts(services.init);
  const entities = new EntityService(services.storage, services.tokens, services.now);
  return {
    entities,
    aliases: new AliasService(services.storage, entities, mounts, services.now),
    groups: new GroupService(services.storage, services.now),
    mounts,
  };
}
