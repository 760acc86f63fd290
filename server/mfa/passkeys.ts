/**
 * Passkeys (WebAuthn) through @simplewebauthn/server: registering a credential for an entity and
 * signing in with one. The relying-party id is the host of `--api-addr` and the expected origin
 * its origin, so a passkey made for this server works nowhere else.
 *
 * - Registration asks for a discoverable credential with user verification; attestation `none`
 *   (the library's advice for consumer passkeys: no attestation chain to trust or maintain).
 * - Sign-in offers no credential list (discoverable credentials: the authenticator picks), requires
 *   user verification, and checks the signature counter: a counter that does not grow (when
 *   either side is non-zero) means a cloned authenticator and is refused. The counter update is
 *   one atomic read-modify-write, so two racing uses of one assertion cannot both pass.
 * - Challenges are random, stored under a hash of their id, expire after five minutes and are
 *   spent by their first answer, right or wrong.
 */
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { AlreadyExistsError, NotFoundError } from '../../storage/errors.js';
import { LanyardError, invalidRequest } from '../errors.js';
import type { EntityRecord } from '../identity/types.js';
import type { Services } from '../services.js';
import { sha256Hex, uuid } from '../util/random.js';
import { MFA_KINDS } from './types.js';
import type { TokenRecord } from '../tokens/token_service.js';

/**
 * The WebAuthn library, loaded on the first passkey request: with its ASN.1 and COSE stack it
 * holds ~30 MB of resident memory that a server whose users never register a passkey would
 * carry for nothing.
 */
let webauthnLibrary: Promise<typeof import('@simplewebauthn/server')> | undefined;
const webauthn = (): Promise<typeof import('@simplewebauthn/server')> => (webauthnLibrary ??= import('@simplewebauthn/server'));

const CHALLENGE_KIND = 'passkey_challenge';
const CHALLENGE_TTL_MS = 5 * 60_000;
const MAX_PASSKEYS_PER_ENTITY = 20;

export interface PasskeyRecord {
  readonly id: string;
  readonly entity_id: string;
  /** base64url credential id, as the authenticator gave it. */
  readonly credential_id: string;
  /** base64url COSE public key. */
  readonly public_key: string;
  readonly counter: number;
  readonly name: string;
  readonly transports: readonly string[];
  readonly backed_up: boolean;
  readonly device_type: string;
  readonly creation_time: string;
  readonly last_used_time: string;
}

interface ChallengeRecord {
  readonly purpose: 'register' | 'authenticate';
  readonly challenge: string;
  /** The entity registering (registration only). */
  readonly entity_id: string;
}

export interface RelyingParty {
  readonly id: string;
  readonly origin: string;
  readonly name: string;
}

export function relyingPartyOf(apiAddr: string): RelyingParty {
  const url = new URL(apiAddr);
  return { id: url.hostname, origin: url.origin, name: 'Lanyard' };
}

type Deps = Pick<Services, 'storage' | 'now' | 'config'>;

const challengeId = (id: string) => sha256Hex(`passkey-challenge:${id}`);

async function storeChallenge(services: Deps, record: ChallengeRecord): Promise<string> {
  const id = uuid();
  await services.storage.create(CHALLENGE_KIND, challengeId(id), record, { expiresAt: services.now() + CHALLENGE_TTL_MS });
  return id;
}

/** The challenge for `id` and `purpose`, removed so it answers once. */
async function takeChallenge(services: Deps, id: string, purpose: ChallengeRecord['purpose']): Promise<ChallengeRecord> {
  const key = challengeId(id);
  const record = await services.storage.get<ChallengeRecord>(CHALLENGE_KIND, key);
  if (!record || record.purpose !== purpose || !(await services.storage.delete(CHALLENGE_KIND, key))) {
    throw invalidRequest('unknown or expired passkey challenge; start again');
  }
  return record;
}

export async function passkeysOf(services: Pick<Services, 'storage'>, entityId: string): Promise<PasskeyRecord[]> {
  return (await services.storage.findBy<PasskeyRecord>(MFA_KINDS.passkey, 'entity', entityId)).map((e) => e.value);
}

/**
 * Whether the entity has enrolled a factor beyond its password (a TOTP secret or a passkey).
 * Once it has, adding or removing a passkey needs proof of that factor: a passkey counts as two
 * factors, so someone with only the password must not be able to add one, or remove the owner's.
 */
export async function hasEnrolledFactor(services: Pick<Services, 'storage'>, entityId: string): Promise<boolean> {
  const totp = await services.storage.findBy(MFA_KINDS.totpSecret, 'entity', entityId);
  return totp.length > 0 || (await passkeysOf(services, entityId)).length > 0;
}

/**
 * Whether a token's own login proved two factors: a passkey sign-in, or a userpass login finished
 * through `sys/mfa/validate` (marked `mfa` in its metadata; child tokens carry their own path,
 * `auth/token/create`, so the mark cannot be copied onto one).
 */
export function tokenProvesTwoFactors(token: Pick<TokenRecord, 'path' | 'meta'>): boolean {
  return token.path === PASSKEY_LOGIN_PATH || (token.path.startsWith('auth/userpass/login/') && token.meta?.mfa !== undefined);
}

/** The token path of a passkey sign-in. */
export const PASSKEY_LOGIN_PATH = 'auth/passkey/login';

/** Vault-style read shape of a passkey (no key material). */
export function passkeyData(p: PasskeyRecord): Record<string, unknown> {
  return {
    id: p.id,
    name: p.name,
    entity_id: p.entity_id,
    credential_id: p.credential_id,
    backed_up: p.backed_up,
    device_type: p.device_type,
    sign_count: p.counter,
    creation_time: p.creation_time,
    last_used_time: p.last_used_time,
  };
}

