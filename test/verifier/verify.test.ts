import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CompactSign, exportJWK, exportSPKI, importJWK, type CryptoKey } from 'jose';
import { JWS_ALGORITHMS, VerificationError, WorkloadJwtVerifier, type VerifierOptions } from '../../verifier/index.js';
import { TestIssuer } from '../support/jwt_issuer.js';

// Machine-auth reference §5.2–5.9 at the verifier level: the issuer is real, on loopback.
const LOOPBACK: VerifierOptions = { allowPrivateNetwork: true, allowHttp: true };
const T0 = 1_700_000_000_000;

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('signatures and algorithms (§5.2, §5.3)', () => {
  let idp: TestIssuer;
  let verifier: WorkloadJwtVerifier;

  beforeAll(async () => {
    idp = await TestIssuer.start({ keys: ['RS256', 'ES256', 'EdDSA'] });
    verifier = new WorkloadJwtVerifier(LOOPBACK);
  });
  afterAll(() => idp.close());

  it('accepts a token signed with each allowed algorithm', async () => {
    const all = await TestIssuer.start({ keys: [...JWS_ALGORITHMS] });
    try {
      for (const alg of JWS_ALGORITHMS) {
        const token = await all.token({}, { key: `${alg.toLowerCase()}-1` });
        const verified = await new WorkloadJwtVerifier(LOOPBACK).verify(token, all.policy());
        expect(verified).toMatchObject({ algorithm: alg, keyId: `${alg.toLowerCase()}-1` });
        expect(verified.claims.sub).toBe('repo:acme/app:ref:refs/heads/main');
      }
    } finally {
      await all.close();
    }
  });

  it('refuses a token signed by another key under a known kid', async () => {
    await idp.addKey({ alg: 'RS256', kid: 'rogue', publish: false });
    const token = await idp.token({}, { key: 'rogue', header: { kid: 'rs256-1' } });
    await expect(verifier.verify(token, idp.policy())).rejects.toMatchObject({ reason: 'invalid_signature' });
    idp.removeKey('rogue');
  });

  it('refuses a token whose payload was edited after signing', async () => {
    const [header, , signature] = (await idp.token({}, { key: 'rs256-1' })).split('.');
    const forged = `${header}.${b64(idp.claims({ sub: 'repo:acme/admin:ref:refs/heads/main' }))}.${signature}`;
    await expect(verifier.verify(forged, idp.policy({ boundSubject: 'repo:acme/**' }))).rejects.toMatchObject({ reason: 'invalid_signature' });
  });

  it('refuses alg "none" before fetching anything', async () => {
    const fresh = new WorkloadJwtVerifier(LOOPBACK);
    const token = `${b64({ alg: 'none', kid: 'rs256-1' })}.${b64(idp.claims())}.`;
    await expect(fresh.verify(token, idp.policy())).rejects.toMatchObject({ reason: 'invalid_jwt' });
    const unsigned = `${b64({ alg: 'none', kid: 'rs256-1' })}.${b64(idp.claims())}.AAAA`;
    await expect(fresh.verify(unsigned, idp.policy())).rejects.toMatchObject({ reason: 'algorithm_not_allowed' });
    expect(fresh.stats().discoveryFetches).toBe(0);
  });

  it('refuses HS256 signed with the public key as HMAC secret (RS/HS confusion)', async () => {
    const rsa = idp.keys.find((key) => key.kid === 'rs256-1')!;
    const pem = await exportSPKI(await importJWK(rsa.publicJwk, 'RS256', { extractable: true }) as CryptoKey);
    const token = await new CompactSign(new TextEncoder().encode(JSON.stringify(idp.claims())))
      .setProtectedHeader({ alg: 'HS256', kid: 'rs256-1' })
      .sign(new TextEncoder().encode(pem));
    const error = await verifier.verify(token, idp.policy()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(VerificationError);
    expect(error).toMatchObject({ reason: 'algorithm_not_allowed', message: 'Access denied: invalid algorithm', status: 401 });
  });

  it('refuses an ES256 header pointing at an RSA key', async () => {
    const token = await idp.token({}, { key: 'es256-1', header: { kid: 'rs256-1' } });
    await expect(verifier.verify(token, idp.policy())).rejects.toMatchObject({ reason: 'key_algorithm_mismatch' });
  });

  it('refuses an alg that differs from the JWK "alg", even for the right key type', async () => {
    const loose = await idp.addKey({ alg: 'RS256', kid: 'loose' });
    const pinned = await idp.addKey({ alg: 'RS256', kid: 'pinned', jwk: { alg: 'RS256' } });
    // The same RSA key material, used for PS256 (jose binds a CryptoKey to one algorithm).
    const signPs256 = async (kid: string, privateKey: CryptoKey) =>
      new CompactSign(new TextEncoder().encode(JSON.stringify(idp.claims())))
        .setProtectedHeader({ alg: 'PS256', kid })
        .sign(await importJWK(await exportJWK(privateKey), 'PS256'));
    const fresh = new WorkloadJwtVerifier(LOOPBACK);
    await expect(fresh.verify(await signPs256('loose', loose.privateKey), idp.policy())).resolves.toMatchObject({ algorithm: 'PS256' });
    await expect(fresh.verify(await signPs256('pinned', pinned.privateKey), idp.policy())).rejects.toMatchObject({ reason: 'key_algorithm_mismatch' });
    await expect(fresh.verify(await idp.token({}, { key: 'pinned' }), idp.policy())).resolves.toMatchObject({ algorithm: 'RS256' });
    idp.removeKey('loose');
    idp.removeKey('pinned');
  });

  it('refuses an unknown kid', async () => {
    const token = await idp.token({}, { key: 'rs256-1', header: { kid: 'unknown' } });
    const error = (await verifier.verify(token, idp.policy()).catch((caught: unknown) => caught)) as VerificationError;
    expect(error).toMatchObject({ reason: 'signing_key_not_found' });
    expect(error.message).toContain("was not found in the OIDC provider's JWKS endpoint");
    expect(error.message).not.toContain('unknown');
  });

  it('refuses a key published only for encryption', async () => {
    await idp.addKey({ alg: 'RS256', kid: 'enc-only', jwk: { use: 'enc' } });
    const fresh = new WorkloadJwtVerifier(LOOPBACK);
    await expect(fresh.verify(await idp.token({}, { key: 'enc-only' }), idp.policy())).rejects.toMatchObject({ reason: 'signing_key_not_found' });
    idp.removeKey('enc-only');
  });

  it('tries the fitting keys for a token without kid', async () => {
    const token = await idp.token({}, { key: 'es256-1', header: { kid: undefined } });
    await expect(new WorkloadJwtVerifier(LOOPBACK).verify(token, idp.policy())).resolves.toMatchObject({ keyId: 'es256-1', algorithm: 'ES256' });
    const rsa = await idp.token({}, { key: 'rs256-1', header: { kid: undefined } });
    await expect(new WorkloadJwtVerifier(LOOPBACK).verify(rsa, idp.policy())).resolves.toMatchObject({ keyId: 'rs256-1' });
  });

  it('accepts a JWKS whose keys have no kid', async () => {
    const bare = await TestIssuer.start({ keys: [{ alg: 'ES256', jwk: { kid: undefined } }] });
    try {
      const token = await bare.token({}, { header: { kid: undefined } });
      await expect(new WorkloadJwtVerifier(LOOPBACK).verify(token, bare.policy())).resolves.toMatchObject({ keyId: undefined });
    } finally {
      await bare.close();
    }
  });

  it('refuses a token without kid when more than ten keys could have signed it', async () => {
    const crowded = await TestIssuer.start({ keys: Array.from({ length: 11 }, () => 'ES256' as const) });
    try {
      const token = await crowded.token({}, { header: { kid: undefined } });
      await expect(new WorkloadJwtVerifier(LOOPBACK).verify(token, crowded.policy())).rejects.toMatchObject({ reason: 'too_many_signing_keys' });
      await expect(new WorkloadJwtVerifier(LOOPBACK).verify(await crowded.token(), crowded.policy())).resolves.toBeDefined();
    } finally {
      await crowded.close();
    }
  });

  it('refuses a token without kid when no published key fits its algorithm', async () => {
    const only = await TestIssuer.start({ keys: ['RS256', { alg: 'ES256', kid: 'hidden', publish: false }] });
    try {
      const token = await only.token({}, { key: 'hidden', header: { kid: undefined } });
      await expect(new WorkloadJwtVerifier(LOOPBACK).verify(token, only.policy())).rejects.toMatchObject({ reason: 'no_signing_keys' });
    } finally {
      await only.close();
    }
  });

  it('honours a narrower allow-list from the options or the policy', async () => {
    const rsToken = await idp.token({}, { key: 'rs256-1' });
    await expect(new WorkloadJwtVerifier({ ...LOOPBACK, algorithms: ['ES256'] }).verify(rsToken, idp.policy())).rejects.toMatchObject({
      reason: 'algorithm_not_allowed',
    });
    await expect(verifier.verify(rsToken, idp.policy({ algorithms: ['EdDSA'] }))).rejects.toMatchObject({ reason: 'algorithm_not_allowed' });
    await expect(verifier.verify(rsToken, idp.policy({ algorithms: ['RS256'] }))).resolves.toBeDefined();
    expect(() => new WorkloadJwtVerifier({ algorithms: ['HS256' as 'RS256'] })).toThrow(RangeError);
  });
});

describe('time claims (§5.4)', () => {
  let idp: TestIssuer;
  const now = () => T0;

  beforeAll(async () => {
    idp = await TestIssuer.start({ keys: ['ES256'], now });
  });
  afterAll(() => idp.close());

  const at = (leeway?: number) => new WorkloadJwtVerifier({ ...LOOPBACK, now, ...(leeway === undefined ? {} : { clockToleranceSec: leeway }) });
  const sec = T0 / 1000;

  it('applies the leeway to exp (default 60 s)', async () => {
    await expect(at().verify(await idp.token({ exp: sec - 30 }), idp.policy())).resolves.toBeDefined();
    await expect(at().verify(await idp.token({ exp: sec - 120 }), idp.policy())).rejects.toMatchObject({ reason: 'token_expired', message: 'Access denied: jwt expired' });
    await expect(at(0).verify(await idp.token({ exp: sec - 5 }), idp.policy())).rejects.toMatchObject({ reason: 'token_expired' });
    await expect(at(0).verify(await idp.token({ exp: sec }), idp.policy())).rejects.toMatchObject({ reason: 'token_expired' });
    await expect(at(0).verify(await idp.token({ exp: sec + 1 }), idp.policy())).resolves.toBeDefined();
  });

  it('applies the leeway to nbf', async () => {
    await expect(at().verify(await idp.token({ nbf: sec + 120 }), idp.policy())).rejects.toMatchObject({ reason: 'token_not_yet_valid' });
    await expect(at().verify(await idp.token({ nbf: sec + 30 }), idp.policy())).resolves.toBeDefined();
    await expect(at(0).verify(await idp.token({ nbf: sec + 30 }), idp.policy())).rejects.toMatchObject({ reason: 'token_not_yet_valid' });
  });

  it('refuses iat in the future beyond the leeway', async () => {
    await expect(at().verify(await idp.token({ iat: sec + 3600 }), idp.policy())).rejects.toMatchObject({ reason: 'token_issued_in_future' });
    await expect(at().verify(await idp.token({ iat: sec + 30 }), idp.policy())).resolves.toBeDefined();
    await expect(at(0).verify(await idp.token({ iat: sec + 30 }), idp.policy())).rejects.toMatchObject({ reason: 'token_issued_in_future' });
    await expect(at().verify(await idp.token({ iat: undefined }), idp.policy())).resolves.toBeDefined();
  });

  it('requires a numeric exp', async () => {
    await expect(at().verify(await idp.token({ exp: undefined }), idp.policy())).rejects.toMatchObject({ reason: 'missing_expiration' });
    await expect(at().verify(await idp.token({ exp: '9999999999' }), idp.policy())).rejects.toMatchObject({
      reason: 'invalid_time_claim',
      message: 'Access denied: invalid exp value',
    });
    await expect(at().verify(await idp.token({ nbf: 'soon' }), idp.policy())).rejects.toMatchObject({ reason: 'invalid_time_claim' });
  });

  it('accepts a long-lived token (no inbound lifetime cap)', async () => {
    await expect(at().verify(await idp.token({ exp: sec + 10 * 365 * 86400 }), idp.policy())).resolves.toBeDefined();
  });
});

describe('issuer (§5.5)', () => {
  let idp: TestIssuer;
  let verifier: WorkloadJwtVerifier;

  beforeAll(async () => {
    idp = await TestIssuer.start({ issuer: 'https://idp.test', keys: ['RS256'] });
    verifier = new WorkloadJwtVerifier(LOOPBACK);
  });
  afterAll(() => idp.close());

  it('requires iss to equal boundIssuer exactly', async () => {
    await expect(verifier.verify(await idp.token(), idp.policy())).resolves.toBeDefined();
    await expect(verifier.verify(await idp.token({ iss: 'https://idp.test/' }), idp.policy())).rejects.toMatchObject({
      reason: 'issuer_mismatch',
      message: 'Access denied: jwt issuer invalid. expected: https://idp.test',
    });
    await expect(verifier.verify(await idp.token({ iss: undefined }), idp.policy())).rejects.toMatchObject({ reason: 'issuer_mismatch' });
  });

  it('does not compare boundIssuer with the discovery issuer (SPIRE advertises its serving host)', async () => {
    idp.setDiscovery({ issuer: 'https://other' });
    try {
      await expect(new WorkloadJwtVerifier(LOOPBACK).verify(await idp.token(), idp.policy())).resolves.toBeDefined();
    } finally {
      idp.setDiscovery({ issuer: 'https://idp.test' });
    }
  });

  it('compares iss with the discovery issuer when boundIssuer is empty', async () => {
    const policy = idp.policy({ boundIssuer: '' });
    await expect(new WorkloadJwtVerifier(LOOPBACK).verify(await idp.token(), policy)).resolves.toBeDefined();
    idp.setDiscovery({ issuer: undefined });
    try {
      await expect(new WorkloadJwtVerifier(LOOPBACK).verify(await idp.token(), policy)).rejects.toMatchObject({ reason: 'issuer_mismatch' });
    } finally {
      idp.setDiscovery({ issuer: 'https://idp.test' });
    }
  });
});

describe('audience (§5.6)', () => {
  let idp: TestIssuer;
  let verifier: WorkloadJwtVerifier;

  beforeAll(async () => {
    idp = await TestIssuer.start({ keys: ['ES256'] });
    verifier = new WorkloadJwtVerifier(LOOPBACK);
  });
  afterAll(() => idp.close());

  const check = async (aud: unknown, boundAudiences: string[] = ['lanyard']) =>
    verifier.verify(await idp.token({ aud }), idp.policy({ boundAudiences })).then(
      () => 'ok',
      (error: VerificationError) => error.reason,
    );

  it('matches a string or any element of an array', async () => {
    expect(await check('lanyard')).toBe('ok');
    expect(await check(['x', 'lanyard'])).toBe('ok');
    expect(await check(['x', 'y'])).toBe('audience_not_allowed');
    expect(await check([])).toBe('audience_not_allowed');
  });

  it('matches globs and any entry of the bound list', async () => {
    expect(await check('api://AzureADTokenExchange', ['api://*'])).toBe('ok');
    expect(await check('lanyard', ['a', 'lanyard'])).toBe('ok');
  });

  it('refuses a missing or non-string aud cleanly', async () => {
    expect(await check(undefined)).toBe('audience_not_allowed');
    expect(await check(42)).toBe('audience_not_allowed');
    expect(await check({ lanyard: true })).toBe('audience_not_allowed');
  });

  it('is case-sensitive', async () => {
    expect(await check('LANYARD')).toBe('audience_not_allowed');
  });

  it('skips the check when no audience is bound', async () => {
    expect(await check('anything', [])).toBe('ok');
  });
});

describe('subject (§5.7)', () => {
  let idp: TestIssuer;
  let verifier: WorkloadJwtVerifier;

  beforeAll(async () => {
    idp = await TestIssuer.start({ keys: ['ES256'] });
    verifier = new WorkloadJwtVerifier(LOOPBACK);
  });
  afterAll(() => idp.close());

  const check = async (sub: unknown, boundSubject = 'repo:acme/app:ref:refs/heads/main') =>
    verifier.verify(await idp.token({ sub }), idp.policy({ boundSubject })).then(
      () => 'ok',
      (error: VerificationError) => error.reason,
    );

  it('matches exactly and refuses others with a 403 reason', async () => {
    expect(await check('repo:acme/app:ref:refs/heads/main')).toBe('ok');
    const error = await verifier.verify(await idp.token({ sub: 'repo:acme/app:ref:refs/heads/dev' }), idp.policy()).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ reason: 'subject_not_allowed', status: 403, message: 'Access denied: OIDC subject not allowed.' });
  });

  it('uses picomatch globs: * stays within a segment', async () => {
    expect(await check('repo:acme/app:pull_request', 'repo:acme/app:*')).toBe('ok');
    expect(await check('repo:acme/app:ref:refs/heads/main', 'repo:acme/app:*')).toBe('subject_not_allowed');
    expect(await check('repo:acme/app:ref:refs/heads/main', 'repo:acme/app:ref:*/**')).toBe('ok');
  });

  it('supports brace alternatives but never splits on commas', async () => {
    const braces = 'repo:acme/app:{pull_request,ref:refs/heads/main}';
    expect(await check('repo:acme/app:pull_request', braces)).toBe('ok');
    expect(await check('repo:acme/app:ref:refs/heads/main', braces)).toBe('ok');
    const commas = 'repo:acme/app:pull_request,repo:acme/app:ref:refs/heads/main';
    expect(await check('repo:acme/app:pull_request', commas)).toBe('subject_not_allowed');
  });

  it('shows that prefix globs over-match', async () => {
    expect(await check('repo:acme/app-evil:ref:refs/heads/main', 'repo:acme/app*/**')).toBe('ok');
  });

  it('matches Kubernetes and SPIFFE subjects', async () => {
    expect(await check('system:serviceaccount:prod:ci', 'system:serviceaccount:*:ci')).toBe('ok');
    expect(await check('spiffe://example.org/ns/prod/sa/web', 'spiffe://example.org/ns/*/sa/web')).toBe('ok');
    expect(await check('spiffe://example.org/ns/prod/x/sa/web', 'spiffe://example.org/ns/*/sa/web')).toBe('subject_not_allowed');
  });

  it('refuses a missing or non-string sub cleanly', async () => {
    expect(await check(undefined)).toBe('subject_not_allowed');
    expect(await check(123)).toBe('subject_not_allowed');
  });
});

