/**
 * Vault's `POST identity/oidc/introspect {token, client_id?}`: whether an identity token is
 * currently valid. Always a raw 200, `{"active":true}` or `{"active":false,"error":"…"}`.
 *
 * Checks, in Vault's order: the token parses as a compact JWS; its signature verifies with a key
 * of the identity-token JWKS (so provider ID tokens are never active); its claims parse; issuer,
 * audience (when client_id is given), nbf, exp and iat hold with no leeway; its subject is an
 * existing, enabled entity. Claim errors carry go-jose's texts, which Vault passes through.
 */
import { compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { definePath, type VaultPath } from '../../../http/vault_path.js';
import type { EntityRecord } from '../../../identity/types.js';
import type { Services } from '../../../services.js';
import { identityTokenJwks } from '../identity_jwks.js';
import { identityTokenIssuer, readOidcConfig } from '../issuer.js';

const fields = {
  token: { type: 'string' },
  client_id: { type: 'string', max: 1024 },
} as const;

type Introspection = { active: true } | { active: false; error: string };

export function introspectPaths(services: Services): VaultPath[] {
  const introspect = definePath({
    pattern: '/identity/oidc/introspect',
    fields,
    mountType: 'identity',
    operations: {
      update: async (req) => ({
        raw: true,
        status: 200,
        body: await introspectIdentityToken(services, req.data.token ?? '', req.data.client_id ?? ''),
      }),
    },
  });
  return [introspect];
}

const JWT_ERRORS = {
  issuer: 'go-jose/go-jose/jwt: validation failed, invalid issuer claim (iss)',
  audience: 'go-jose/go-jose/jwt: validation failed, invalid audience claim (aud)',
  notYetValid: 'go-jose/go-jose/jwt: validation failed, token not valid yet (nbf)',
  expired: 'go-jose/go-jose/jwt: validation failed, token is expired (exp)',
  // Sic: go-jose's own wording.
  issuedInFuture: 'go-jose/go-jose/jwt: validation field, token issued in the future (iat)',
} as const;

export async function introspectIdentityToken(services: Services, token: string, clientId: string): Promise<Introspection> {
  const inactive = (error: string): Introspection => ({ active: false, error });

  const parts = token.split('.');
  if (parts.length !== 3) return inactive('error parsing token: go-jose/go-jose: compact JWS format must have three parts');
  let header: { alg?: string; kid?: string };
  try {
    header = decodeProtectedHeader(token);
  } catch (err) {
    return inactive(`error parsing token: ${(err as Error).message}`);
  }

  const { keys } = await identityTokenJwks(services);
  if (!(await verifiesWithAny(token, header, keys))) return inactive('unable to validate the token signature');

  const claims = parseClaims(parts[1] as string);
  if (typeof claims === 'string') return inactive(`error parsing token: ${claims}`);

  const issuer = identityTokenIssuer(services.config.apiAddr, await readOidcConfig(services.storage));
  const claimsError = validateClaims(claims, { issuer, clientId, now: services.now() });
  if (claimsError !== undefined) return inactive(`error validating claims: ${claimsError}`);

  const entity = claims.sub === undefined ? undefined : await services.storage.get<EntityRecord>('entity', claims.sub);
  if (entity === undefined) return inactive('entity was not found');
  if (entity.disabled) return inactive('entity is disabled');
  return { active: true };
}

/** Each key only verifies its own algorithm: the header cannot pick a weaker one. */
async function verifiesWithAny(token: string, header: { alg?: string; kid?: string }, keys: readonly JWK[]): Promise<boolean> {
  for (const jwk of keys) {
    if (jwk.alg === undefined || jwk.alg !== header.alg) continue;
    if (header.kid !== undefined && jwk.kid !== header.kid) continue;
    try {
      await compactVerify(token, await importJWK(jwk, jwk.alg), { algorithms: [jwk.alg] });
      return true;
    } catch {
      // Not this key; try the next.
    }
  }
  return false;
}

interface RegisteredClaims {
  readonly iss?: string;
  readonly sub?: string;
  readonly aud?: readonly string[];
  readonly exp?: number;
  readonly nbf?: number;
  readonly iat?: number;
}

/** The registered claims with the types go-jose's jwt.Claims requires, or why they do not fit. */
function parseClaims(encodedPayload: string): RegisteredClaims | string {
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(encodedPayload, 'base64url').toString('utf8'));
  } catch (err) {
    return (err as Error).message;
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return 'token payload is not a JSON object';
  const raw = payload as Record<string, unknown>;
  for (const name of ['iss', 'sub'] as const) {
    if (raw[name] !== undefined && typeof raw[name] !== 'string') return `claim "${name}" must be a string`;
  }
  for (const name of ['exp', 'nbf', 'iat'] as const) {
    if (raw[name] !== undefined && (typeof raw[name] !== 'number' || !Number.isFinite(raw[name]))) {
      return 'go-jose/go-jose/jwt: expected number value to unmarshal NumericDate';
    }
  }
  let aud: string[] | undefined;
  if (typeof raw.aud === 'string') aud = [raw.aud];
  else if (Array.isArray(raw.aud) && raw.aud.every((item) => typeof item === 'string')) aud = raw.aud;
  else if (raw.aud !== undefined) return 'claim "aud" must be a string or a list of strings';
  return {
    ...(typeof raw.iss === 'string' ? { iss: raw.iss } : {}),
    ...(typeof raw.sub === 'string' ? { sub: raw.sub } : {}),
    ...(aud !== undefined ? { aud } : {}),
    ...(typeof raw.exp === 'number' ? { exp: raw.exp } : {}),
    ...(typeof raw.nbf === 'number' ? { nbf: raw.nbf } : {}),
    ...(typeof raw.iat === 'number' ? { iat: raw.iat } : {}),
  };
}

/** go-jose's ValidateWithLeeway(expected, 0), in its order. Times are whole seconds. */
function validateClaims(claims: RegisteredClaims, expected: { issuer: string; clientId: string; now: number }): string | undefined {
  if (claims.iss !== expected.issuer) return JWT_ERRORS.issuer;
  if (expected.clientId !== '') {
    const aud = claims.aud ?? [];
    if (aud.length !== 1 || aud[0] !== expected.clientId) return JWT_ERRORS.audience;
  }
  const seconds = (value: number): number => Math.trunc(value) * 1000;
  if (claims.nbf !== undefined && expected.now < seconds(claims.nbf)) return JWT_ERRORS.notYetValid;
  if (claims.exp !== undefined && expected.now > seconds(claims.exp)) return JWT_ERRORS.expired;
  if (claims.iat !== undefined && expected.now < seconds(claims.iat)) return JWT_ERRORS.issuedInFuture;
  return undefined;
}
