/**
 * Makes JWT client-credentials access tokens introspectable and revocable.
 *
 * node-oidc-provider stores only opaque tokens; a JWT access token is signed and handed out with
 * no record, so introspection and revocation cannot find it. After the token endpoint issued one
 * (jwtTokenRecorder, a middleware on the provider), its payload is stored like an opaque token's,
 * under its `jti`, together with a SHA-256 of the exact JWT. The ClientCredentials adapter
 * (JwtAwareAdapter) then finds a presented JWT by its `jti` and accepts it only when the whole
 * value hashes to what was stored: a JWT cannot be altered or forged into someone else's record,
 * and the bare `jti` is never accepted as a token on its own. Revoking deletes the record, so
 * introspection says inactive at once (a resource server that verifies the JWT offline still
 * accepts it until it expires: keep access_token_ttl short for JWT clients).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Adapter, AdapterPayload, KoaContextWithOIDC } from 'oidc-provider';
import { STRUCTURED_TOKEN_PREFIX } from './structured_token_param.js';

/** The stored field holding the JWT's hash (never part of what the library sees). */
const VALUE_HASH = 'lanyardJwtSha256';

function sha256(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('base64url');
}

/** The claims of a compact JWS, read without verifying it (the hash check below is the proof). */
function claimsOf(value: string): Record<string, unknown> | undefined {
  const parts = value.split('.');
  if (parts.length !== 3 || value.length > 16_384) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8')) as unknown;
    return typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? (payload as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The JWT in a presented value: bare (token endpoint checks) or prefixed (structured_token_param.ts). */
function jwtIn(value: string): string | undefined {
  const jwt = value.startsWith(STRUCTURED_TOKEN_PREFIX) ? value.slice(STRUCTURED_TOKEN_PREFIX.length) : value;
  return claimsOf(jwt) === undefined ? undefined : jwt;
}

function jtiOf(value: string): string | undefined {
  const jti = claimsOf(value)?.jti;
  return typeof jti === 'string' && jti.length > 0 && jti.length <= 128 ? jti : undefined;
}

export class JwtAwareAdapter implements Adapter {
  readonly #inner: Adapter;

  constructor(inner: Adapter) {
    this.#inner = inner;
  }

  upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    return this.#inner.upsert(id, payload, expiresIn);
  }

  async find(value: string): Promise<AdapterPayload | undefined> {
    const jwt = jwtIn(value);
    if (jwt === undefined) {
      // An opaque value: never the record of a JWT (its jti is no token on its own).
      const stored = await this.#inner.find(value);
      return stored === undefined || VALUE_HASH in stored ? undefined : stored;
    }
    const jti = jtiOf(jwt);
    const stored = jti === undefined ? undefined : await this.#inner.find(jti);
    const expected = stored?.[VALUE_HASH];
    if (stored === undefined || typeof expected !== 'string') return undefined;
    const given = Buffer.from(sha256(jwt));
    if (given.length !== Buffer.byteLength(expected) || !timingSafeEqual(given, Buffer.from(expected))) return undefined;
    const { [VALUE_HASH]: _hash, ...payload } = stored;
    return payload;
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined | void> {
    return this.#inner.findByUserCode(userCode);
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined | void> {
    return this.#inner.findByUid(uid);
  }

  consume(id: string): Promise<void | undefined> {
    return this.#inner.consume(id);
  }

  destroy(id: string): Promise<void | undefined> {
    const jwt = jwtIn(id);
    return this.#inner.destroy((jwt === undefined ? undefined : jtiOf(jwt)) ?? id);
  }

  revokeByGrantId(grantId: string): Promise<void | undefined> {
    return this.#inner.revokeByGrantId(grantId);
  }
}

interface IssuedToken {
  readonly jti: string;
  readonly format?: string;
  readonly kind: string;
  readonly clientId?: string;
  readonly extra?: unknown;
  readonly adapter: Adapter;
}

/** After a token response: record the JWT client-credentials token it carried. */
export function jwtTokenRecorder() {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
    await next();
    if (ctx.oidc?.route !== 'token' || ctx.status !== 200) return;
    const token = ctx.oidc.entities.ClientCredentials as IssuedToken | undefined;
    const value = (ctx.body as { access_token?: unknown } | undefined)?.access_token;
    if (token === undefined || token.format !== 'jwt' || typeof value !== 'string') return;
    // The JWT was signed a moment ago by this request: its own claims are the record's.
    const claims = claimsOf(value);
    if (claims === undefined || claims.jti !== token.jti || typeof claims.exp !== 'number' || typeof claims.iat !== 'number') return;
    const payload: Record<string, unknown> = {
      jti: token.jti,
      kind: token.kind,
      clientId: token.clientId,
      iat: claims.iat,
      exp: claims.exp,
      ...(typeof claims.scope === 'string' ? { scope: claims.scope } : {}),
      ...(claims.aud !== undefined ? { aud: claims.aud } : {}),
      ...(token.extra !== undefined ? { extra: token.extra } : {}),
      [VALUE_HASH]: sha256(value),
    };
    await token.adapter.upsert(token.jti, payload, Math.max(1, claims.exp - claims.iat));
  };
}