describe('bound claims (§5.8)', () => {
  let idp: TestIssuer;
  let verifier: WorkloadJwtVerifier;

  beforeAll(async () => {
    idp = await TestIssuer.start({ keys: ['ES256'] });
    verifier = new WorkloadJwtVerifier(LOOPBACK);
  });
  afterAll(() => idp.close());

  const check = async (claims: Record<string, unknown>, boundClaims: Record<string, string[]>) =>
    verifier.verify(await idp.token(claims), idp.policy({ boundClaims })).then(
      () => 'ok',
      (error: VerificationError) => error.reason,
    );

  it('matches one value, an OR list, and ANDs across claims', async () => {
    expect(await check({ repository: 'acme/app' }, { repository: ['acme/app'] })).toBe('ok');
    expect(await check({ repository: 'acme/lib' }, { repository: ['acme/app'] })).toBe('claim_not_allowed');
    expect(await check({ repository: 'acme/lib' }, { repository: ['acme/app', 'acme/lib'] })).toBe('ok');
    expect(await check({ repository: 'acme/app', ref: 'refs/heads/dev' }, { repository: ['acme/app'], ref: ['refs/heads/main'] })).toBe('claim_not_allowed');
  });

  it('reports a missing claim with its name', async () => {
    const error = await verifier.verify(await idp.token(), idp.policy({ boundClaims: { environment: ['prod'] } })).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ reason: 'missing_claim', message: 'Access denied: token has no environment field' });
  });

  it('reads dot paths, dotted claim names and JSON pointers', async () => {
    expect(await check({ org: { team: 'platform' } }, { 'org.team': ['platform'] })).toBe('ok');
    const k8s = { 'kubernetes.io': { namespace: 'prod', serviceaccount: { name: 'ci' } } };
    expect(await check(k8s, { 'kubernetes.io.namespace': ['prod'] })).toBe('ok');
    expect(await check(k8s, { 'kubernetes.io.serviceaccount.name': ['ci'] })).toBe('ok');
    expect(await check(k8s, { '/kubernetes.io/namespace': ['prod'] })).toBe('ok');
    expect(await check(k8s, { '/kubernetes.io/namespace': ['dev'] })).toBe('claim_not_allowed');
    expect(await check({ 'https://example.com/groups': ['admins'] }, { 'https://example.com/groups': ['admins'] })).toBe('ok');
  });

  it('matches any element of an array claim', async () => {
    expect(await check({ groups: ['dev', 'admins'] }, { groups: ['admins'] })).toBe('ok');
    expect(await check({ groups: ['dev'] }, { groups: ['admins'] })).toBe('claim_not_allowed');
    expect(await check({ groups: [] }, { groups: ['admins'] })).toBe('claim_not_allowed');
    expect(await check({ groups: ['admins'] }, { groups: ['adm*'] })).toBe('ok');
  });

  it('compares booleans and numbers by their JSON text, false and 0 included', async () => {
    expect(await check({ ref_protected: true }, { ref_protected: ['true'] })).toBe('ok');
    expect(await check({ ref_protected: 'true' }, { ref_protected: ['true'] })).toBe('ok');
    expect(await check({ ref_protected: false }, { ref_protected: ['false'] })).toBe('ok');
    expect(await check({ ref_protected: false }, { ref_protected: ['true'] })).toBe('claim_not_allowed');
    expect(await check({ run_attempt: 1 }, { run_attempt: ['1'] })).toBe('ok');
    expect(await check({ run_attempt: 0 }, { run_attempt: ['0'] })).toBe('ok');
    expect(await check({ run_attempt: 10 }, { run_attempt: ['1*'] })).toBe('claim_not_allowed');
  });

  it('treats object and null claims as missing', async () => {
    expect(await check({ meta: { a: 1 } }, { meta: ['x'] })).toBe('missing_claim');
    expect(await check({ meta: null }, { meta: ['x'] })).toBe('missing_claim');
  });

  it('matches workflow refs with globs', async () => {
    const ref = 'acme/wf/.github/workflows/deploy.yml@refs/heads/main';
    expect(await check({ job_workflow_ref: ref }, { job_workflow_ref: ['acme/wf/.github/workflows/*@refs/heads/main'] })).toBe('ok');
  });
});

