/**
 * Per-request context shared by every route: a request id (echoed as `X-Request-Id`), the client
 * address as resolved through trusted proxies, and a logger bound to both. One log line per request
 * is written when the response finishes.
 */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../log.js';
import type { Cidr } from '../util/cidr.js';
import { clientIp } from './client_ip.js';

export interface RequestContext {
  readonly requestId: string;
  readonly clientIp: string;
  readonly log: Logger;
}

const contexts = new WeakMap<Request, RequestContext>();

export function requestContext(req: Request): RequestContext {
  const ctx = contexts.get(req);
  if (!ctx) throw new Error('request context middleware is not installed');
  return ctx;
}

export function requestContextMiddleware(log: Logger, trustedProxies: readonly Cidr[]) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const requestId = randomUUID();
    const ip = clientIp(req.socket.remoteAddress, req.headers['x-forwarded-for'], trustedProxies);
    const ctx: RequestContext = { requestId, clientIp: ip, log: log.child({ request_id: requestId }) };
    contexts.set(req, ctx);
    res.setHeader('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      // The path only: query strings can carry codes and tokens.
      ctx.log.info('request', {
        method: req.method,
        path: req.originalUrl.split('?')[0],
        status: res.statusCode,
        duration_ms: Math.round(ms * 100) / 100,
        client_ip: ip,
      });
    });
    next();
  };
}
