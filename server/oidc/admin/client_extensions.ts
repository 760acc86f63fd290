/**
 * The client fields Lanyard adds to Vault's client (identity/oidc/client/:name):
 *
 * - `grant_types` (comma list or array; default `authorization_code,refresh_token`): which grants
 *   the client may use (server/oidc/grant_types.ts);
 * - `access_token_format` (`opaque`, default, or `jwt`): the format of the client-credentials
 *   access tokens it receives;
 * - `backchannel_logout_uri` / `backchannel_logout_session_required`: OIDC Back-Channel Logout 1.0.
 *   The URI is checked against the outbound policy (plain http and internal addresses only where
 *   the server allows them) when it is saved, and again on every delivery.
 *
 * Each field keeps its stored value when a write leaves it out, like Vault's own fields.
 */
import { invalidRequest } from '../../errors.js';
import type { Services } from '../../services.js';
import { checkOutboundUrl } from '../../http/outbound_url_check.js';
import { LanyardError } from '../../errors.js';
import { goQuote } from '../claims.js';
import { DEFAULT_GRANT_TYPES, clientGrantTypes, validateGrantTypes } from '../grant_types.js';
import type { AccessTokenFormat, ClientRecord, ClientType } from '../types.js';
import { removeDuplicates } from './string_list.js';

export interface ClientExtensionInput {
  readonly grant_types?: string[];
  readonly access_token_format?: string;
  readonly backchannel_logout_uri?: string;
  readonly backchannel_logout_session_required?: boolean;
}

type Extensions = Pick<ClientRecord, 'grant_types' | 'access_token_format' | 'backchannel_logout_uri' | 'backchannel_logout_session_required'>;

const FORMATS: readonly AccessTokenFormat[] = ['opaque', 'jwt'];

export async function clientExtensions(
  services: Pick<Services, 'config'>,
  input: ClientExtensionInput,
  stored: ClientRecord | undefined,
  clientType: ClientType,
): Promise<Extensions> {
  const requested = input.grant_types === undefined ? (stored?.grant_types ?? DEFAULT_GRANT_TYPES) : removeDuplicates(input.grant_types, false);
  const grantTypes = validateGrantTypes(requested, clientType);

  const format = input.access_token_format ?? stored?.access_token_format ?? 'opaque';
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw invalidRequest(`invalid access_token_format ${goQuote(format)}: must be opaque or jwt`);
  }

  const logoutUri = (input.backchannel_logout_uri ?? stored?.backchannel_logout_uri ?? '').trim();
  if (logoutUri !== '') await checkBackchannelUri(services, logoutUri);
  const sessionRequired = input.backchannel_logout_session_required ?? stored?.backchannel_logout_session_required ?? false;

  return {
    grant_types: grantTypes,
    access_token_format: format as AccessTokenFormat,
    ...(logoutUri !== '' ? { backchannel_logout_uri: logoutUri } : {}),
    backchannel_logout_session_required: sessionRequired,
  };
}

/** What read and list show of the extension fields. */
export function clientExtensionView(client: ClientRecord): Record<string, unknown> {
  return {
    grant_types: [...clientGrantTypes(client)],
    access_token_format: client.access_token_format ?? 'opaque',
    backchannel_logout_uri: client.backchannel_logout_uri ?? '',
    backchannel_logout_session_required: client.backchannel_logout_session_required ?? false,
  };
}

/** Back-Channel Logout 1.0 §2.2: an absolute http(s) URL without a fragment, that the server may reach. */
async function checkBackchannelUri(services: Pick<Services, 'config'>, uri: string): Promise<void> {
  const bad = (why: string) => invalidRequest(`invalid backchannel_logout_uri ${goQuote(uri)}: ${why}`);
  if (!URL.canParse(uri)) throw bad('must be an absolute URL');
  const url = new URL(uri);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw bad('must be an http(s) URL');
  if (url.hash !== '' || uri.includes('#')) throw bad('must not have a fragment');
  try {
    await checkOutboundUrl(uri, { allowHttpOutbound: services.config.allowHttpOutbound, allowPrivateNetwork: services.config.allowPrivateNetwork });
  } catch (err) {
    if (err instanceof LanyardError) throw bad(err.message);
    throw err;
  }
}
