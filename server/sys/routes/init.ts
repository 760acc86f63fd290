/**
 * `GET /v1/sys/init` → `{initialized, organization_id}`; `PUT|POST /v1/sys/init` initialises a
 * fresh server once and answers `{root_token, organization_id}` (raw JSON, as Vault's sys/init).
 */
import type { Request, Response } from 'express';
import { LanyardError } from '../../errors.js';
import { requestContext } from '../../http/request_context.js';
import { sendVaultError } from '../../http/vault_response.js';
import type { Services } from '../../services.js';

export function initStatusHandler(services: Services) {
  return async (req: Request, res: Response): Promise<void> => {
    try {
      const instance = await services.init.instance();
      res.setHeader('Cache-Control', 'no-store');
      res.json({ initialized: instance !== undefined, organization_id: instance?.organization_id ?? '' });
    } catch (err) {
      sendVaultError(res, err, requestContext(req));
    }
  };
}

export function initHandler(services: Services) {
  return async (req: Request, res: Response): Promise<void> => {
    const ctx = requestContext(req);
    try {
      if (services.config.dev) throw new LanyardError('already_initialized', 'Lanyard is already initialized (dev mode initialises itself)');
      const { rootToken, instance } = await services.init.initialize();
      await services.policies.ensureDefault();
      ctx.log.info('initialized', { organization_id: instance.organization_id });
      res.setHeader('Cache-Control', 'no-store');
      res.json({ root_token: rootToken, organization_id: instance.organization_id });
    } catch (err) {
      sendVaultError(res, err, ctx);
    }
  };
}
