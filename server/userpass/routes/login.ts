/**
 * `POST /v1/auth/userpass/login/:username {password}` (no token needed): Vault's userpass login.
 * Success answers Vault's `auth` block with a token bound to the user's entity, which the first
 * login creates with an alias (userpass mount accessor, username).
 *
 * What a failure reveals is kept to nothing (see ../credentials.ts): an unknown user and a wrong
 * password cost the same and answer the same 400; failures are limited per username and per
 * client network (429 with Retry-After). A login that MFA login enforcements cover answers
 * `auth.mfa_requirement` and no token (server/mfa/login_gate.ts).
 */
import { definePath, lowerCased, type VaultPath } from '../../http/vault_path.js';
import { passSecondFactorGate } from '../../auth/login_steps.js';
import type { Services } from '../../services.js';
import type { UserpassCredentials } from '../credentials.js';
import { issueUserpassToken } from '../login_token.js';

export function loginPaths(services: Services, credentials: UserpassCredentials): VaultPath[] {
  const login = definePath({
    pattern: '/auth/userpass/login/:username',
    canonicalParams: { username: lowerCased },
    fields: { password: { type: 'string', max: 8192 } },
    unauthenticated: ['update', 'create'],
    mountType: 'userpass',
    operations: {
      update: async (req) => {
        const { user, entity } = await credentials.signIn(req.params.username as string, req.data.password ?? '', req.clientIp);
        const gated = await passSecondFactorGate(services, { entityId: entity.id, mountType: 'userpass', completion: { type: 'userpass', username: user.username }, clientIp: req.clientIp });
        if (gated) return gated;
        return { auth: await issueUserpassToken(services, user, entity) };
      },
    },
  });
  return [login];
}
