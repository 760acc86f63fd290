/** Every userpass path: user management and login. */
import type { VaultPath } from '../http/vault_path.js';
import type { Services } from '../services.js';
import { userpassCredentials } from './credentials.js';
import { loginPaths } from './login_route.js';
import { userPaths } from './user_routes.js';

export function userpassPaths(services: Services): VaultPath[] {
  const credentials = userpassCredentials(services);
  return [...userPaths(credentials.users), ...loginPaths(services, credentials)];
}
