/**
 * The Lanyard tokens a machine login issues, and the figures Infisical's login and renew answers
 * report about one. A machine token is an ordinary Lanyard token (so the admin API, identity
 * tokens and `auth/token/*` accept it) bound to the identity's entity, issued on
 * `auth/oidc-auth/login`; TTL, max TTL, use limit and trusted IPs are the token's own TTL,
 * explicit max TTL, `num_uses` and bound CIDRs, enforced on every use.
 */
import type { Services } from '../services.js';
import type { TokenRecord } from '../tokens/token_service.js';

/** The `path` of every token a machine login issues. */
export const MACHINE_LOGIN_PATH = 'auth/oidc-auth/login';

/** Infisical's login and renew answer. */
export interface AccessTokenGrant {
  readonly accessToken: string;
  /** Seconds the token has left, as it really is (capped by max TTL and the server maximum). */
  readonly expiresIn: number;
  /** The token's whole-life limit in seconds: its max TTL, or the server maximum when it has none. */
  readonly accessTokenMaxTTL: number;
  readonly tokenType: 'Bearer';
}

export function isMachineToken(record: TokenRecord): boolean {
  return record.path === MACHINE_LOGIN_PATH && record.entity_id !== '';
}

export function accessTokenGrant(services: Pick<Services, 'config' | 'now'>, token: string, record: TokenRecord): AccessTokenGrant {
  const serverMax = services.config.maxTokenTtl;
  return {
    accessToken: token,
    expiresIn: Math.max(0, Math.round((record.expire_at - services.now()) / 1000)),
    accessTokenMaxTTL: record.explicit_max_ttl > 0 ? Math.min(record.explicit_max_ttl, serverMax) : serverMax,
    tokenType: 'Bearer',
  };
}
