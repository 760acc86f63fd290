/**
 * Clients, Vault's `identity/oidc/client/:name`: relying parties of the OIDC providers.
 *
 * The client_id (32 base62) and, for confidential clients, the secret are generated on create
 * and never change; `key` and `client_type` are immutable. Validation follows Vault's order:
 * assignments exist, key unchanged / given / exists, id_token_ttl within the key's
 * verification_ttl, client_type unchanged / valid. Beyond Vault, `post_logout_redirect_uris`
 * lists where RP-initiated logout may return to.
 */
import { clientIdTokenTtlError } from '../../../../keys/named_key_params.js';
import { invalidRequest } from '../../../errors.js';
import { definePath, type VaultPath } from '../../../http/vault_path.js';
import type { Services } from '../../../services.js';
import { randomBase62 } from '../../../util/random.js';
import { goQuote } from '../../claims.js';
import { materialiseKey, readStoredKey } from '../../key_store.js';
import type { ClientRecord, ClientType } from '../../types.js';
import { generateClientSecret, openClientSecret, sealClientSecret } from '../client_secret.js';
import { OIDC_KINDS, listRecords } from '../records.js';
import { clientAccessChanged, clientDeleted } from '../../revocation_triggers.js';
import { clientExtensionView, clientExtensions } from '../client_extensions.js';
import { removeDuplicates } from '../string_list.js';
import { withOidcWriteLock } from '../write_lock.js';

const DAY = 24 * 60 * 60;
const CLIENT_ID_LENGTH = 32;
const CLIENT_TYPES: readonly ClientType[] = ['confidential', 'public'];

const fields = {
  redirect_uris: { type: 'commaStringSlice' },
  post_logout_redirect_uris: { type: 'commaStringSlice' },
  assignments: { type: 'commaStringSlice' },
  key: { type: 'string', max: 1024 },
  id_token_ttl: { type: 'duration' },
  access_token_ttl: { type: 'duration' },
  client_type: { type: 'string', max: 64 },
  grant_types: { type: 'commaStringSlice' },
  access_token_format: { type: 'string', max: 16 },
  backchannel_logout_uri: { type: 'string', max: 2048 },
  backchannel_logout_session_required: { type: 'bool' },
} as const;

interface ClientWrite {
  readonly redirect_uris?: string[];
  readonly post_logout_redirect_uris?: string[];
  readonly assignments?: string[];
  readonly key?: string;
  readonly id_token_ttl?: number;
  readonly access_token_ttl?: number;
  readonly client_type?: string;
  readonly grant_types?: string[];
  readonly access_token_format?: string;
  readonly backchannel_logout_uri?: string;
  readonly backchannel_logout_session_required?: boolean;
}

const mountType = 'identity';

export function clientPaths(services: Services): VaultPath[] {
  const { storage } = services;
  const read = (name: string) => storage.get<ClientRecord>(OIDC_KINDS.client, name);

  const item = definePath({
    pattern: '/identity/oidc/client/:name',
    fields,
    mountType,
    existence: async (req) => (await read(req.params.name as string)) !== undefined,
    operations: {
      read: async (req) => {
        const client = await read(req.params.name as string);
        if (client === undefined) return undefined;
        const data: Record<string, unknown> = clientView(client);
        if (client.client_type === 'confidential') data.client_secret = openClientSecret(services, client);
        return { data };
      },
      create: (req) => writeClient(services, req.params.name as string, req.data),
      update: (req) => writeClient(services, req.params.name as string, req.data),
      delete: async (req) => {
        const removed = await read(req.params.name as string);
        await withOidcWriteLock(storage, () => storage.delete(OIDC_KINDS.client, req.params.name as string));
        if (removed !== undefined) await clientDeleted(services, removed.client_id);
      },
    },
  });

  const list = definePath({
    pattern: '/identity/oidc/client',
    mountType,
    operations: {
      list: async () => {
        const clients = await listRecords<ClientRecord>(storage, OIDC_KINDS.client);
        return {
          data: {
            keys: clients.map((client) => client.name),
            key_info: Object.fromEntries(clients.map((client) => [client.name, clientView(client)])),
          },
        };
      },
    },
  });

  return [list, item];
}

