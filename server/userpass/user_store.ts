/**
 * Userpass users (state kind `userpass_user`, id = lowercased username). The record holds the
 * password hash and the token parameters of Vault's tokenutil; nothing here ever leaves the server
 * except through `userData`, which omits the hash.
 */
import { NotFoundError } from '../../storage/errors.js';
import type { Storage } from '../../storage/types.js';

export interface UserpassUser {
  readonly username: string;
  /** PHC-format scrypt hash (password_hash.ts). */
  readonly password_hash: string;
  readonly token_policies: readonly string[];
  /** Seconds; 0 = the server default. */
  readonly token_ttl: number;
  readonly token_max_ttl: number;
  readonly token_explicit_max_ttl: number;
  readonly token_num_uses: number;
  readonly token_bound_cidrs: readonly string[];
  readonly token_no_default_policy: boolean;
}

const KIND = 'userpass_user';

export class UserStore {
  readonly #storage: Storage;

  constructor(storage: Storage) {
    this.#storage = storage;
  }

  get(username: string): Promise<UserpassUser | undefined> {
    return this.#storage.get<UserpassUser>(KIND, username);
  }

  put(user: UserpassUser): Promise<void> {
    return this.#storage.put(KIND, user.username, user);
  }

  /** Atomic change of a stored user; undefined when it does not exist. */
  async update(username: string, change: (user: UserpassUser) => UserpassUser): Promise<UserpassUser | undefined> {
    try {
      return await this.#storage.update<UserpassUser>(KIND, username, change);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  delete(username: string): Promise<boolean> {
    return this.#storage.delete(KIND, username);
  }

  async usernames(): Promise<string[]> {
    return (await this.#storage.list<UserpassUser>(KIND)).map((e) => e.id);
  }
}

/** Vault's read of a user: the token parameters, plus the legacy aliases when they apply. */
export function userData(user: UserpassUser) {
  return {
    ...(user.token_bound_cidrs.length > 0 ? { bound_cidrs: user.token_bound_cidrs } : {}),
    ...(user.token_max_ttl > 0 ? { max_ttl: user.token_max_ttl } : {}),
    ...(user.token_policies.length > 0 ? { policies: user.token_policies } : {}),
    token_bound_cidrs: user.token_bound_cidrs,
    token_explicit_max_ttl: user.token_explicit_max_ttl,
    token_max_ttl: user.token_max_ttl,
    token_no_default_policy: user.token_no_default_policy,
    token_num_uses: user.token_num_uses,
    token_period: 0,
    token_policies: user.token_policies,
    token_ttl: user.token_ttl,
    token_type: 'default',
    ...(user.token_ttl > 0 ? { ttl: user.token_ttl } : {}),
  };
}
