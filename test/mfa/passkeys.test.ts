/**
 * Passkeys over HTTP with a software authenticator that really signs: a P-256 key made here,
 * attestation `none` and assertions built by hand (authenticatorData with the RP id hash, flags
 * and counter; clientDataJSON with the server's challenge and origin; an ECDSA signature over
 * authenticatorData ‖ SHA-256(clientDataJSON)). Registration, discoverable sign-in, user
 * verification, a cloned authenticator caught by its counter, and removal.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { identityPaths } from '../../server/identity/routes/index.js';
import { mfaPaths } from '../../server/mfa/routes/index.js';
import { tokenProvesTwoFactors } from '../../server/mfa/passkeys.js';
import { userpassPaths } from '../../server/userpass/routes/index.js';
import { api, startTestServer, type TestServer } from '../support/server.js';
import { b64u, SoftAuthenticator, UP } from '../support/soft_authenticator.js';

const API_ADDR = 'https://id.example.test';
const RP_ID = 'id.example.test';
const PASSWORD = 'correct horse battery staple';

let server: TestServer;
let aliceToken: string;
let aliceEntity: string;
const authenticator = new SoftAuthenticator();
let passkeyId: string;

const call = (method: string, path: string, body?: unknown, token?: string | null) => api(server, method, `/v1/${path}`, body, token);

async function signInWith(device: SoftAuthenticator, options: { flags?: number; bump?: number; tamper?: boolean } = {}) {
  const begun = await call('POST', 'auth/passkey/login/begin', {}, null);
  expect(begun.status).toBe(200);
  const credential = device.get(begun.body.data.options, options);
  if (options.tamper) credential.response.signature = b64u(Buffer.from(credential.response.signature, 'base64url').map((b, i) => (i === 10 ? b ^ 1 : b)));
  return call('POST', 'auth/passkey/login/finish', { challenge_id: begun.body.data.challenge_id, credential }, null);
}

beforeAll(async () => {
  server = await startTestServer({ features: { vaultPaths: [identityPaths, userpassPaths, mfaPaths] }, settings: { 'api-addr': API_ADDR } });
  await call('PUT', 'sys/policies/acl/passkeys-self', {
    policy: 'path "identity/mfa/passkey/register/*" { capabilities = ["update"] }\npath "identity/mfa/passkey/self" { capabilities = ["list"] }\npath "identity/mfa/passkey/self/*" { capabilities = ["delete"] }',
  });
  await call('POST', 'auth/userpass/users/alice', { password: PASSWORD, token_policies: ['passkeys-self'] });
  const login = await call('POST', 'auth/userpass/login/alice', { password: PASSWORD }, null);
  aliceToken = login.body.auth.client_token;
  aliceEntity = login.body.auth.entity_id;
}, 120_000);
afterAll(async () => server.destroy());

describe('registration', () => {
  it('asks for a discoverable, user-verified credential for this server’s RP id', async () => {
    const begun = await call('POST', 'identity/mfa/passkey/register/begin', {}, aliceToken);
    expect(begun.status).toBe(200);
    const { options, challenge_id } = begun.body.data;
    expect(options.rp).toEqual({ name: 'Lanyard', id: RP_ID });
    expect(options.user.name).toBe('alice');
    expect(Buffer.from(options.user.id, 'base64url').toString()).toBe(aliceEntity);
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'required', userVerification: 'required' });
    expect(options.attestation).toBe('none');

    const registered = await call('POST', 'identity/mfa/passkey/register/finish', { challenge_id, credential: authenticator.create(options), name: 'Laptop' }, aliceToken);
    expect(registered.status).toBe(200);
    expect(registered.body.data).toMatchObject({ name: 'Laptop', entity_id: aliceEntity, credential_id: b64u(authenticator.credentialId), sign_count: 0 });
    passkeyId = registered.body.data.id;

    // With a passkey enrolled, a password-only token may not add another: a passkey counts as
    // two factors. (A token from a two-factor login may: see below.)
    const again = await call('POST', 'identity/mfa/passkey/register/finish', { challenge_id, credential: authenticator.create(options), name: 'Again' }, aliceToken);
    expect(again.status).toBe(403);
    expect(again.body.errors[0]).toMatch(/two-factor login/);
    expect((await call('POST', 'identity/mfa/passkey/register/begin', {}, aliceToken)).status).toBe(403);
  });

  it('refuses a credential made for another origin, and answers a challenge once', async () => {
    await call('POST', 'auth/userpass/users/carol', { password: PASSWORD, token_policies: ['passkeys-self'] });
    const carolToken = (await call('POST', 'auth/userpass/login/carol', { password: PASSWORD }, null)).body.auth.client_token;
    const begun = await call('POST', 'identity/mfa/passkey/register/begin', {}, carolToken);
    const phishing = new SoftAuthenticator().create(begun.body.data.options, 'https://id.example.evil');
    const res = await call('POST', 'identity/mfa/passkey/register/finish', { challenge_id: begun.body.data.challenge_id, credential: phishing }, carolToken);
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatch(/^passkey registration failed: .*origin/i);
    const retry = await call('POST', 'identity/mfa/passkey/register/finish', { challenge_id: begun.body.data.challenge_id, credential: new SoftAuthenticator().create(begun.body.data.options) }, carolToken);
    expect(retry.status).toBe(400);
  });

  it('lists the caller’s passkeys and an entity’s for administrators, without key material', async () => {
    const self = await call('LIST', 'identity/mfa/passkey/self', undefined, aliceToken);
    expect(self.body.data.keys).toEqual([passkeyId]);
    const admin = await call('LIST', `identity/mfa/passkey/entity/${aliceEntity}`);
    expect(admin.body.data.key_info[passkeyId]).not.toHaveProperty('public_key');
    expect((await call('POST', 'identity/mfa/passkey/register/begin', {})).status).toBe(400); // root token: no entity
  });
});

describe('sign-in with a passkey', () => {
  it('offers no credential list (discoverable) and requires user verification', async () => {
    const begun = await call('POST', 'auth/passkey/login/begin', {}, null);
    expect(begun.body.data.options).toMatchObject({ rpId: RP_ID, userVerification: 'required' });
    expect(begun.body.data.options.allowCredentials ?? []).toEqual([]);
  });

  it('signs in with a real assertion and gives a token for the entity', async () => {
    const res = await signInWith(authenticator);
    expect(res.status).toBe(200);
    expect(res.body.auth).toMatchObject({ entity_id: aliceEntity, metadata: { passkey: 'Laptop' }, mfa_requirement: null });
    const self = await call('GET', 'auth/token/lookup-self', undefined, res.body.auth.client_token);
    expect(self.body.data.entity_id).toBe(aliceEntity);
    const listed = await call('LIST', 'identity/mfa/passkey/self', undefined, aliceToken);
    expect(listed.body.data.key_info[passkeyId].sign_count).toBe(1);
  });

  it('refuses an assertion without user verification, with a bad signature, or on a spent challenge', async () => {
    expect((await signInWith(authenticator, { flags: UP })).status).toBe(401);
    expect((await signInWith(authenticator, { tamper: true })).status).toBe(401);
    const begun = await call('POST', 'auth/passkey/login/begin', {}, null);
    const credential = authenticator.get(begun.body.data.options);
    expect((await call('POST', 'auth/passkey/login/finish', { challenge_id: begun.body.data.challenge_id, credential }, null)).status).toBe(200);
    expect((await call('POST', 'auth/passkey/login/finish', { challenge_id: begun.body.data.challenge_id, credential }, null)).status).toBe(400);
  });

  it('catches a cloned authenticator: a counter that does not grow is refused', async () => {
    const clone = authenticator.clone();
    expect((await signInWith(authenticator, { bump: 5 })).status).toBe(200);
    // The clone is behind the original: its next counter is not above the stored one.
    const cloned = await signInWith(clone, { bump: 1 });
    expect(cloned.status).toBe(401);
    expect(cloned.body.errors).toEqual(['passkey sign-in failed']);
    // The original keeps working.
    expect((await signInWith(authenticator)).status).toBe(200);
  });

  it('goes with its entity when the entity is deleted', async () => {
    await call('POST', 'auth/userpass/users/bob', { password: PASSWORD, token_policies: ['passkeys-self'] });
    const bob = (await call('POST', 'auth/userpass/login/bob', { password: PASSWORD }, null)).body.auth;
    const begun = await call('POST', 'identity/mfa/passkey/register/begin', {}, bob.client_token);
    const bobDevice = new SoftAuthenticator();
    const made = await call('POST', 'identity/mfa/passkey/register/finish', { challenge_id: begun.body.data.challenge_id, credential: bobDevice.create(begun.body.data.options), name: 'Phone' }, bob.client_token);
    expect(made.status).toBe(200);
    expect((await call('LIST', `identity/mfa/passkey/entity/${bob.entity_id}`)).status).toBe(200);
    expect((await call('DELETE', `identity/entity/id/${bob.entity_id}`)).status).toBe(204);
    expect((await call('LIST', `identity/mfa/passkey/entity/${bob.entity_id}`)).status).toBe(404);
    expect((await signInWith(bobDevice)).status).toBe(401);
  });

  it('stops working once removed', async () => {
    expect((await call('DELETE', `identity/mfa/passkey/entity/00000000-0000-0000-0000-000000000000/${passkeyId}`)).status).toBe(404);
    // A password-only token may not remove the owner's passkey; a passkey sign-in's token may.
    expect((await call('DELETE', `identity/mfa/passkey/self/${passkeyId}`, undefined, aliceToken)).status).toBe(403);
    // A passkey sign-in's token carries the default policy: let it manage the caller's passkeys.
    const defaultPolicy = (await call('GET', 'sys/policies/acl/default')).body.data.policy as string;
    await call('PUT', 'sys/policies/acl/default', { policy: `${defaultPolicy}\npath "identity/mfa/passkey/self/*" { capabilities = ["delete"] }` });
    const twoFactor = (await signInWith(authenticator)).body.auth.client_token;
    expect((await call('DELETE', `identity/mfa/passkey/self/${passkeyId}`, undefined, twoFactor)).status).toBe(204);
    expect((await signInWith(authenticator)).status).toBe(401);
  });
});

describe('which tokens prove two factors', () => {
  it('a passkey sign-in or a login finished through sys/mfa/validate, never a copied mark', () => {
    expect(tokenProvesTwoFactors({ path: 'auth/passkey/login', meta: { passkey: 'Laptop' } })).toBe(true);
    expect(tokenProvesTwoFactors({ path: 'auth/userpass/login/alice', meta: { username: 'alice', mfa: 'totp' } })).toBe(true);
    expect(tokenProvesTwoFactors({ path: 'auth/userpass/login/alice', meta: { username: 'alice' } })).toBe(false);
    // A child token may carry any metadata its creator gives it, but its path is its own.
    expect(tokenProvesTwoFactors({ path: 'auth/token/create', meta: { username: 'alice', mfa: 'totp' } })).toBe(false);
  });
});