/** What read and list show of a client (the secret is added by read only). */
function clientView(client: ClientRecord): Record<string, unknown> {
  return {
    redirect_uris: [...client.redirect_uris],
    assignments: [...client.assignments],
    key: client.key,
    id_token_ttl: client.id_token_ttl,
    access_token_ttl: client.access_token_ttl,
    client_id: client.client_id,
    client_type: client.client_type,
    post_logout_redirect_uris: [...client.post_logout_redirect_uris],
    ...clientExtensionView(client),
  };
}

function writeClient(services: Services, name: string, input: ClientWrite): Promise<void> {
  const { storage } = services;
  return withOidcWriteLock(storage, async () => {
    const stored = await storage.get<ClientRecord>(OIDC_KINDS.client, name);
    const creating = stored === undefined;

    const redirectUris = removeDuplicates(input.redirect_uris ?? stored?.redirect_uris ?? [], false);
    const postLogoutRedirectUris = removeDuplicates(input.post_logout_redirect_uris ?? stored?.post_logout_redirect_uris ?? [], false);
    const badLogoutUri = postLogoutRedirectUris.find((uri) => !isLogoutRedirect(uri));
    if (badLogoutUri !== undefined) {
      throw invalidRequest(`invalid post_logout_redirect_uri ${goQuote(badLogoutUri)}: must be an absolute URL without a fragment`);
    }

    const assignments = removeDuplicates(input.assignments ?? stored?.assignments ?? [], false);
    for (const assignment of assignments) {
      if ((await storage.get(OIDC_KINDS.assignment, assignment)) === undefined) {
        throw invalidRequest(`assignment ${goQuote(assignment)} does not exist`);
      }
    }

    if (!creating && input.key !== undefined && input.key !== stored.key) throw invalidRequest('key modification is not allowed');
    const keyName = input.key ?? stored?.key ?? 'default';
    if (keyName === '') throw invalidRequest('the key parameter is required');
    const key = await readStoredKey(services, keyName);
    if (key === undefined) throw invalidRequest(`key ${goQuote(keyName)} does not exist`);

    const idTokenTtl = input.id_token_ttl ?? stored?.id_token_ttl ?? DAY;
    const ttlError = clientIdTokenTtlError(idTokenTtl, key.verification_ttl);
    if (ttlError !== undefined) throw invalidRequest(ttlError);
    const accessTokenTtl = input.access_token_ttl ?? stored?.access_token_ttl ?? DAY;

    if (!creating && input.client_type !== undefined && input.client_type !== stored.client_type) {
      throw invalidRequest('client_type modification is not allowed');
    }
    const clientType = input.client_type ?? stored?.client_type ?? 'confidential';
    if (!isClientType(clientType)) throw invalidRequest(`invalid client_type ${goQuote(clientType)}`);

    const clientSecret =
      stored?.client_secret || (clientType === 'confidential' ? sealClientSecret(services, name, generateClientSecret()) : '');
    const client: ClientRecord = {
      name,
      key: keyName,
      redirect_uris: redirectUris,
      assignments,
      client_type: clientType,
      id_token_ttl: idTokenTtl,
      access_token_ttl: accessTokenTtl,
      client_id: stored?.client_id ?? randomBase62(CLIENT_ID_LENGTH),
      client_secret: clientSecret,
      post_logout_redirect_uris: postLogoutRedirectUris,
      ...(await clientExtensions(services, input, stored, clientType)),
    };
    await storage.put(OIDC_KINDS.client, name, client);
    // Vault makes the built-in default key's key pairs when a client first refers to it.
    if (key.current === null || key.next === null) await materialiseKey(services, keyName);
  }).then(async () => {
    // Entities the client's new assignments no longer admit lose their grants at once.
    const written = await storage.get<ClientRecord>(OIDC_KINDS.client, name);
    if (written !== undefined) await clientAccessChanged(services, written.client_id);
  });
}

function isClientType(value: string): value is ClientType {
  return (CLIENT_TYPES as readonly string[]).includes(value);
}

/**
 * Vault checks nothing on redirect_uris, and this extension keeps that for them; a logout
 * redirect is followed without a client authenticating, so it at least has to be a real URL that
 * cannot run script.
 */
function isLogoutRedirect(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return url.hash === '' && !value.includes('#') && !['javascript:', 'data:', 'vbscript:'].includes(url.protocol);
}
