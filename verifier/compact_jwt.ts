import { VerificationError } from './errors.js';

/** A compact JWS whose shape has been checked; nothing about it is trusted yet. */
export interface CompactJwt {
  readonly token: string;
  readonly header: Record<string, unknown>;
  readonly claims: Record<string, unknown>;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** Stateless between calls (no streaming), so one instance serves every token. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Splits and decodes a compact JWS, refusing anything that is not exactly three non-empty
 * base64url parts whose first two are JSON objects. This runs before any network access or
 * cryptography, so garbage costs nothing but this parse (Infisical fetched the discovery document
 * first). `crit` is refused outright: no extension is understood here, and RFC 7515 requires
 * refusing tokens that demand one.
 */
export function parseCompactJwt(token: unknown, maxBytes: number): CompactJwt {
  if (typeof token !== 'string' || token === '') {
    throw new VerificationError('invalid_jwt', 'the token is empty or not a string');
  }
  if (token.length > maxBytes) {
    throw new VerificationError('token_too_large', `the token has ${token.length} characters; the limit is ${maxBytes}`);
  }
  const parts = token.split('.');
  if (parts.length === 5) throw new VerificationError('invalid_jwt', 'encrypted JWTs (JWE) are not accepted');
  if (parts.length !== 3) throw new VerificationError('invalid_jwt', `a compact JWS has 3 parts, this token has ${parts.length}`);
  const [header, payload, signature] = parts as [string, string, string];
  if (signature === '') throw new VerificationError('invalid_jwt', 'the token has no signature');
  if (!BASE64URL.test(signature)) throw new VerificationError('invalid_jwt', 'the signature is not base64url');
  const decodedHeader = decodeObject(header, 'header');
  if (decodedHeader.crit !== undefined) {
    throw new VerificationError('invalid_jwt', 'the header has "crit" extensions, none of which are supported');
  }
  if (decodedHeader.kid !== undefined && typeof decodedHeader.kid !== 'string') {
    throw new VerificationError('invalid_jwt', 'the header "kid" is not a string');
  }
  return { token, header: decodedHeader, claims: decodeObject(payload, 'payload') };
}

function decodeObject(part: string, name: string): Record<string, unknown> {
  // Node's base64url decoder skips characters outside the alphabet, so check them first.
  if (!BASE64URL.test(part) || part.length % 4 === 1) {
    throw new VerificationError('invalid_jwt', `the ${name} is not base64url`);
  }
  let value: unknown;
  try {
    value = JSON.parse(UTF8.decode(Buffer.from(part, 'base64url')));
  } catch {
    throw new VerificationError('invalid_jwt', `the ${name} is not UTF-8 JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new VerificationError('invalid_jwt', `the ${name} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}
