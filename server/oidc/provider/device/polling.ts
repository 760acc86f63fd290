/**
 * RFC 8628 §3.5 polling rules at the token endpoint, which node-oidc-provider leaves to the
 * deployment: it answers authorization_pending on every poll however fast, and a code whose
 * record is gone as invalid_grant.
 *
 * When the device authorization endpoint hands out a device code, a small poll record is kept
 * (by a SHA-256 of the code, never the code) with the code's expiry and the polling interval.
 * On each device_code poll that the library answered with authorization_pending:
 *   - polled again sooner than the interval → `slow_down`, and the interval grows by 5 seconds
 *     for all later polls (§3.5);
 * and whatever the library answered short of tokens:
 *   - the code's lifetime is over → `expired_token`.
 * Times are the server clock (Services.now), like the rest of the OIDC state.
 */
import { createHash } from 'node:crypto';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Services } from '../../../services.js';
import { STATE_KIND } from '../adapter.js';
import { DEVICE_CODE } from '../../grant_types.js';

/** RFC 8628 §3.2: the minimum seconds between polls when the server says nothing else. */
export const DEFAULT_POLL_INTERVAL = 5;
const SLOW_DOWN_STEP = 5;
/** Poll records outlive their code a little, so a late poll still hears expired_token. */
const EXPIRED_GRACE_MS = 60 * 60 * 1000;

interface PollRecord {
  readonly expiresAt: number;
  readonly interval: number;
  readonly lastPoll: number;
}

type Middleware = (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>;

export function devicePolling(services: Pick<Services, 'storage' | 'now'>, provider: string): Middleware {
  const key = (deviceCode: string) => `${provider}:DevicePoll:${createHash('sha256').update(deviceCode).digest('base64url')}`;
  const save = (deviceCode: string, record: PollRecord) =>
    services.storage.put(STATE_KIND, key(deviceCode), record, { expiresAt: Math.max(Date.now(), services.now()) + (record.expiresAt - services.now()) + EXPIRED_GRACE_MS });

  return async (ctx, next) => {
    await next();
    const route = ctx.oidc?.route;
    if (route === 'device_authorization' && ctx.status === 200) {
      const body = ctx.body as { device_code?: unknown; expires_in?: unknown; interval?: unknown };
      if (typeof body.device_code !== 'string' || typeof body.expires_in !== 'number') return;
      // Say the interval explicitly, so clients need not know RFC 8628's default.
      body.interval ??= DEFAULT_POLL_INTERVAL;
      await save(body.device_code, { expiresAt: services.now() + body.expires_in * 1000, interval: Number(body.interval), lastPoll: 0 });
      return;
    }
    if (route !== 'token' || ctx.oidc.params?.grant_type !== DEVICE_CODE || ctx.status === 200) return;
    const deviceCode = ctx.oidc.params.device_code;
    if (typeof deviceCode !== 'string') return;
    const record = await services.storage.get<PollRecord>(STATE_KIND, key(deviceCode));
    if (record === undefined) return;
    const now = services.now();
    const error = (ctx.body as { error?: unknown } | undefined)?.error;
    if (now >= record.expiresAt && (error === 'authorization_pending' || error === 'invalid_grant' || error === 'slow_down')) {
      answer(ctx, 'expired_token', 'device code is expired');
      return;
    }
    if (error !== 'authorization_pending') return;
    const tooSoon = record.lastPoll > 0 && now - record.lastPoll < record.interval * 1000;
    const interval = tooSoon ? record.interval + SLOW_DOWN_STEP : record.interval;
    await save(deviceCode, { ...record, interval, lastPoll: now });
    if (tooSoon) answer(ctx, 'slow_down', `polling too quickly: wait at least ${interval} seconds between requests`);
  };
}

function answer(ctx: KoaContextWithOIDC, error: string, description: string): void {
  ctx.status = 400;
  ctx.body = { error, error_description: description };
}
