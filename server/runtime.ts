/**
 * Building a running Lanyard from its configuration: the data directory, the seal key, the two
 * stores (lowdb for configuration, SQLite for state), the services, dev-mode initialisation, the
 * background garbage collector, and an orderly shutdown.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Express } from 'express';
import { loadSealKey } from '../keys/seal.js';
import { CompositeStorage } from '../storage/composite.js';
import { LowdbStorage } from '../storage/lowdb.js';
import { CONFIG_KINDS, STATE_KINDS } from '../storage/schema.js';
import { SqliteStorage } from '../storage/sqlite.js';
import type { Storage } from '../storage/types.js';
import { createApp, type AppFeatures } from './app.js';
import { Authenticator } from './auth/authenticator.js';
import type { ServerConfig } from './config.js';
import type { Logger } from './log.js';
import type { Services } from './services.js';
import { InitService } from './sys/init_service.js';
import { PolicyStore } from './policy/store.js';
import { TokenService } from './tokens/token_service.js';
import { features } from './features.js';
import { AuditBroker } from './audit/broker.js';
import { InstrumentedStorage } from './metrics/instrumented_storage.js';
import { Metrics } from './metrics/metrics.js';
import { GatedStorage } from './snapshot/gated_storage.js';
import { countTokens } from './metrics/token_metrics.js';
import { ensureOidcBuiltins } from './oidc/builtins.js';
import { startKeyRotation } from './oidc/key_rotation.js';
import { sweepExpired } from './cluster/expiry_sweep.js';
import { openPostgresStorage } from './cluster/open_storage.js';
import { sealFromBase64 } from './cluster/seal_check.js';
import { resealLegacySsoSecrets } from './sso/config_store.js';
import { keepClusterMethods, withClusterLock, watchChanges } from '../storage/cluster.js';
import { makePrivateDir } from './data_dir.js';
import { installRevocationTriggers } from './oidc/revocation_triggers.js';
import { deliveriesSettled } from './oidc/backchannel/in_flight.js';

export interface Runtime {
  readonly services: Services;
  readonly app: Express;
  readonly dataDir: string;
  /** The root token, only when dev mode created or confirmed one in this start. */
  readonly devRootToken: string | undefined;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  readonly now?: () => number;
  /** Replace the feature set (tests mount subsets). */
  readonly features?: AppFeatures;
  readonly gcIntervalMs?: number;
  /** Where SIGHUP arrives (audit files reopen on it); the process unless a test stands in for it. */
  readonly signals?: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
}

export async function openStorage(dataDir: string, config: Pick<ServerConfig, 'sqliteSynchronous'>, now: () => number = Date.now): Promise<Storage> {
  const configStore = await LowdbStorage.open(join(dataDir, 'config.json'), CONFIG_KINDS, { now });
  // Tokens and entities are read by nearly every authenticated request; this process is the only
  // writer of its data dir (lowdb's configuration is held in memory the same way).
  const stateStore = await SqliteStorage.open(join(dataDir, 'state.db'), STATE_KINDS, { synchronous: config.sqliteSynchronous, now, cachedKinds: ['token', 'entity'] });
  const routes: Record<string, Storage> = {};
  for (const kind of Object.keys(CONFIG_KINDS)) routes[kind] = configStore;
  for (const kind of Object.keys(STATE_KINDS)) routes[kind] = stateStore;
  return new CompositeStorage(routes);
}

export async function startRuntime(config: ServerConfig, log: Logger, options: RuntimeOptions = {}): Promise<Runtime> {
  const temporary = config.dataDir === undefined;
  const dataDir = config.dataDir ?? (await mkdtemp(join(tmpdir(), 'lanyard-dev-')));
  const dataDirWarning = await makePrivateDir(dataDir);
  if (dataDirWarning !== undefined) log.warn(dataDirWarning, { data_dir: dataDir });
  const seal = config.sealKey
    ? sealFromBase64(config.sealKey)
    : await loadSealKey(config.sealKeyFile ?? join(dataDir, 'seal.key'), { create: config.sealKeyFile === undefined });
  const now = options.now ?? Date.now;
  const metrics = new Metrics();
  const backend = config.storage === 'postgres' ? await openPostgresStorage(config, seal, log, now) : await openStorage(dataDir, config, now);
  // The wrappers keep the backend's cluster lock and change feed (storage/cluster.ts).
  const storage = keepClusterMethods(new GatedStorage(new InstrumentedStorage(backend, metrics)), backend);

  const tokens = new TokenService(storage, { defaultTtl: config.defaultTokenTtl, maxTtl: config.maxTokenTtl }, now);
  countTokens(tokens, metrics);
  const policies = new PolicyStore(storage);
  // Another replica's policy change drops this one's parsed policies and compiled ACLs.
  watchChanges(storage, (change) => (change === 'all' || change.kind === 'policy') && policies.invalidate());
  const init = new InitService(storage, tokens);
  const services: Services = {
    config,
    storage,
    storageBackend: backend,
    seal,
    log,
    tokens,
    policies,
    init,
    authenticator: new Authenticator(storage, tokens, policies),
    now,
    audit: await AuditBroker.open(storage, seal, log),
    metrics,
  };

  let devRootToken: string | undefined;
  // Replicas starting together on one database agree on one initialisation.
  if (config.dev) devRootToken = await withClusterLock(storage, 'init', () => ensureDevInitialized(services));
  if (await init.initialized()) await policies.ensureDefault();
  await ensureOidcBuiltins(services);
  await resealLegacySsoSecrets(storage, seal);
  installRevocationTriggers(services);

  const app = createApp(services, options.features ?? features);

  const gcIntervalMs = options.gcIntervalMs ?? 60_000;
  const gc = setInterval(() => {
    sweepExpired(storage, now(), gcIntervalMs).then(
      (removed) => removed > 0 && log.debug('expired records removed', { count: removed }),
      (err: unknown) => log.error('garbage collection failed', { error: err }),
    );
  }, gcIntervalMs);
  gc.unref();
  const stopKeyRotation = startKeyRotation(services);
  // logrotate: SIGHUP reopens audit files.
  const reopenAudit = (): void => services.audit?.reopen();
  const signals = options.signals ?? process;
  signals.on('SIGHUP', reopenAudit);

  return {
    services,
    app,
    dataDir,
    devRootToken,
    async close() {
      clearInterval(gc);
      stopKeyRotation();
      signals.off('SIGHUP', reopenAudit);
      await services.audit?.close();
      // Back-channel logouts already started finish (each has a deadline) before storage closes.
      await deliveriesSettled(services);
      await storage.close().catch((err: unknown) => log.debug('storage was already closed', { error: err }));
      if (temporary) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Dev mode initialises itself; a chosen root token keeps working across restarts. */
async function ensureDevInitialized(services: Services): Promise<string | undefined> {
  const chosen = services.config.devRootToken;
  if (!(await services.init.initialized())) {
    const { rootToken } = await services.init.initialize(chosen ? { rootToken: chosen } : {});
    return rootToken;
  }
  if (chosen && !(await services.tokens.lookup(chosen))) {
    await services.tokens.create({ policies: ['root'], path: 'auth/token/root', displayName: 'root', neverExpires: true, value: chosen });
  }
  return chosen;
}
