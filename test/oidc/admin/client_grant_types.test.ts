/** Client fields beyond Vault: grant_types, access_token_format, back-channel logout. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startOidcServer, vaultError, type OidcTestServer } from './fixtures.js';

let t: OidcTestServer;
beforeAll(async () => {
  t = await startOidcServer();
});
afterAll(async () => t.server.destroy());

const RU = 'https://app.example.com/cb';
const DEVICE = 'urn:ietf:params:oauth:grant-type:device_code';

const readClient = async (name: string) => (await t.call('GET', `identity/oidc/client/${name}`)).body.data;

describe('client grant_types', () => {
  it('takes a comma list or an array, stores it in a fixed order, and keeps it when a write leaves it out', async () => {
    expect((await t.call('POST', 'identity/oidc/client/g1', { redirect_uris: RU, grant_types: `${DEVICE}, refresh_token,authorization_code,refresh_token` })).status).toBe(204);
    expect((await readClient('g1')).grant_types).toEqual(['authorization_code', 'refresh_token', DEVICE]);
    expect((await t.call('POST', 'identity/oidc/client/g1', { id_token_ttl: '1h' })).status).toBe(204);
    expect((await readClient('g1')).grant_types).toEqual(['authorization_code', 'refresh_token', DEVICE]);
    expect((await t.call('POST', 'identity/oidc/client/g1', { grant_types: ['client_credentials'] })).status).toBe(204);
    expect((await readClient('g1')).grant_types).toEqual(['client_credentials']);
  });

  it('refuses unknown grants, an empty list, client_credentials for a public client and refresh without a user grant', async () => {
    expect(await t.call('POST', 'identity/oidc/client/g2', { grant_types: 'implicit' })).toMatchObject(
      vaultError(`invalid grant_type "implicit": supported are authorization_code, refresh_token, ${DEVICE}, client_credentials`),
    );
    expect(await t.call('POST', 'identity/oidc/client/g2', { grant_types: [] })).toMatchObject(vaultError('grant_types must name at least one grant type'));
    expect(await t.call('POST', 'identity/oidc/client/g2', { client_type: 'public', grant_types: 'client_credentials' })).toMatchObject(
      vaultError('the client_credentials grant type requires a confidential client'),
    );
    expect(await t.call('POST', 'identity/oidc/client/g2', { grant_types: 'refresh_token,client_credentials' })).toMatchObject(
      vaultError('the refresh_token grant type needs authorization_code or the device_code grant type'),
    );
    expect((await t.call('GET', 'identity/oidc/client/g2')).status).toBe(404);
  });

  it('lets a public client use the device grant', async () => {
    expect((await t.call('POST', 'identity/oidc/client/g3', { client_type: 'public', grant_types: [DEVICE, 'refresh_token'] })).status).toBe(204);
    expect(await readClient('g3')).toMatchObject({ client_type: 'public', grant_types: ['refresh_token', DEVICE] });
  });
});

describe('client access_token_format and back-channel logout fields', () => {
  it('accepts opaque or jwt only', async () => {
    expect((await t.call('POST', 'identity/oidc/client/f1', { access_token_format: 'jwt' })).status).toBe(204);
    expect((await readClient('f1')).access_token_format).toBe('jwt');
    expect(await t.call('POST', 'identity/oidc/client/f1', { access_token_format: 'paseto' })).toMatchObject(vaultError('invalid access_token_format "paseto": must be opaque or jwt'));
    expect((await readClient('f1')).access_token_format).toBe('jwt');
  });

  it('takes an absolute http(s) back-channel logout URI without a fragment', async () => {
    expect((await t.call('POST', 'identity/oidc/client/b1', { backchannel_logout_uri: 'http://127.0.0.1:9/logout', backchannel_logout_session_required: true })).status).toBe(204);
    expect(await readClient('b1')).toMatchObject({ backchannel_logout_uri: 'http://127.0.0.1:9/logout', backchannel_logout_session_required: true });
    expect(await t.call('POST', 'identity/oidc/client/b1', { backchannel_logout_uri: 'https://rp.example.com/logout#x' })).toMatchObject(
      vaultError('invalid backchannel_logout_uri "https://rp.example.com/logout#x": must not have a fragment'),
    );
    expect(await t.call('POST', 'identity/oidc/client/b1', { backchannel_logout_uri: 'ftp://rp.example.com/logout' })).toMatchObject(
      vaultError('invalid backchannel_logout_uri "ftp://rp.example.com/logout": must be an http(s) URL'),
    );
    expect((await readClient('b1')).backchannel_logout_uri).toBe('http://127.0.0.1:9/logout');
  });
});

describe('back-channel logout URIs under the outbound policy', () => {
  let strict: OidcTestServer;
  beforeAll(async () => {
    strict = await startOidcServer({ settings: { 'allow-private-network': false, 'allow-http-outbound': false } });
  });
  afterAll(async () => strict.server.destroy());

  it('refuses plain http and internal addresses unless the server allows them', async () => {
    const http = await strict.call('POST', 'identity/oidc/client/b2', { backchannel_logout_uri: 'http://rp.example.com/logout' });
    expect(http.status).toBe(400);
    expect(http.body.errors[0]).toMatch(/^invalid backchannel_logout_uri "http:\/\/rp\.example\.com\/logout": Plain http/);
    const internal = await strict.call('POST', 'identity/oidc/client/b2', { backchannel_logout_uri: 'https://169.254.169.254/logout' });
    expect(internal.status).toBe(400);
    expect(internal.body.errors[0]).toContain('Local IPs not allowed');
    expect((await strict.call('GET', 'identity/oidc/client/b2')).status).toBe(404);
  });
});
