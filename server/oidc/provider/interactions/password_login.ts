/**
 * Checking a username and password typed into the sign-in page: the userpass method's own check
 * (server/userpass/credentials.ts), with the same brute-force limiter as the login API, so a
 * password guesser gains nothing by switching between the page and the API.
 *
 * Failures are LanyardErrors as the userpass login raises them: invalid_request for wrong
 * credentials, rate_limited (with Retry-After) when locked out, permission_denied when the user
 * may not sign in from here or their entity is disabled.
 */
import type { EntityRecord } from '../../../identity/types.js';
import type { Services } from '../../../services.js';
import { userpassCredentials } from '../../../userpass/credentials.js';

export type PasswordLogin = (username: string, password: string, clientIp: string) => Promise<EntityRecord>;

export function passwordLogin(services: Pick<Services, 'storage' | 'tokens' | 'init' | 'now'>): PasswordLogin {
  const credentials = userpassCredentials(services);
  return async (username, password, clientIp) => (await credentials.signIn(username, password, clientIp)).entity;
}
