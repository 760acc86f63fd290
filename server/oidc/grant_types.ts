/**
 * The OAuth grant types a client may use (client field `grant_types`, beyond Vault). The default
 * keeps every existing client where it was: the code flow with refresh tokens. Adding
 * `urn:ietf:params:oauth:grant-type:device_code` enables the device authorization grant (RFC 8628)
 * and `client_credentials` enables tokens for the client itself; the latter needs a client secret,
 * so public clients cannot have it.
 */
import { invalidRequest } from '../errors.js';
import { goQuote } from './claims.js';
import type { ClientType } from './types.js';

export const AUTHORIZATION_CODE = 'authorization_code';
export const REFRESH_TOKEN = 'refresh_token';
export const CLIENT_CREDENTIALS = 'client_credentials';
export const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';

/** Every grant a provider supports, in the order discovery lists them. */
export const SUPPORTED_GRANT_TYPES = [AUTHORIZATION_CODE, REFRESH_TOKEN, DEVICE_CODE, CLIENT_CREDENTIALS] as const;
export type GrantType = (typeof SUPPORTED_GRANT_TYPES)[number];

export const DEFAULT_GRANT_TYPES: readonly GrantType[] = [AUTHORIZATION_CODE, REFRESH_TOKEN];

export function isGrantType(value: string): value is GrantType {
  return (SUPPORTED_GRANT_TYPES as readonly string[]).includes(value);
}

/** The grant types of a client record (records written before the field existed have the default). */
export function clientGrantTypes(record: { readonly grant_types?: readonly string[] }): readonly GrantType[] {
  return (record.grant_types ?? DEFAULT_GRANT_TYPES).filter(isGrantType);
}

/**
 * Checks a requested list (already trimmed and deduplicated) for a client of `clientType`:
 * every entry supported, not empty, client_credentials only with a secret. Returns it in the
 * supported order.
 */
export function validateGrantTypes(requested: readonly string[], clientType: ClientType): GrantType[] {
  const unknown = requested.find((grant) => !isGrantType(grant));
  if (unknown !== undefined) {
    throw invalidRequest(`invalid grant_type ${goQuote(unknown)}: supported are ${SUPPORTED_GRANT_TYPES.join(', ')}`);
  }
  if (requested.length === 0) throw invalidRequest('grant_types must name at least one grant type');
  if (clientType === 'public' && requested.includes(CLIENT_CREDENTIALS)) {
    throw invalidRequest('the client_credentials grant type requires a confidential client');
  }
  if (requested.includes(REFRESH_TOKEN) && !requested.includes(AUTHORIZATION_CODE) && !requested.includes(DEVICE_CODE)) {
    throw invalidRequest('the refresh_token grant type needs authorization_code or the device_code grant type');
  }
  return SUPPORTED_GRANT_TYPES.filter((grant) => requested.includes(grant));
}
