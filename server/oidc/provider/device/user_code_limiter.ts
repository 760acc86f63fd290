/**
 * Brute-force limits on entering user codes (RFC 8628 §5.1): wrong codes are counted per client
 * address (as resolved through trusted proxies), with the same escalating lock as password
 * logins. A locked address gets a 429 page with Retry-After and its attempt never reaches the
 * lookup. One limiter per server, shared by all providers and provider rebuilds, and counting
 * across the cluster on a shared storage (server/cluster/shared_failures.ts): wrong codes spread
 * over several replicas add up to one lock.
 */
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Request } from 'express';
import { requestContext } from '../../../http/request_context.js';
import type { Services } from '../../../services.js';
import { failureLimiter, type Limiter } from '../../../cluster/shared_failures.js';
import type { FailurePolicy } from '../../../auth/failure_limiter.js';
import { setPage } from '../pages.js';
import { DEVICE_ROUTES, enteredUnknownCode } from './feature.js';
import { tooManyAttemptsPage } from './views.js';

const MINUTE = 60_000;
/** 10 wrong codes in 15 minutes lock the address for 5 minutes, doubling up to an hour. */
export const USER_CODE_FAILURES: FailurePolicy = { limit: 10, windowMs: 15 * MINUTE, baseLockMs: 5 * MINUTE, maxLockMs: 60 * MINUTE };

type LimiterServices = Pick<Services, 'now' | 'storage' | 'log'>;

const limiters = new WeakMap<object, Limiter>();

function limiterFor(services: LimiterServices): Limiter {
  let limiter = limiters.get(services);
  if (limiter === undefined) {
    limiter = failureLimiter(services, 'device_user_code', USER_CODE_FAILURES);
    limiters.set(services, limiter);
  }
  return limiter;
}

export function userCodeLimits(services: LimiterServices, provider: string) {
  const limiter = limiterFor(services);
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
    if (ctx.method !== 'POST' || ctx.path !== DEVICE_ROUTES.code_verification) return next();
    const key = `${provider}\n${requestContext(ctx.req as Request).clientIp}`;
    const waitMs = limiter.begin(key);
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      setPage(ctx, tooManyAttemptsPage(seconds));
      ctx.status = 429;
      ctx.set('Retry-After', String(seconds));
      return;
    }
    let failed = false;
    try {
      await next();
      failed = enteredUnknownCode(ctx);
    } finally {
      limiter.finish(key, failed);
    }
  };
}
