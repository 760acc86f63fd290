/**
 * `GET|HEAD /v1/sys/health` with Vault's status-code semantics: 200 ready, 501 not initialised,
 * 503 storage unusable; `?uninitcode=`, `?sealedcode=` and `?activecode=` override the codes as in
 * Vault. Unauthenticated. The storage round trip is cached for a second so a health poller cannot
 * become a write load.
 */
import type { Request, Response } from 'express';
import type { Services } from '../../services.js';
import { VERSION } from '../../version.js';

const PING_CACHE_MS = 1000;

export function healthHandler(services: Services) {
  let lastPing = { at: -Infinity, ok: true };
  // Concurrent health requests share one ping instead of starting one each.
  let inFlight: Promise<boolean> | undefined;
  const storageOk = (): Promise<boolean> => {
    const now = services.now();
    if (now - lastPing.at < PING_CACHE_MS && now >= lastPing.at) return Promise.resolve(lastPing.ok);
    inFlight ??= services.storage
      .ping()
      .then(
        () => true,
        (err: unknown) => {
          services.log.error('storage health check failed', { error: err });
          return false;
        },
      )
      .then((ok) => {
        lastPing = { at: services.now(), ok };
        inFlight = undefined;
        return ok;
      });
    return inFlight;
  };

  return async (req: Request, res: Response): Promise<void> => {
    const healthy = await storageOk();
    const initialized = healthy && (await services.init.initialized());
    const code = (name: string, fallback: number): number => {
      const value = Number(req.query[name]);
      return Number.isInteger(value) && value >= 200 && value <= 599 ? value : fallback;
    };
    const status = !healthy ? code('sealedcode', 503) : !initialized ? code('uninitcode', 501) : code('activecode', 200);
    res.setHeader('Cache-Control', 'no-store');
    res.status(status);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    res.json({
      initialized,
      sealed: !healthy,
      standby: false,
      performance_standby: false,
      replication_performance_mode: 'disabled',
      replication_dr_mode: 'disabled',
      server_time_utc: Math.floor(Date.now() / 1000),
      version: VERSION,
      storage: healthy ? 'ok' : 'unavailable',
    });
  };
}
