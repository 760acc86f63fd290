/** Every userpass path: user management and login. */
import type { VaultPath } from '../../http/vault_path.js';
import { installLoginCompletion } from '../../auth/login_steps.js';
import { permissionDenied } from '../../errors.js';
import type { Services } from '../../services.js';
import { issueUserpassToken } from '../login_token.js';
import { UserStore } from '../user_store.js';
import { userpassCredentials } from '../credentials.js';
import { loginPaths } from './login.js';
import { userPaths } from './users.js';

export function userpassPaths(services: Services): VaultPath[] {
  const credentials = userpassCredentials(services);
  // A userpass login paused for its second factor ends in a userpass token (sys/mfa/validate).
  installLoginCompletion(services, 'userpass', async ({ username }, entity) => {
    const user = await new UserStore(services.storage).get(username);
    if (!user) throw permissionDenied(`userpass user ${username} was deleted during MFA`);
    return issueUserpassToken(services, user, entity, 'totp');
  });
  return [...userPaths(credentials.users), ...loginPaths(services, credentials)];
}
