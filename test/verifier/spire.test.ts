import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { WorkloadJwtVerifier, type BoundPolicy } from '../../verifier/index.js';
import { TestIssuer } from '../support/jwt_issuer.js';

// Machine-auth reference §4 and §5.11: SPIRE JWT-SVIDs. SPIRE signs ES256 with a random kid,
// always serialises aud as an array, issues 5-minute tokens, and adds iss only when the server
// has jwt_issuer set; its discovery provider advertises the Host it was reached by as issuer and
// publishes keys without "use" unless set_key_use is on.
describe('SPIRE JWT-SVIDs', () => {
  const JWT_ISSUER = 'https://oidc.spire.example.org';
  let clock = 1_700_000_000_000;
  let spire: TestIssuer;
  let verifier: WorkloadJwtVerifier;
  let policy: BoundPolicy;
  const kid = randomBytes(16).toString('base64url');

  const svid = (claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) => {
    const now = Math.floor(clock / 1000);
    return spire.sign(
      { sub: 'spiffe://example.org/ns/prod/sa/web', aud: ['lanyard'], iat: now, exp: now + 300, iss: JWT_ISSUER, ...claims },
      { key: kid, header },
    );
  };

  beforeAll(async () => {
    spire = await TestIssuer.start({ https: true, keys: [{ alg: 'ES256', kid, jwk: { use: undefined } }], now: () => clock });
    verifier = new WorkloadJwtVerifier({ allowPrivateNetwork: true, now: () => clock });
    policy = spire.policy({ boundIssuer: JWT_ISSUER, boundSubject: 'spiffe://example.org/ns/*/sa/web', boundAudiences: ['lanyard'] });
  });
  afterAll(() => spire.close());

  it('accepts an ES256 SVID with aud array, typ JWT and a kid, whatever issuer discovery advertises', async () => {
    const verified = await verifier.verify(await svid(), policy);
    expect(verified).toMatchObject({ algorithm: 'ES256', keyId: kid, header: { typ: 'JWT' } });
    expect(verified.claims.aud).toEqual(['lanyard']);
  });

  it('accepts typ JOSE', async () => {
    await expect(verifier.verify(await svid({}, { typ: 'JOSE' }), policy)).resolves.toBeDefined();
  });

  it('refuses an SVID without iss (SPIRE without jwt_issuer)', async () => {
    await expect(verifier.verify(await svid({ iss: undefined }), policy)).rejects.toMatchObject({ reason: 'issuer_mismatch' });
  });

  it('refuses an SVID past its 5-minute TTL plus the leeway', async () => {
    const token = await svid();
    clock += (300 + 59) * 1000;
    await expect(verifier.verify(token, policy)).resolves.toBeDefined();
    clock += 1000;
    await expect(verifier.verify(token, policy)).rejects.toMatchObject({ reason: 'token_expired' });
    clock -= (300 + 60) * 1000;
  });

  it('refuses another workload of the trust domain', async () => {
    await expect(verifier.verify(await svid({ sub: 'spiffe://example.org/ns/prod/sa/db' }), policy)).rejects.toMatchObject({ reason: 'subject_not_allowed' });
    await expect(verifier.verify(await svid({ sub: 'spiffe://example.org/ns/prod/x/sa/web' }), policy)).rejects.toMatchObject({ reason: 'subject_not_allowed' });
  });

  it('picks up a rotated JWT key by kid', async () => {
    const next = await spire.addKey({ alg: 'ES256', kid: randomBytes(16).toString('base64url'), jwk: { use: undefined } });
    const now = Math.floor(clock / 1000);
    const token = await spire.sign({ sub: 'spiffe://example.org/ns/prod/sa/web', aud: ['lanyard'], iat: now, exp: now + 300, iss: JWT_ISSUER }, { key: next.kid });
    await expect(verifier.verify(token, policy)).resolves.toMatchObject({ keyId: next.kid });
  });
});
