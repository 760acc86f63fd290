import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { WorkloadJwtVerifier, type VerificationError } from '../../verifier/index.js';
import { TestIssuer } from '../support/jwt_issuer.js';

// Machine-auth reference §5.3 #30–31 and "Implications" 1: discovery and JWKS are cached per
// provider, refreshed on an unknown kid at most once per cooldown, and fetched once for a burst.
const DISCOVERY = '/.well-known/openid-configuration';
const MINUTE = 60_000;

describe('provider key cache', () => {
  let idp: TestIssuer;
  let clock: number;
  let verifier: WorkloadJwtVerifier;

  beforeEach(async () => {
    clock = 1_700_000_000_000;
    idp = await TestIssuer.start({ keys: ['ES256'], now: () => clock });
    verifier = new WorkloadJwtVerifier({ allowPrivateNetwork: true, allowHttp: true, now: () => clock });
  });
  afterEach(() => idp.close());

  const fetches = () => ({ discovery: idp.requestCount(DISCOVERY), jwks: idp.requestCount('/keys') });

  it('fetches discovery and JWKS once per cache period', async () => {
    for (let i = 0; i < 20; i += 1) await verifier.verify(await idp.token(), idp.policy());
    expect(fetches()).toEqual({ discovery: 1, jwks: 1 });
    expect(verifier.stats()).toMatchObject({ discoveryFetches: 1, jwksFetches: 1, refreshes: 0, providers: 1 });

    clock += 9 * MINUTE;
    await verifier.verify(await idp.token(), idp.policy());
    expect(fetches()).toEqual({ discovery: 1, jwks: 1 });

    clock += 1 * MINUTE;
    await verifier.verify(await idp.token(), idp.policy());
    expect(fetches()).toEqual({ discovery: 2, jwks: 2 });
  });

  it('honours a configured cache period', async () => {
    const short = new WorkloadJwtVerifier({ allowPrivateNetwork: true, allowHttp: true, now: () => clock, cacheTtlMs: 1000 });
    await short.verify(await idp.token(), idp.policy());
    clock += 999;
    await short.verify(await idp.token(), idp.policy());
    expect(short.stats()).toMatchObject({ discoveryFetches: 1, jwksFetches: 1 });
    clock += 1;
    await short.verify(await idp.token(), idp.policy());
    expect(short.stats()).toMatchObject({ discoveryFetches: 2, jwksFetches: 2 });
  });

  it('shares one entry between the base URL and the full well-known URL', async () => {
    await verifier.verify(await idp.token(), idp.policy());
    await verifier.verify(await idp.token(), idp.policy({ oidcDiscoveryUrl: idp.discoveryUrl }));
    expect(fetches()).toEqual({ discovery: 1, jwks: 1 });
  });

  it('shares one in-flight fetch between concurrent verifications', async () => {
    const tokens = await Promise.all(Array.from({ length: 25 }, () => idp.token()));
    const results = await Promise.all(tokens.map((token) => verifier.verify(token, idp.policy())));
    expect(results).toHaveLength(25);
    expect(fetches()).toEqual({ discovery: 1, jwks: 1 });
  });

  it('picks up a rotated key on the first attempt by refreshing the JWKS', async () => {
    await verifier.verify(await idp.token(), idp.policy());
    const rotated = await idp.rotate();
    await expect(verifier.verify(await idp.token(), idp.policy())).resolves.toMatchObject({ keyId: rotated.kid });
    // The discovery document was still fresh, so only the JWKS was fetched again.
    expect(fetches()).toEqual({ discovery: 1, jwks: 2 });
    expect(verifier.stats()).toMatchObject({ refreshes: 1 });
  });

  it('picks up a rotated key for a token without kid', async () => {
    await verifier.verify(await idp.token(), idp.policy());
    idp.unpublish('es256-1');
    await idp.rotate();
    await expect(verifier.verify(await idp.token({}, { header: { kid: undefined } }), idp.policy())).resolves.toMatchObject({ keyId: 'es256-2' });
    expect(fetches()).toEqual({ discovery: 1, jwks: 2 });
  });

  it('refetches a stale discovery document along with the JWKS on refresh', async () => {
    await verifier.verify(await idp.token(), idp.policy()); // t=0: discovery + JWKS
    clock += 9 * MINUTE;
    await idp.rotate();
    await verifier.verify(await idp.token(), idp.policy()); // t=9: JWKS refresh only
    expect(fetches()).toEqual({ discovery: 1, jwks: 2 });
    clock += 2 * MINUTE;
    await idp.rotate();
    await verifier.verify(await idp.token(), idp.policy()); // t=11: JWKS still fresh, discovery stale
    expect(fetches()).toEqual({ discovery: 2, jwks: 3 });
  });

  it('limits refreshes for unknown kids to one per cooldown', async () => {
    await verifier.verify(await idp.token(), idp.policy());
    const forged = await Promise.all(Array.from({ length: 50 }, () => idp.token({}, { header: { kid: randomUUID() } })));
    const reasons = await Promise.all(
      forged.map((token) => verifier.verify(token, idp.policy()).then(() => 'ok', (error: VerificationError) => error.reason)),
    );
    expect(new Set(reasons)).toEqual(new Set(['signing_key_not_found']));
    expect(fetches()).toEqual({ discovery: 1, jwks: 2 });

    for (const token of forged.slice(0, 10)) await expect(verifier.verify(token, idp.policy())).rejects.toMatchObject({ reason: 'signing_key_not_found' });
    expect(fetches().jwks).toBe(2);
    expect(verifier.stats().refreshesSkipped).toBeGreaterThanOrEqual(10);

    clock += 30_000;
    await expect(verifier.verify(forged[0]!, idp.policy())).rejects.toMatchObject({ reason: 'signing_key_not_found' });
    expect(fetches().jwks).toBe(3);
  });

  it('says in the detail when a refresh was skipped', async () => {
    await verifier.verify(await idp.token(), idp.policy());
    const first = await verifier.verify(await idp.token({}, { header: { kid: 'nope' } }), idp.policy()).catch((error: VerificationError) => error);
    expect((first as VerificationError).detail).toContain('after a JWKS refresh');
    const second = await verifier.verify(await idp.token({}, { header: { kid: 'nope' } }), idp.policy()).catch((error: VerificationError) => error);
    expect((second as VerificationError).detail).toContain('JWKS refresh skipped (cooldown)');
  });

  it('does not remember failures: the next verification after an outage fetches again', async () => {
    idp.route(DISCOVERY, (_request, response) => response.writeHead(503).end());
    await expect(verifier.verify(await idp.token(), idp.policy())).rejects.toMatchObject({ reason: 'discovery_document_fetch_failed' });
    idp.route(DISCOVERY);
    await expect(verifier.verify(await idp.token(), idp.policy())).resolves.toBeDefined();
    expect(fetches()).toEqual({ discovery: 2, jwks: 1 });
  });

  it('keeps at most maxCachedProviders providers', async () => {
    const other = await TestIssuer.start({ keys: ['ES256'], now: () => clock });
    try {
      const small = new WorkloadJwtVerifier({ allowPrivateNetwork: true, allowHttp: true, now: () => clock, maxCachedProviders: 1 });
      await small.verify(await idp.token(), idp.policy());
      await small.verify(await other.token(), other.policy());
      await small.verify(await idp.token(), idp.policy());
      expect(small.stats()).toMatchObject({ discoveryFetches: 3, providers: 1 });
    } finally {
      await other.close();
    }
  });

  it('forgets everything on clearCache', async () => {
    await verifier.verify(await idp.token(), idp.policy());
    verifier.clearCache();
    expect(verifier.stats().providers).toBe(0);
    await verifier.verify(await idp.token(), idp.policy());
    expect(fetches()).toEqual({ discovery: 2, jwks: 2 });
  });
});
