import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { WorkloadJwtVerifier } from '../../verifier/index.js';
import { TestIssuer } from '../support/jwt_issuer.js';

describe('explain', () => {
  let idp: TestIssuer;
  let verifier: WorkloadJwtVerifier;

  beforeAll(async () => {
    idp = await TestIssuer.start({ keys: ['RS256'] });
    verifier = new WorkloadJwtVerifier({ allowPrivateNetwork: true, allowHttp: true });
  });
  afterAll(() => idp.close());

  it('lists every check of an accepted token in order', async () => {
    const policy = idp.policy({ boundClaims: { repository: ['acme/app'] } });
    const explanation = await verifier.explain(await idp.token({ repository: 'acme/app' }), policy);
    expect(explanation.ok).toBe(true);
    expect(explanation.signatureVerified).toBe(true);
    expect(explanation.reason).toBeUndefined();
    expect(explanation.steps.map((step) => step.check)).toEqual([
      'policy',
      'token_format',
      'algorithm',
      'provider_keys',
      'signing_key',
      'signature',
      'exp',
      'iat',
      'issuer',
      'subject',
      'audience',
      'claim',
    ]);
    expect(explanation.steps.every((step) => step.ok)).toBe(true);
    expect(explanation.steps.at(-1)).toMatchObject({ check: 'claim', claim: 'repository', expected: ['acme/app'], received: 'acme/app' });
    expect(explanation.claims).toMatchObject({ repository: 'acme/app' });
  });

  it('reports every binding mismatch, and the first as the reason verify would give', async () => {
    const policy = idp.policy({ boundClaims: { repository: ['acme/app'], environment: ['prod'] } });
    const token = await idp.token({ sub: 'repo:acme/app:pull_request', aud: ['other'], repository: 'acme/lib' });
    const explanation = await verifier.explain(token, policy);
    expect(explanation).toMatchObject({ ok: false, reason: 'subject_not_allowed', message: 'Access denied: OIDC subject not allowed.' });
    const failures = explanation.steps.filter((step) => !step.ok);
    expect(failures).toEqual([
      { check: 'subject', ok: false, expected: 'repo:acme/app:ref:refs/heads/main', received: 'repo:acme/app:pull_request', reason: 'subject_not_allowed' },
      { check: 'audience', ok: false, expected: ['lanyard'], received: ['other'], reason: 'audience_not_allowed' },
      { check: 'claim', claim: 'repository', ok: false, expected: ['acme/app'], received: 'acme/lib', reason: 'claim_not_allowed' },
      { check: 'claim', claim: 'environment', ok: false, expected: ['prod'], received: undefined, reason: 'missing_claim' },
    ]);
    await expect(verifier.verify(token, policy)).rejects.toMatchObject({ reason: explanation.reason, detail: explanation.detail });
  });

  it('stops at a failed signature but still shows the unverified claims', async () => {
    await idp.addKey({ alg: 'RS256', kid: 'rogue', publish: false });
    const token = await idp.token({ sub: 'forged' }, { key: 'rogue', header: { kid: 'rs256-1' } });
    idp.removeKey('rogue');
    const explanation = await verifier.explain(token, idp.policy());
    expect(explanation).toMatchObject({ ok: false, reason: 'invalid_signature', signatureVerified: false, claims: { sub: 'forged' } });
    expect(explanation.steps.at(-1)).toMatchObject({ check: 'signature', ok: false });
    expect(explanation.steps.some((step) => step.check === 'subject')).toBe(false);
  });

  it('never throws for a bad token or a bad policy', async () => {
    for (const jwt of ['', 'abc', 'a.b.c', 42, null, undefined, { alg: 'none' }]) {
      const explanation = await verifier.explain(jwt as string, idp.policy());
      expect(explanation).toMatchObject({ ok: false, reason: 'invalid_jwt', signatureVerified: false });
      expect(explanation.steps.at(-1)).toMatchObject({ check: 'token_format', ok: false });
    }
    const broken = await verifier.explain(await idp.token(), idp.policy({ boundClaims: { x: [] } }));
    expect(broken).toMatchObject({ ok: false, reason: 'policy_invalid', warnings: [] });
    expect(broken.steps[0]).toMatchObject({ check: 'policy', ok: false, received: ['boundClaims["x"] must be a non-empty array of patterns'] });
    const notAnObject = await verifier.explain(await idp.token(), null as unknown as ReturnType<TestIssuer['policy']>);
    expect(notAnObject).toMatchObject({ ok: false, reason: 'policy_invalid' });
  });

  it('reports fetch failures with the internal detail', async () => {
    idp.route('/.well-known/openid-configuration', (_request, response) => response.writeHead(500).end());
    try {
      const explanation = await new WorkloadJwtVerifier({ allowPrivateNetwork: true, allowHttp: true }).explain(await idp.token(), idp.policy());
      expect(explanation).toMatchObject({ ok: false, reason: 'discovery_document_fetch_failed' });
      expect(explanation.detail).toContain('HTTP 500');
      expect(explanation.steps.at(-1)).toMatchObject({ check: 'provider_keys', ok: false, expected: idp.discoveryUrl });
    } finally {
      idp.route('/.well-known/openid-configuration');
    }
  });

  it('warns about risky but valid policies', async () => {
    idp.setDiscovery({ issuer: 'https://advertised.example' });
    try {
      const explanation = await new WorkloadJwtVerifier({ allowPrivateNetwork: true, allowHttp: true }).explain(
        await idp.token(),
        idp.policy({ boundAudiences: [], boundSubject: '!repo:acme/app:pull_request,x' }),
      );
      expect(explanation.ok).toBe(true);
      expect(explanation.warnings).toEqual([
        expect.stringContaining('boundAudiences is empty'),
        expect.stringContaining('not split on commas'),
        expect.stringContaining('negation'),
        expect.stringContaining('differs from boundIssuer'),
      ]);
    } finally {
      idp.setDiscovery({ issuer: idp.issuer });
    }
  });
});
