/**
 * A Lanyard server's own Prometheus metrics (`/v1/sys/metrics?format=prometheus`), read by the
 * benchmarks to say what a run cost beyond time: storage calls, garbage collection, event-loop
 * delay. Reading resets prom-client's event-loop delay histogram, so a read right before a run
 * makes the next read cover the run alone.
 */
import type { ServerProcess } from './server_process.js';

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export async function readServerMetrics(server: Pick<ServerProcess, 'url' | 'rootToken'>): Promise<Sample[]> {
  const res = await fetch(`${server.url}/v1/sys/metrics?format=prometheus`, { headers: { 'x-vault-token': server.rootToken } });
  if (!res.ok) throw new Error(`metrics: ${res.status}`);
  const samples: Sample[] = [];
  for (const line of (await res.text()).split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key as string] = value as string;
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of a metric's samples whose labels include `labels`. */
export function total(samples: readonly Sample[], name: string, labels: Readonly<Record<string, string>> = {}): number {
  return samples
    .filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
    .reduce((sum, sample) => sum + sample.value, 0);
}

/** What garbage collection and event-loop delay a run cost, from metrics read before and after it. */
export interface PauseReport {
  readonly majorGcs: number;
  readonly majorGcMs: number;
  /** Scavenges and incremental marking steps. */
  readonly otherGcMs: number;
  /** The longest event-loop delay seen during the run (sampled every 10 ms). */
  readonly maxDelayMs: number;
  readonly p99DelayMs: number;
}

export function pausesBetween(before: readonly Sample[], after: readonly Sample[]): PauseReport {
  const gc = (suffix: '_sum' | '_count', kind: string) =>
    total(after, `nodejs_gc_duration_seconds${suffix}`, { kind }) - total(before, `nodejs_gc_duration_seconds${suffix}`, { kind });
  const allGcSeconds = total(after, 'nodejs_gc_duration_seconds_sum') - total(before, 'nodejs_gc_duration_seconds_sum');
  return {
    majorGcs: gc('_count', 'major'),
    majorGcMs: gc('_sum', 'major') * 1000,
    otherGcMs: (allGcSeconds - gc('_sum', 'major')) * 1000,
    maxDelayMs: total(after, 'nodejs_eventloop_lag_max_seconds') * 1000,
    p99DelayMs: total(after, 'nodejs_eventloop_lag_p99_seconds') * 1000,
  };
}

export function describePauses(pauses: PauseReport): string {
  return `${pauses.majorGcs} (${pauses.majorGcMs.toFixed(0)} ms) | ${pauses.otherGcMs.toFixed(0)} ms | ${pauses.maxDelayMs.toFixed(0)} / ${pauses.p99DelayMs.toFixed(0)} ms`;
}