export async function beginRegistration(services: Deps, entity: EntityRecord): Promise<{ challenge_id: string; options: unknown }> {
  const rp = relyingPartyOf(services.config.apiAddr);
  const existing = await passkeysOf(services, entity.id);
  if (existing.length >= MAX_PASSKEYS_PER_ENTITY) throw invalidRequest(`an entity can have at most ${MAX_PASSKEYS_PER_ENTITY} passkeys`);
  const displayName = (entity.aliases.find((a) => a.mount_type === 'userpass') ?? entity.aliases[0])?.name ?? entity.name;
  const options = await (await webauthn()).generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: displayName,
    userDisplayName: displayName,
    userID: new TextEncoder().encode(entity.id),
    attestationType: 'none',
    excludeCredentials: existing.map((p) => ({ id: p.credential_id })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  });
  const id = await storeChallenge(services, { purpose: 'register', challenge: options.challenge, entity_id: entity.id });
  return { challenge_id: id, options };
}

export async function finishRegistration(services: Deps, entity: EntityRecord, challengeIdValue: string, response: unknown, name: string): Promise<PasskeyRecord> {
  const challenge = await takeChallenge(services, challengeIdValue, 'register');
  if (challenge.entity_id !== entity.id) throw invalidRequest('unknown or expired passkey challenge; start again');
  const rp = relyingPartyOf(services.config.apiAddr);
  let verified;
  try {
    verified = await (await webauthn()).verifyRegistrationResponse({
      response: response as RegistrationResponseJSON,
      expectedChallenge: challenge.challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
    });
  } catch (err) {
    throw invalidRequest(`passkey registration failed: ${(err as Error).message}`);
  }
  if (!verified.verified) throw invalidRequest('passkey registration failed');
  const info = verified.registrationInfo;
  const now = new Date(services.now()).toISOString();
  const record: PasskeyRecord = {
    id: uuid(),
    entity_id: entity.id,
    credential_id: info.credential.id,
    public_key: Buffer.from(info.credential.publicKey).toString('base64url'),
    counter: info.credential.counter,
    name: name.trim() === '' ? 'Passkey' : name.trim(),
    transports: info.credential.transports ?? [],
    backed_up: info.credentialBackedUp,
    device_type: info.credentialDeviceType,
    creation_time: now,
    last_used_time: '',
  };
  try {
    await services.storage.create(MFA_KINDS.passkey, record.id, record);
  } catch (err) {
    if (err instanceof AlreadyExistsError) throw invalidRequest('this passkey is already registered');
    throw err;
  }
  return record;
}

export async function beginAuthentication(services: Deps): Promise<{ challenge_id: string; options: unknown }> {
  const rp = relyingPartyOf(services.config.apiAddr);
  const options = await (await webauthn()).generateAuthenticationOptions({ rpID: rp.id, userVerification: 'required', allowCredentials: [] });
  const id = await storeChallenge(services, { purpose: 'authenticate', challenge: options.challenge, entity_id: '' });
  return { challenge_id: id, options };
}

/** The entity a passkey assertion proves; a LanyardError (401) otherwise. */
export async function finishAuthentication(services: Deps, challengeIdValue: string, response: unknown): Promise<{ entityId: string; passkey: PasskeyRecord }> {
  const challenge = await takeChallenge(services, challengeIdValue, 'authenticate');
  const credentialId = (response as { id?: unknown } | null)?.id;
  if (typeof credentialId !== 'string' || credentialId === '') throw invalidRequest('missing credential id');
  const [entry] = await services.storage.findBy<PasskeyRecord>(MFA_KINDS.passkey, 'credential', credentialId);
  const refused = (detail: string) => new LanyardError('unauthorized', 'passkey sign-in failed', { detail });
  if (!entry) throw refused('unknown credential');
  const stored = entry.value;
  const userHandle = (response as { response?: { userHandle?: unknown } }).response?.userHandle;
  if (typeof userHandle === 'string' && userHandle !== '' && Buffer.from(userHandle, 'base64url').toString('utf8') !== stored.entity_id) {
    throw refused('user handle does not match the credential');
  }
  const rp = relyingPartyOf(services.config.apiAddr);
  let verified;
  try {
    verified = await (await webauthn()).verifyAuthenticationResponse({
      response: response as AuthenticationResponseJSON,
      expectedChallenge: challenge.challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      credential: { id: stored.credential_id, publicKey: Buffer.from(stored.public_key, 'base64url'), counter: stored.counter },
      requireUserVerification: true,
    });
  } catch (err) {
    throw refused((err as Error).message);
  }
  if (!verified.verified) throw refused('assertion not verified');
  const newCounter = verified.authenticationInfo.newCounter;
  let cloned = false;
  let updated: PasskeyRecord | undefined;
  try {
    updated = await services.storage.update<PasskeyRecord>(MFA_KINDS.passkey, entry.id, (current) => {
      // Checked again against the stored counter inside the atomic update (a racing use may have moved it).
      if ((newCounter > 0 || current.counter > 0) && newCounter <= current.counter) {
        cloned = true;
        return current;
      }
      return { ...current, counter: newCounter, last_used_time: new Date(services.now()).toISOString() };
    });
  } catch (err) {
    if (err instanceof NotFoundError) throw refused('credential removed during sign-in');
    throw err;
  }
  if (cloned || !updated) throw refused('signature counter did not increase: possible cloned authenticator');
  return { entityId: stored.entity_id, passkey: updated };
}
