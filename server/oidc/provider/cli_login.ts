/**
 * The server side of `lanyard login -method=oidc headless=true`: a sign-in to Lanyard itself
 * through the device authorization grant, for terminals without a browser (SSH sessions).
 *
 *   GET  <issuer>/cli/client          → {client_id}: the provider's CLI client
 *   POST <issuer>/cli/login {access_token} → Vault's login answer (auth block, token `lys.…`)
 *
 * The CLI client is the OIDC client named `lanyard-cli`, created by an administrator (public,
 * grant_types with the device grant, the assignments of whoever may use the CLI) and allowed by
 * the provider: creating it is the decision that device sign-ins may become Lanyard tokens. Only
 * an access token that this client got through the device grant is exchanged, once (it is
 * destroyed), and only while the entity exists, is enabled and is assigned. The Lanyard token
 * carries the `default` policy plus the entity's and its groups' identity policies, as an SSO or
 * userpass login would; nothing a person could not already get by signing in.
 */
import express, { type Request, type Response, type Router } from 'express';
import type { EntityRecord } from '../../identity/types.js';
import { identityPoliciesOf } from '../../identity/membership.js';
import { requestContext } from '../../http/request_context.js';
import type { Services } from '../../services.js';
import { authBlock, loginAnswer } from '../../tokens/auth_block.js';
import { OIDC_KINDS } from '../admin/records.js';
import { DEVICE_CODE } from '../grant_types.js';
import { clientGrantTypes } from '../grant_types.js';
import type { ClientRecord } from '../types.js';
import { entityIsAssigned } from './assignments.js';
import { requestInstance } from './request_instance.js';

export const CLI_CLIENT_NAME = 'lanyard-cli';
/** How node-oidc-provider records the device grant on the tokens it issues (`gty`). */
const DEVICE_GTY = 'device_code';

const body = express.json({ limit: '16kb' });
const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 4 });

function refuse(res: Response, status: number, error: string, description: string): void {
  res.status(status).set('Cache-Control', 'no-store').json({ error, error_description: description });
}

export function cliLoginRoutes(services: Services): Router {
  const router = express.Router({ caseSensitive: true, strict: true });

  /** The CLI client when it exists, this provider serves it and it may use the device grant. */
  const cliClient = async (res: Response): Promise<ClientRecord | undefined> => {
    const record = await services.storage.get<ClientRecord>(OIDC_KINDS.client, CLI_CLIENT_NAME);
    if (record === undefined || !clientGrantTypes(record).includes(DEVICE_CODE)) return undefined;
    return (await requestInstance(res).clients.lookup(record.client_id)) === undefined ? undefined : record;
  };

  router.get('/cli/client', async (_req, res) => {
    const client = await cliClient(res);
    if (client === undefined) return refuse(res, 404, 'invalid_client', `this provider has no ${CLI_CLIENT_NAME} client with the device grant`);
    res.set('Cache-Control', 'no-store').json({ client_id: client.client_id });
  });

  router.post('/cli/login', body, form, async (req: Request, res: Response) => {
    const value = (req.body as Record<string, unknown> | undefined)?.access_token;
    if (typeof value !== 'string' || value === '' || value.length > 4096) return refuse(res, 400, 'invalid_request', 'access_token is required');
    const client = await cliClient(res);
    if (client === undefined) return refuse(res, 404, 'invalid_client', `this provider has no ${CLI_CLIENT_NAME} client with the device grant`);

    const { provider } = requestInstance(res);
    const token = await provider.AccessToken.find(value);
    const gty = token?.gty;
    if (token === undefined || token.clientId !== client.client_id || typeof gty !== 'string' || !gty.split(' ').includes(DEVICE_GTY) || token.accountId === undefined) {
      return refuse(res, 401, 'invalid_token', `not an access token of a device sign-in with ${CLI_CLIENT_NAME}`);
    }
    const grant = token.grantId === undefined ? undefined : await provider.Grant.find(token.grantId);
    const entity = await services.storage.get<EntityRecord>('entity', token.accountId);
    if (grant === undefined || entity === undefined || !(await entityIsAssigned(services.storage, services.log, client, entity))) {
      return refuse(res, 401, 'invalid_token', 'the sign-in is no longer valid');
    }
    // One exchange per device sign-in.
    await token.destroy();

    const issued = await services.tokens.create({
      policies: ['default'],
      entityId: entity.id,
      displayName: `oidc-device-${entity.name}`,
      meta: { provider: requestInstance(res).name },
      path: 'auth/oidc/device',
    });
    const identityPolicies = await identityPoliciesOf(services.storage, entity);
    const { requestId, log } = requestContext(req);
    log.info('cli device sign-in', { provider: requestInstance(res).name, entity_id: entity.id, token_accessor: issued.record.accessor });
    res.set('Cache-Control', 'no-store').json(loginAnswer(requestId, authBlock(issued.token, issued.record, services.tokens.ttlOf(issued.record), identityPolicies), 'oidc'));
  });
  return router;
}