describe('malformed input (§5.9)', () => {
  let idp: TestIssuer;
  let verifier: WorkloadJwtVerifier;

  beforeAll(async () => {
    idp = await TestIssuer.start({ keys: ['ES256'] });
    verifier = new WorkloadJwtVerifier(LOOPBACK);
  });
  afterAll(() => idp.close());

  it('refuses malformed tokens before any network access', async () => {
    const header = b64({ alg: 'ES256', kid: 'es256-1' });
    const payload = b64(idp.claims());
    const malformed: unknown[] = [
      'abc',
      'a.b',
      '!!!.@@@.###',
      '',
      `${header}.${payload}`,
      `${header}.${payload}.sig.extra`,
      `${header}.${payload}.AA.BB.CC`, // five parts: JWE
      `${b64('x')}.${payload}.AAAA`, // header is JSON but not an object
      `${Buffer.from('not json').toString('base64url')}.${payload}.AAAA`,
      `${header}.${Buffer.from('{"sub":').toString('base64url')}.AAAA`,
      `${header}.${b64([1, 2])}.AAAA`,
      `${b64({ alg: 'ES256', crit: ['exp'] })}.${payload}.AAAA`,
      `${b64({ alg: 'ES256', kid: 7 })}.${payload}.AAAA`,
      ` ${header}.${payload}.AAAA`,
      42,
      undefined,
    ];
    for (const jwt of malformed) {
      await expect(verifier.verify(jwt as string, idp.policy())).rejects.toMatchObject({ reason: 'invalid_jwt', message: 'Invalid JWT' });
    }
    expect(idp.requestCount('/.well-known/openid-configuration')).toBe(0);
  });

  it('refuses oversized tokens', async () => {
    const big = await idp.token({ padding: 'x'.repeat(100_000) });
    await expect(verifier.verify(big, idp.policy())).rejects.toMatchObject({ reason: 'token_too_large' });
    const small = new WorkloadJwtVerifier({ ...LOOPBACK, maxTokenBytes: 64 });
    await expect(small.verify(await idp.token(), idp.policy())).rejects.toMatchObject({ reason: 'token_too_large' });
    expect(idp.requestCount('/.well-known/openid-configuration')).toBe(0);
  });

  it('refuses an unusable policy with a clear reason', async () => {
    const token = await idp.token();
    for (const policy of [
      idp.policy({ boundClaims: { environment: [] } }),
      idp.policy({ boundClaims: { environment: [''] } }),
      idp.policy({ boundAudiences: [''] }),
      idp.policy({ oidcDiscoveryUrl: 'not a url' }),
      idp.policy({ oidcDiscoveryUrl: 'ftp://idp.test' }),
      idp.policy({ caCert: 'not a certificate' }),
    ]) {
      await expect(verifier.verify(token, policy)).rejects.toMatchObject({ reason: 'policy_invalid' });
    }
  });
});
