/**
 * Initialisation: the one-time creation of the organisation id, the auth mount accessors and the
 * root token. The root token is returned once and only its hash is kept; a second init is refused.
 */
import { AlreadyExistsError } from '../../storage/errors.js';
import type { Storage } from '../../storage/types.js';
import { LanyardError } from '../errors.js';
import type { TokenService } from '../tokens/token_service.js';
import { randomBase62, uuid } from '../util/random.js';

export interface MountEntry {
  readonly type: string;
  readonly path: string;
  readonly accessor: string;
  readonly description: string;
}

export interface InstanceRecord {
  readonly organization_id: string;
  readonly initialized_at: string;
  /** Auth mounts by type: aliases and templates refer to their accessors. */
  readonly mounts: Readonly<Record<AuthMountType, MountEntry>>;
}

export type AuthMountType = 'token' | 'userpass' | 'oidc-auth' | 'oidc';

const MOUNTS: Record<AuthMountType, { path: string; description: string }> = {
  token: { path: 'token/', description: 'token based credentials' },
  userpass: { path: 'userpass/', description: 'username and password login for people' },
  'oidc-auth': { path: 'oidc-auth/', description: 'workload JWT login (machine identities)' },
  oidc: { path: 'oidc/', description: 'login through the upstream OIDC identity provider (SSO)' },
};

const INSTANCE = 'instance';

export class InitService {
  readonly #storage: Storage;
  readonly #tokens: TokenService;
  #instance: InstanceRecord | undefined;

  constructor(storage: Storage, tokens: TokenService) {
    this.#storage = storage;
    this.#tokens = tokens;
  }

  /** Drop the cached instance record (after a snapshot restore replaced the stored one). */
  forgetCached(): void {
    this.#instance = undefined;
  }

  /** The instance record, cached after the first read (it never changes once written). */
  async instance(): Promise<InstanceRecord | undefined> {
    this.#instance ??= await this.#storage.get<InstanceRecord>('system', INSTANCE);
    return this.#instance;
  }

  async initialized(): Promise<boolean> {
    return (await this.instance()) !== undefined;
  }

  /** The instance record, or a 503 telling the operator to run `lanyard operator init`. */
  async require(): Promise<InstanceRecord> {
    const instance = await this.instance();
    if (!instance) throw new LanyardError('not_initialized', 'Lanyard is not initialized; run: lanyard operator init');
    return instance;
  }

  async initialize(options: { rootToken?: string } = {}): Promise<{ rootToken: string; instance: InstanceRecord }> {
    const mounts = Object.fromEntries(
      (Object.keys(MOUNTS) as AuthMountType[]).map((type) => [
        type,
        { type, ...MOUNTS[type], accessor: `auth_${type.replace('-', '_')}_${randomBase62(8).toLowerCase()}` },
      ]),
    ) as Record<AuthMountType, MountEntry>;
    const instance: InstanceRecord = { organization_id: uuid(), initialized_at: new Date().toISOString(), mounts };
    try {
      await this.#storage.create('system', INSTANCE, instance);
    } catch (err) {
      if (err instanceof AlreadyExistsError) throw new LanyardError('already_initialized', 'Lanyard is already initialized');
      throw err;
    }
    this.#instance = instance;
    const issued = await this.#tokens.create({
      policies: ['root'],
      path: 'auth/token/root',
      displayName: 'root',
      neverExpires: true,
      ...(options.rootToken ? { value: options.rootToken } : {}),
    });
    return { rootToken: issued.token, instance };
  }
}
