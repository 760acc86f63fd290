/**
 * Building a running Lanyard from its configuration: the data directory, the seal key, the two
 * stores (lowdb for configuration, SQLite for state), the services, dev-mode initialisation, the
 * background garbage collector, and an orderly shutdown.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
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
import { PolicyStore } from './sys/policy_store.js';
import { TokenService } from './tokens/token_service.js';
import { features } from './features.js';
import { ensureOidcBuiltins } from './oidc/builtins.js';
import { startKeyRotation } from './oidc/key_rotation.js';
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
}

export async function openStorage(dataDir: string, config: Pick<ServerConfig, 'sqliteSynchronous'>, now: () => number = Date.now): Promise<Storage> {
  const configStore = await LowdbStorage.open(join(dataDir, 'config.json'), CONFIG_KINDS, { now });
  const stateStore = await SqliteStorage.open(join(dataDir, 'state.db'), STATE_KINDS, { synchronous: config.sqliteSynchronous, now });
  const routes: Record<string, Storage> = {};
  for (const kind of Object.keys(CONFIG_KINDS)) routes[kind] = configStore;
  for (const kind of Object.keys(STATE_KINDS)) routes[kind] = stateStore;
  return new CompositeStorage(routes);
}

export async function startRuntime(config: ServerConfig, log: Logger, options: RuntimeOptions = {}): Promise<Runtime> {
  const temporary = config.dataDir === undefined;
  const dataDir = config.dataDir ?? (await mkdtemp(join(tmpdir(), 'lanyard-dev-')));
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const seal = await loadSealKey(config.sealKeyFile ?? join(dataDir, 'seal.key'), { create: config.sealKeyFile === undefined });
  const now = options.now ?? Date.now;
  const storage = await openStorage(dataDir, config, now);

  const tokens = new TokenService(storage, { defaultTtl: config.defaultTokenTtl, maxTtl: config.maxTokenTtl }, now);
  const policies = new PolicyStore(storage);
  const init = new InitService(storage, tokens);
  const services: Services = {
    config,
    storage,
    seal,
    log,
    tokens,
    policies,
    init,
    authenticator: new Authenticator(storage, tokens, policies),
    now,
  };

  let devRootToken: string | undefined;
  if (config.dev) devRootToken = await ensureDevInitialized(services);
  if (await init.initialized()) await policies.ensureDefault();
  await ensureOidcBuiltins(services);
  installRevocationTriggers(services);

  const app = createApp(services, options.features ?? features);

  const gc = setInterval(() => {
    storage.gc(now()).then(
      (removed) => removed > 0 && log.debug('expired records removed', { count: removed }),
      (err: unknown) => log.error('garbage collection failed', { error: err }),
    );
  }, options.gcIntervalMs ?? 60_000);
  gc.unref();
  const stopKeyRotation = startKeyRotation(services);

  return {
    services,
    app,
    dataDir,
    devRootToken,
    async close() {
      clearInterval(gc);
      stopKeyRotation();
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
