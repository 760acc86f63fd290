/**
 * Serving a runtime over HTTP: the listener (with Vault's raw LIST verb made parseable), the
 * startup banner, and graceful shutdown: stop accepting, let in-flight requests finish (bounded),
 * then close storage so pending writes land.
 */
import type { AddressInfo } from 'node:net';
import { requestListener } from './http/lean_lane.js';
import { createListVerbServer, type ListVerbServer } from './http/list_verb.js';
import type { Runtime } from './runtime.js';

export interface Listening {
  readonly address: AddressInfo;
  readonly url: string;
  /** Stop serving and close the runtime. Idempotent. */
  shutdown(reason?: string): Promise<void>;
}

const SHUTDOWN_GRACE_MS = 10_000;

export async function listen(runtime: Runtime, host: string, port: number): Promise<Listening> {
  const server: ListVerbServer = createListVerbServer(requestListener(runtime.app), {
    // Slowloris guards; the admin API has no long-polling endpoints.
    headersTimeout: 20_000,
    requestTimeout: 60_000,
    keepAliveTimeout: 5_000,
  });
  const address = await server.listen(port, host);
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;

  return {
    address,
    url: `http://${shownHost}:${address.port}`,
    shutdown(reason = 'shutdown') {
      closing ??= (async () => {
        runtime.services.log.info('shutting down', { reason });
        const force = setTimeout(() => server.http.closeAllConnections(), SHUTDOWN_GRACE_MS);
        force.unref();
        server.http.closeIdleConnections();
        await server.close();
        clearTimeout(force);
        await runtime.close();
        runtime.services.log.info('stopped');
      })();
      return closing;
    },
  };
}
