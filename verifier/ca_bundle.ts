import { X509Certificate } from 'node:crypto';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * The certificates of a PEM bundle, or a description of what is wrong with it. Node silently
 * ignores text it cannot parse as a CA, so a typo would otherwise surface much later as an
 * unexplained "unable to verify the first certificate".
 */
export function parseCaBundle(pem: string): { certificates: string[] } | { problem: string } {
  const certificates = pem.match(PEM_CERTIFICATE) ?? [];
  if (certificates.length === 0) return { problem: 'caCert contains no PEM certificate' };
  for (const [index, certificate] of certificates.entries()) {
    try {
      new X509Certificate(certificate);
    } catch {
      return { problem: `caCert certificate #${index + 1} is not a valid X.509 certificate` };
    }
  }
  return { certificates };
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
