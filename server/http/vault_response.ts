/** Vault's error shape, `{"errors":[…]}`, for every failure on `/v1`. */
import type { Response } from 'express';
import { toLanyardError } from '../errors.js';
import type { RequestContext } from './request_context.js';

export function sendVaultError(res: Response, err: unknown, ctx: RequestContext): void {
  const error = toLanyardError(err);
  if (error.status >= 500) ctx.log.error('request failed', { code: error.code, detail: error.detail });
  else if (error.detail) ctx.log.debug('request refused', { code: error.code, reason: error.reason, detail: error.detail });
  if (res.headersSent) {
    res.destroy();
    return;
  }
  for (const [name, value] of Object.entries(error.headers ?? {})) res.setHeader(name, value);
  res.setHeader('Cache-Control', 'no-store');
  const message = error.expose ? error.message : 'internal error';
  res.status(error.status).json({ errors: message === '' ? [] : [message] });
}
