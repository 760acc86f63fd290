/** The long-lived parts of a running server, built once by the runtime and handed to routes. */
import type { Seal } from '../keys/seal.js';
import type { Storage } from '../storage/types.js';
import type { AuditBroker } from './audit/broker.js';
import type { Metrics } from './metrics/metrics.js';
import type { Authenticator } from './auth/authenticator.js';
import type { ServerConfig } from './config.js';
import type { Logger } from './log.js';
import type { InitService } from './sys/init_service.js';
import type { PolicyStore } from './policy/store.js';
import type { TokenService } from './tokens/token_service.js';

export interface Services {
  readonly config: ServerConfig;
  readonly storage: Storage;
  /** The backend under `storage`'s wrappers (metrics, snapshot gate): for its own status only. */
  readonly storageBackend?: Storage;
  readonly seal: Seal;
  readonly log: Logger;
  readonly tokens: TokenService;
  readonly policies: PolicyStore;
  readonly init: InitService;
  readonly authenticator: Authenticator;
  /** The clock; injectable so tests move time without sleeping. */
  readonly now: () => number;
  /** Audit devices (server/audit); absent only where a test builds services by hand. */
  readonly audit?: AuditBroker;
  /** Prometheus metrics (server/metrics); absent only where a test builds services by hand. */
  readonly metrics?: Metrics;
}
