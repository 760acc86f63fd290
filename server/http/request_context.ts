/**
 * Per-request context shared by every route: a request id (echoed as `X-Request-Id`), the client
 * address as resolved through trusted proxies, and a logger bound to both. One log line per request
 * is written when the response finishes.
 */
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../log.js';
import { canonicalIp, type Cidr } from '../util/cidr.js';
import { clientIp } from './client_ip.js';

export interface RequestContext {
  readonly requestId: string;
  readonly clientIp: string;
  readonly log: Logger;
}

const contexts = new WeakMap<Request, RequestContext>();
/** The canonical peer address of each connection: it cannot change, and keep-alive reuses it. */
const peers = new WeakMap<Socket, string>();

export function requestContext(req: Request): RequestContext {
  const ctx = contexts.get(req);
  if (!ctx) throw new Error('request context middleware is not installed');
  return ctx;
}

export function requestContextMiddleware(log: Logger, trustedProxies: readonly Cidr[]) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const requestId = randomUUID();
    const forwardedFor = req.headers['x-forwarded-for'];
    // Without a trusted proxy in play the client is the peer, so the connection's answer holds.
    const ip =
      trustedProxies.length === 0 || forwardedFor === undefined
        ? peerAddress(req.socket)
        : clientIp(req.socket.remoteAddress, forwardedFor, trustedProxies);
    const ctx: RequestContext = { requestId, clientIp: ip, log: log.child({ request_id: requestId }) };
    contexts.set(req, ctx);
    res.setHeader('X-Request-Id', requestId);
    const started = performance.now();
    res.on('finish', () => {
      // The path only: query strings can carry codes and tokens.
      const query = req.originalUrl.indexOf('?');
      ctx.log.info('request', {
        method: req.method,
        path: query === -1 ? req.originalUrl : req.originalUrl.slice(0, query),
        status: res.statusCode,
        duration_ms: Math.round((performance.now() - started) * 100) / 100,
        client_ip: ip,
      });
    });
    next();
  };
}

function peerAddress(socket: Socket): string {
  let peer = peers.get(socket);
  if (peer === undefined) {
    // A destroyed socket has no address; that answer is not kept.
    if (socket.remoteAddress === undefined) return canonicalIp('');
    peer = canonicalIp(socket.remoteAddress);
    peers.set(socket, peer);
  }
  return peer;
}
