/** The admin dry run: every check reported, nothing issued, nothing written. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { TestIssuer } from '../support/jwt_issuer.js';
import { api, type TestServer } from '../support/server.js';
import { baseConfig, configPath, configuredIdentity, createIdentity, expectInfisicalError, startMachineServer } from './machine_support.js';

let server: TestServer;
let idp: TestIssuer;

beforeAll(async () => {
  server = await startMachineServer();
  idp = await TestIssuer.start();
});
afterAll(async () => {
  await server.destroy();
  await idp.close();
});

const explain = (identityId: string, jwt: string, token?: string | null) => api(server, 'POST', `${configPath(identityId)}/explain`, { jwt }, token);

describe('explain', () => {
  it('reports every check of an accepted token and the metadata it would map, issuing nothing', async () => {
    const id = await configuredIdentity(server, baseConfig(idp, { claimMetadataMapping: { repo: 'repository' }, boundClaims: { repository: 'acme/*' } }));
    const res = await explain(id, await idp.token({ repository: 'acme/app' }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ identityId: id, ok: true, identityDisabled: false, claimMetadata: { ok: true, metadata: { repo: 'acme/app' } } });
    expect(res.body.explanation.signatureVerified).toBe(true);
    expect(res.body.explanation.steps.map((step: { check: string }) => step.check)).toEqual([
      'policy', 'token_format', 'algorithm', 'provider_keys', 'signing_key', 'signature', 'exp', 'iat', 'issuer', 'subject', 'audience', 'claim',
    ]);
    expect(res.body.accessTokenTrustedIps).toHaveLength(2);
    expect(await server.runtime.services.storage.findBy('token', 'entity', id)).toEqual([]);
    expect((await api(server, 'GET', `/v1/identity/entity/id/${id}`)).body.data.aliases).toEqual([]);
  });

  it('shows every failing check of a refused token with its reason', async () => {
    const id = await configuredIdentity(server, baseConfig(idp, { boundClaims: { repository: 'acme/app' } }));
    const res = await explain(id, await idp.token({ sub: 'repo:evil/app:ref:refs/heads/main', aud: 'other', repository: 'evil/app' }));
    expect(res.status).toBe(200);
    expect(res.body.ok).toBe(false);
    expect(res.body.explanation).toMatchObject({ ok: false, reason: 'subject_not_allowed', message: 'Access denied: OIDC subject not allowed.' });
    const failed = res.body.explanation.steps.filter((step: { ok: boolean }) => !step.ok).map((step: { reason: string }) => step.reason);
    expect(failed).toEqual(['subject_not_allowed', 'audience_not_allowed', 'claim_not_allowed']);
    expect(res.body.claimMetadata).toEqual({ ok: false, skipped: 'the token was refused' });
  });

  it('reports a missing mapped claim and a disabled identity', async () => {
    const id = await configuredIdentity(server, baseConfig(idp, { claimMetadataMapping: { env: 'environment' } }));
    const missing = await explain(id, await idp.token());
    expect(missing.body).toMatchObject({ ok: false, claimMetadata: { ok: false, reason: 'missing_claim', message: 'Access denied: token has no environment field' } });
    await api(server, 'POST', `/v1/identity/entity/id/${id}`, { disabled: true });
    const disabled = await explain(id, await idp.token({ environment: 'prod' }));
    expect(disabled.body).toMatchObject({ ok: false, identityDisabled: true, explanation: { ok: true } });
  });

  it('explains garbage without failing and needs an admin token', async () => {
    const id = await configuredIdentity(server, baseConfig(idp));
    const res = await explain(id, 'not-a-jwt');
    expect(res.status).toBe(200);
    expect(res.body.explanation).toMatchObject({ ok: false, reason: 'invalid_jwt', signatureVerified: false });
    expectInfisicalError(await explain(id, 'x', null), 401, 'UnauthorizedError', 'Token missing');
    expectInfisicalError(await explain(await createIdentity(server), 'x'), 400, 'BadRequest', 'The identity does not have OIDC Auth attached');
  });
});
