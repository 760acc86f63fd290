import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { WorkloadJwtVerifier, type VerificationError, type VerifierOptions } from '../../verifier/index.js';
import { TestIssuer } from '../support/jwt_issuer.js';

// Machine-auth reference §5.5 #51–53: an identity provider behind a private CA.
const LOOPBACK_HTTPS: VerifierOptions = { allowPrivateNetwork: true };

describe('identity provider with a private CA', () => {
  let idp: TestIssuer;
  let jwksHost: TestIssuer;

  beforeAll(async () => {
    [idp, jwksHost] = await Promise.all([TestIssuer.start({ https: true, keys: ['ES256'] }), TestIssuer.start({ https: true, keys: [] })]);
  });
  afterAll(async () => {
    await Promise.all([idp.close(), jwksHost.close()]);
  });

  it('verifies over https when caCert holds the CA', async () => {
    await expect(new WorkloadJwtVerifier(LOOPBACK_HTTPS).verify(await idp.token(), idp.policy())).resolves.toMatchObject({ algorithm: 'ES256' });
  });

  it('fails the discovery fetch without caCert', async () => {
    const error = (await new WorkloadJwtVerifier(LOOPBACK_HTTPS)
      .verify(await idp.token(), idp.policy({ caCert: undefined }))
      .catch((caught: unknown) => caught)) as VerificationError;
    expect(error.reason).toBe('discovery_document_fetch_failed');
    expect(error.detail).toMatch(/certificate/i);
  });

  it('does not share cached keys between policies with different CAs', async () => {
    const verifier = new WorkloadJwtVerifier(LOOPBACK_HTTPS);
    await verifier.verify(await idp.token(), idp.policy());
    await expect(verifier.verify(await idp.token(), idp.policy({ caCert: '' }))).rejects.toMatchObject({ reason: 'discovery_document_fetch_failed' });
  });

  it('trusts every certificate of a bundle, for discovery and JWKS alike', async () => {
    // Discovery on a host of CA A, JWKS on a host of CA B: both CAs are needed.
    for (const key of idp.keys) await jwksHost.addKey({ alg: key.alg, kid: `copy-${key.kid}` });
    idp.setDiscovery({ jwks_uri: jwksHost.jwksUri });
    try {
      const token = await jwksHost.sign(idp.claims(), { key: 'copy-es256-1' });
      const onlyA = (await new WorkloadJwtVerifier(LOOPBACK_HTTPS).verify(token, idp.policy()).catch((caught: unknown) => caught)) as VerificationError;
      expect(onlyA.reason).toBe('signing_key_retrieval_failed');
      const bundle = `${idp.caCert!}\n${jwksHost.caCert!}`;
      await expect(new WorkloadJwtVerifier(LOOPBACK_HTTPS).verify(token, idp.policy({ caCert: bundle }))).resolves.toMatchObject({ keyId: 'copy-es256-1' });
    } finally {
      idp.setDiscovery({ jwks_uri: idp.jwksUri });
    }
  });
});
