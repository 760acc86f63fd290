/** Every userpass path: user management and login. */
import type { VaultPath } from '../../http/vault_path.js';
import type { Services } from '../../services.js';
import { userpassCredentials } from '../credentials.js';
import { loginPaths } from './login.js';
import { userPaths } from './users.js';

export function userpassPaths(services: Services): VaultPath[] {
  const credentials = userpassCredentials(services);
  return [...userPaths(credentials.users), ...loginPaths(services, credentials)];
}
