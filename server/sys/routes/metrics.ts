/**
 * `GET /v1/sys/metrics`: process health figures for operators and the benchmarks — event-loop
 * delay (how long the loop was blocked), memory and CPU. `?reset=true` starts a new event-loop
 * measurement window. Needs a token whose policy grants read on `sys/metrics` (root does).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { invalidRequest } from '../../errors.js';
import { definePath, type VaultPath } from '../../http/vault_path.js';
import type { Services } from '../../services.js';

export function metricsPaths(services?: Services): VaultPath[] {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const ms = (ns: number): number => Math.round(ns / 1e4) / 100;
  return [
    definePath({
      pattern: '/sys/metrics',
      fields: { reset: { type: 'bool' }, format: { type: 'string', max: 32 } },
      mountType: 'system',
      // Vault's unauthenticated_metrics_access: scrapers without a token (server/metrics).
      ...(services?.config.metricsUnauthenticated ? { unauthenticated: ['read' as const] } : {}),
      operations: {
        read: async (req) => {
          if (req.data.format === 'prometheus') {
            if (!services?.metrics) throw invalidRequest('prometheus metrics are not enabled');
            const { text, contentType } = await services.metrics.exposition();
            return { raw: true, status: 200, body: undefined, text, headers: { 'Content-Type': contentType } };
          }
          if (req.data.format !== undefined && req.data.format !== '' && req.data.format !== 'json') {
            throw invalidRequest(`unknown metrics format ${JSON.stringify(req.data.format)} (json or prometheus)`);
          }
          const memory = process.memoryUsage();
          const cpu = process.cpuUsage();
          const data = {
            event_loop_delay_ms: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max), mean: ms(delay.mean) },
            rss_bytes: memory.rss,
            heap_used_bytes: memory.heapUsed,
            cpu_user_us: cpu.user,
            cpu_system_us: cpu.system,
            uptime_seconds: Math.round(process.uptime()),
          };
          if (req.data.reset) delay.reset();
          return { data };
        },
      },
    }),
  ];
}
