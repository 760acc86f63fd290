import { X509Certificate } from 'node:crypto';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

type ParsedBundle = { readonly certificates: readonly string[] } | { readonly problem: string };

/**
 * Bundles come from a handful of stored policies and are checked on every login that uses one;
 * each is parsed once. Very large ones are not kept, so the memo stays small.
 */
const MAX_KEPT = 100;
const MAX_KEPT_CHARS = 64 * 1024;
const parsed = new Map<string, ParsedBundle>();

/**
 * The certificates of a PEM bundle, or a description of what is wrong with it. Node silently
 * ignores text it cannot parse as a CA, so a typo would otherwise surface much later as an
 * unexplained "unable to verify the first certificate".
 */
export function parseCaBundle(pem: string): ParsedBundle {
  let bundle = parsed.get(pem);
  if (bundle === undefined) {
    bundle = Object.freeze(parseUncached(pem));
    if (pem.length <= MAX_KEPT_CHARS) {
      if (parsed.size >= MAX_KEPT) parsed.clear();
      parsed.set(pem, bundle);
    }
  }
  return bundle;
}

function parseUncached(pem: string): ParsedBundle {
  const certificates = pem.match(PEM_CERTIFICATE) ?? [];
  if (certificates.length === 0) return { problem: 'caCert contains no PEM certificate' };
  for (const [index, certificate] of certificates.entries()) {
    try {
      new X509Certificate(certificate);
    } catch {
      return { problem: `caCert certificate #${index + 1} is not a valid X.509 certificate` };
    }
  }
  return { certificates: Object.freeze(certificates) };
}

/**
 * The CAs an outbound TLS connection trusts when an identity provider has a private CA: Node's
 * bundled roots plus the given certificates. Passing only the private CA as `ca` (what Infisical
 * does) would replace the roots, so a discovery document on a private host could no longer point at
 * a JWKS on a publicly trusted one.
 */
export function trustAnchorsWith(certificates: readonly string[]): string[] {
  return [...rootCertificates, ...certificates];
}

/** A TLS context trusting the roots plus `certificates`, built once and reused for every fetch. */
export function createTrustContext(certificates: readonly string[]): SecureContext {
  return createSecureContext({ ca: trustAnchorsWith(certificates) });
}
