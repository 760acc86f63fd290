/** `lanyard server`: run the server with flags, `LANYARD_*` env vars and an optional JSON config file. */
import type { Command } from 'commander';
import { ConfigError, SETTINGS, envName, loadConfig, type RawSettings, type SettingName } from '../../server/config.js';

const BOOLEAN_SETTINGS = new Set<SettingName>(['dev', 'allow-private-network', 'allow-http-outbound', 'metrics-unauthenticated']);

export function registerServerCommand(program: Command): void {
  const command = program
    .command('server')
    .description('run the Lanyard server')
    .addHelpText(
      'after',
      `
Every flag can also be set with an environment variable (e.g. --api-addr → ${envName('api-addr')})
or in the JSON file given to --config (keys like "api_addr"). Flags win over env, env over the file.

Examples:
  lanyard server --dev                                  # try it: temp store, prints a root token
  lanyard server --dev --data-dir ./data                # dev mode that keeps its data
  lanyard server --data-dir /var/lib/lanyard --listen 0.0.0.0:8200 --api-addr https://id.example.com`,
    );
  for (const [name, description] of Object.entries(SETTINGS) as Array<[SettingName, string]>) {
    const flag = BOOLEAN_SETTINGS.has(name) ? `--${name}` : `--${name} <value>`;
    command.option(flag, `${description} [env ${envName(name)}]`);
  }
  command.action(async (options: Record<string, unknown>) => {
    const flags: RawSettings = {};
    for (const name of Object.keys(SETTINGS) as SettingName[]) {
      const key = name.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
      if (options[key] !== undefined) flags[name] = options[key];
    }
    await runServer(flags);
  });
}

async function runServer(flags: RawSettings): Promise<void> {
  let config;
  try {
    config = loadConfig(flags);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n\nRun 'lanyard server --help' for the settings.\n`);
      process.exitCode = 2;
      return;
    }
    throw err;
  }
  // Loaded here, not at the top: client commands share this binary and should not pay for the
  // whole server stack (oidc-provider, SQLite) at start-up.
  const [{ listen }, { createLogger }, { startRuntime }] = await Promise.all([
    import('../../server/listen.js'),
    import('../../server/log.js'),
    import('../../server/runtime.js'),
  ]);
  const format = config.logFormat === 'auto' ? undefined : config.logFormat;
  const log = createLogger({ level: config.logLevel, ...(format ? { format } : {}) });
  const runtime = await startRuntime(config, log);
  const server = await listen(runtime, config.listen.host, config.listen.port);
  printBanner(config.dev, server.url, config.apiAddr, runtime.dataDir, runtime.devRootToken, await runtime.services.init.initialized());

  const stop = (signal: string) => {
    server.shutdown(signal).then(
      () => process.exit(0),
      (err: unknown) => {
        log.error('shutdown failed', { error: err });
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

function printBanner(dev: boolean, url: string, apiAddr: string, dataDir: string, rootToken: string | undefined, initialized: boolean): void {
  const lines = [
    '',
    `Lanyard server started.`,
    `  Listening on: ${url}`,
    `  API address:  ${apiAddr}`,
    `  Data dir:     ${dataDir}${dev && dataDir.includes('lanyard-dev-') ? ' (temporary: removed on exit)' : ''}`,
  ];
  if (dev) {
    lines.push(
      '',
      'WARNING: dev mode. Loopback and plain-http discovery URLs are allowed. Do not run in production.',
      '',
      rootToken ? `  Root Token: ${rootToken}` : '  Root Token: (as created before: dev mode reuses the data dir)',
      '',
      'Try it:',
      `  export LANYARD_ADDR=${apiAddr}`,
      rootToken ? `  export LANYARD_TOKEN=${rootToken}` : '  export LANYARD_TOKEN=<your root token>',
      '  npx lanyard read sys/health',
      '  npx lanyard list identity/oidc/key',
      `  curl ${apiAddr}/v1/identity/oidc/provider/default/.well-known/openid-configuration`,
    );
  } else if (!initialized) {
    lines.push('', 'This server is not initialized yet. Run once:', `  LANYARD_ADDR=${apiAddr} npx lanyard operator init`);
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
}
