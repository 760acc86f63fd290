/**
 * A platform authenticator in software for passkey tests: a real P-256 key, attestation `none`
 * and assertions built by hand (authenticatorData with the RP id hash, flags and counter;
 * clientDataJSON with the challenge and origin; ECDSA over authenticatorData ‖ SHA-256(clientDataJSON)).
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

export const DEFAULT_ORIGIN = 'https://id.example.test';

export const b64u = (bytes: Uint8Array | Buffer) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

export const UP = 0x01;
export const UV = 0x04;
const AT = 0x40;

/** A platform authenticator in software: one P-256 credential, its counter, and its user handle. */
export class SoftAuthenticator {
  readonly credentialId = randomBytes(16);
  readonly #privateKey: KeyObject;
  readonly #publicKey: KeyObject;
  counter = 0;
  userHandle = '';
  /** The origin assertions claim (the page the browser would be on). */
  origin = DEFAULT_ORIGIN;

  constructor(keys = generateKeyPairSync('ec', { namedCurve: 'P-256' })) {
    this.#privateKey = keys.privateKey;
    this.#publicKey = keys.publicKey;
  }

  /** Another device holding the same key (a cloned authenticator), with its own counter. */
  clone(): SoftAuthenticator {
    const copy = new SoftAuthenticator({ privateKey: this.#privateKey, publicKey: this.#publicKey });
    (copy as { credentialId: Buffer }).credentialId = this.credentialId;
    copy.userHandle = this.userHandle;
    copy.counter = this.counter;
    copy.origin = this.origin;
    return copy;
  }

  create(options: { challenge: string; rp: { id: string }; user: { id: string } }, origin = DEFAULT_ORIGIN) {
    this.userHandle = options.user.id;
    const jwk = this.#publicKey.export({ format: 'jwk' });
    const cose = new Map<number, number | Uint8Array>([
      [1, 2], // kty: EC2
      [3, -7], // alg: ES256
      [-1, 1], // crv: P-256
      [-2, Buffer.from(jwk.x as string, 'base64url')],
      [-3, Buffer.from(jwk.y as string, 'base64url')],
    ]);
    const credentialIdLength = Buffer.alloc(2);
    credentialIdLength.writeUInt16BE(this.credentialId.length);
    const authData = Buffer.concat([
      sha256(options.rp.id),
      Buffer.from([UP | UV | AT]),
      u32(this.counter),
      Buffer.alloc(16), // AAGUID: none
      credentialIdLength,
      this.credentialId,
      Buffer.from(isoCBOR.encode(cose)),
    ]);
    const attestationObject = isoCBOR.encode(new Map<string, unknown>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]) as never);
    const clientDataJSON = JSON.stringify({ type: 'webauthn.create', challenge: options.challenge, origin, crossOrigin: false });
    return {
      id: b64u(this.credentialId),
      rawId: b64u(this.credentialId),
      type: 'public-key',
      response: { clientDataJSON: b64u(Buffer.from(clientDataJSON)), attestationObject: b64u(attestationObject), transports: ['internal'] },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  get(options: { challenge: string; rpId: string }, { flags = UP | UV, bump = 1 }: { flags?: number; bump?: number } = {}) {
    this.counter += bump;
    const authenticatorData = Buffer.concat([sha256(options.rpId), Buffer.from([flags]), u32(this.counter)]);
    const clientDataJSON = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge: options.challenge, origin: this.origin, crossOrigin: false }));
    const signature = sign('sha256', Buffer.concat([authenticatorData, sha256(clientDataJSON)]), this.#privateKey);
    return {
      id: b64u(this.credentialId),
      rawId: b64u(this.credentialId),
      type: 'public-key',
      response: { clientDataJSON: b64u(clientDataJSON), authenticatorData: b64u(authenticatorData), signature: b64u(signature), userHandle: this.userHandle },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }
}

