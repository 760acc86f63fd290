/**
 * Prometheus metrics (prom-client), one registry per running server. Every label value comes from
 * a bounded set: route templates (never raw paths), methods, statuses, login methods and reason
 * codes, configured provider and client names, record kinds. No entity ids, no token anything.
 */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'lanyard_http_requests_total',
    help: 'HTTP requests answered, by route template, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'lanyard_http_request_duration_seconds',
    help: 'Time from the request’s arrival to its answer, by route template, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly logins = new Counter({
    name: 'lanyard_logins_total',
    help: 'Logins by method (userpass, oidc-auth, sso, oidc-provider-page), outcome (success, failure) and reason code.',
    labelNames: ['method', 'outcome', 'reason'] as const,
    registers: [this.registry],
  });

  readonly tokensIssued = new Counter({ name: 'lanyard_tokens_issued_total', help: 'Lanyard tokens issued.', registers: [this.registry] });
  readonly tokensRenewed = new Counter({ name: 'lanyard_tokens_renewed_total', help: 'Lanyard token renewals.', registers: [this.registry] });
  readonly tokensRevoked = new Counter({
    name: 'lanyard_tokens_revoked_total',
    help: 'Lanyard tokens revoked (children included).',
    registers: [this.registry],
  });

  readonly oidcGrants = new Counter({
    name: 'lanyard_oidc_grants_total',
    help: 'OIDC provider token-endpoint outcomes by provider, client, grant type and outcome.',
    labelNames: ['provider', 'client_id', 'grant_type', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly verifierCache = new Counter({
    name: 'lanyard_verifier_cache_total',
    help: 'Machine-login discovery and JWKS cache lookups by issuer: hit, miss, fetch_error.',
    labelNames: ['issuer', 'cache', 'result'] as const,
    registers: [this.registry],
  });

  readonly storageDuration = new Histogram({
    name: 'lanyard_storage_operation_duration_seconds',
    help: 'Store operation latency by operation and record kind.',
    labelNames: ['operation', 'kind'] as const,
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });

  readonly storageErrors = new Counter({
    name: 'lanyard_storage_operation_errors_total',
    help: 'Store operations that failed, by operation and record kind.',
    labelNames: ['operation', 'kind'] as const,
    registers: [this.registry],
  });

  /** Children bound per label set, for the metrics every request and storage call updates. */
  readonly httpRequestsFor = bound((route: string, method: string, status: string) => this.httpRequests.labels(route, method, status));
  readonly httpDurationFor = bound((route: string, method: string, status: string) => this.httpDuration.labels(route, method, status));
  readonly storageDurationFor = bound((operation: string, kind: string) => this.storageDuration.labels(operation, kind));

  constructor() {
    // Process CPU, memory, file descriptors, GC, and event-loop delay (nodejs_eventloop_lag_*).
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 10 });
  }

  /** The exposition text and its content type. */
  async exposition(): Promise<{ text: string; contentType: string }> {
    return { text: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}

/**
 * A metric's children, bound once per label set: prom-client sorts and hashes the label object on
 * every update otherwise, which every request and every storage call would pay. The label sets
 * are bounded (see the top of this file), so the cache is too.
 */
function bound<A extends string[], C>(bind: (...labels: A) => C): (...labels: A) => C {
  const children = new Map<string, C>();
  return (...labels) => {
    const key = labels.join('\u0000');
    let child = children.get(key);
    if (child === undefined) {
      child = bind(...labels);
      children.set(key, child);
    }
    return child;
  };
}
