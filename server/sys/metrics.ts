/**
 * `GET /v1/sys/metrics`: process health figures for operators and the benchmarks — event-loop
 * delay (how long the loop was blocked), memory and CPU. `?reset=true` starts a new event-loop
 * measurement window. Needs a token whose policy grants read on `sys/metrics` (root does).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { definePath, type VaultPath } from '../http/vault_path.js';

export function metricsPaths(): VaultPath[] {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const ms = (ns: number): number => Math.round(ns / 1e4) / 100;
  return [
    definePath({
      pattern: '/sys/metrics',
      fields: { reset: { type: 'bool' } },
      mountType: 'system',
      operations: {
        read: async (req) => {
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
  ] as VaultPath[];
}
