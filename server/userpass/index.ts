/** Every userpass path: user management and login. */
import type { VaultPath } from '../http/vault_path.js';
import { identityStore } from '../identity/identity_store.js';
import type { Services } from '../services.js';
import { loginPaths } from './login_route.js';
import { userPaths } from './user_routes.js';
import { UserStore } from './user_store.js';

export function userpassPaths(services: Services): VaultPath[] {
  const users = new UserStore(services.storage);
  return [...userPaths(users), ...loginPaths(services, identityStore(services), users)];
}
