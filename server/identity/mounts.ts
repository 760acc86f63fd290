/**
 * The auth mounts aliases refer to. Lanyard's mounts are fixed at initialisation (InstanceRecord):
 * an alias names one by its accessor, and reads show the mount's type and path as Vault does.
 */
import { invalidRequest } from '../errors.js';
import type { InitService, MountEntry } from '../sys/init_service.js';

export interface ResolvedMount {
  readonly accessor: string;
  readonly type: string;
  /** Vault's mount path of an auth method, e.g. `auth/userpass/`. */
  readonly path: string;
}

export class AuthMounts {
  readonly #init: InitService;

  constructor(init: InitService) {
    this.#init = init;
  }

  async all(): Promise<MountEntry[]> {
    const instance = await this.#init.require();
    return Object.values(instance.mounts);
  }

  /** The mount with this accessor, or undefined. */
  async byAccessor(accessor: string): Promise<ResolvedMount | undefined> {
    const mount = (await this.all()).find((m) => m.accessor === accessor);
    return mount && resolved(mount);
  }

  /** The mount with this accessor; Vault's 400 when there is none. */
  async require(accessor: string): Promise<ResolvedMount> {
    const mount = await this.byAccessor(accessor);
    if (!mount) throw invalidRequest(`invalid mount accessor ${JSON.stringify(accessor)}`);
    return mount;
  }

  async byType(type: MountEntry['type']): Promise<ResolvedMount | undefined> {
    const mount = (await this.all()).find((m) => m.type === type);
    return mount && resolved(mount);
  }
}

function resolved(mount: MountEntry): ResolvedMount {
  return { accessor: mount.accessor, type: mount.type, path: `auth/${mount.path}` };
}
