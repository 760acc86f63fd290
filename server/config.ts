/**
 * Server configuration: defaults, then an optional JSON file (`--config`), then `LANYARD_*`
 * environment variables, then command-line flags. Everything is validated before the server starts
 * and every problem is reported at once (ConfigError.problems), so an operator fixes a file in one go.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parseDurationSeconds } from './util/duration.js';
import { parseCidr } from './util/cidr.js';
import { DATABASE_SETTINGS, parseClusterSettings, type ClusterSettings } from './cluster/database_settings.js';

export interface ServerConfig {
  readonly listen: { readonly host: string; readonly port: number };
  /** Public base URL (no trailing slash) used to build issuers and callback URLs. */
  readonly apiAddr: string;
  /** Undefined only in dev mode without --data-dir: the server then uses a temporary directory. */
  readonly dataDir: string | undefined;
  readonly dev: boolean;
  readonly devRootToken: string | undefined;
  /** Where the seal (master) key lives; defaults to `<data-dir>/seal.key`. */
  readonly sealKeyFile: string | undefined;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  readonly logFormat: 'json' | 'pretty' | 'auto';
  /** CIDRs of reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed. */
  readonly trustedProxies: readonly string[];
  /** Admin request body limit in bytes (Vault's default: 32 MiB). */
  readonly maxRequestBytes: number;
  /** Outbound fetches (discovery, JWKS, upstream IdP) may reach loopback/private addresses. */
  readonly allowPrivateNetwork: boolean;
  /** Outbound fetches may use plain http. */
  readonly allowHttpOutbound: boolean;
  /** Default and maximum TTL of Lanyard tokens, in seconds. */
  readonly defaultTokenTtl: number;
  readonly maxTokenTtl: number;
  /** SQLite durability: NORMAL survives a process crash; FULL also survives power loss. */
  readonly sqliteSynchronous: 'NORMAL' | 'FULL';
  /** embedded (lowdb + SQLite) or postgres (server/cluster/database_settings.ts). */
  readonly storage: ClusterSettings['storage'];
  readonly database: ClusterSettings['database'];
  readonly sealKey: ClusterSettings['sealKey'];
  /** `GET /v1/sys/metrics` without a token (Vault's unauthenticated_metrics_access), for scrapers. */
  readonly metricsUnauthenticated: boolean;
  /** Seconds after which a refresh by an SSO-signed-in entity re-checks with the upstream IdP; 0: never. */
  readonly ssoRevalidateInterval: number;
}

/** Raw settings as strings or JSON values, keyed by the flag name (kebab-case). */
export type RawSettings = Partial<Record<SettingName, unknown>>;

export const SETTINGS = {
  listen: 'HOST:PORT to listen on (default 127.0.0.1:8200)',
  'api-addr': 'public base URL used to build issuers (default http://<listen>)',
  'data-dir': 'directory for the store, seal key and state',
  dev: 'development mode: auto-initialise, print a root token, allow loopback discovery URLs',
  'dev-root-token': 'root token to use in dev mode (default: random)',
  config: 'JSON configuration file',
  'seal-key-file': 'file holding the master key that encrypts secrets at rest (default <data-dir>/seal.key)',
  'log-level': 'debug | info | warn | error (default info)',
  'log-format': 'json | pretty | auto (default auto: pretty on a TTY)',
  'trusted-proxies': 'comma-separated CIDRs of reverse proxies to trust for X-Forwarded-*',
  'max-request-size': 'admin request body limit in bytes (default 33554432)',
  'allow-private-network': 'let discovery/JWKS/upstream fetches reach loopback and private addresses',
  'allow-http-outbound': 'let discovery/JWKS/upstream fetches use plain http',
  'default-token-ttl': 'default Lanyard token TTL (default 768h)',
  'max-token-ttl': 'maximum Lanyard token TTL (default 768h)',
  'sqlite-synchronous': 'NORMAL | FULL (default NORMAL)',
  ...DATABASE_SETTINGS,
  'metrics-unauthenticated': 'serve GET /v1/sys/metrics without a token, for Prometheus scrapers (default false)',
  'sso-revalidate-interval': 'refresh by an upstream-SSO entity re-validates with the IdP when older than this (default 0: off)',
} as const;
export type SettingName = keyof typeof SETTINGS;

/** The environment variable for a setting: `api-addr` → `LANYARD_API_ADDR`. */
export const envName = (setting: SettingName): string => `LANYARD_${setting.replaceAll('-', '_').toUpperCase()}`;

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * Merge the sources (file < env < flags) and validate. `flags` holds only what was given on the
 * command line. Throws ConfigError listing every problem.
 */
export function loadConfig(flags: RawSettings, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const problems: string[] = [];
  const fromEnv: RawSettings = {};
  for (const name of Object.keys(SETTINGS) as SettingName[]) {
    const value = env[envName(name)];
    if (value !== undefined && value !== '') fromEnv[name] = value;
  }
  const configFile = flags.config ?? fromEnv.config;
  const fromFile = typeof configFile === 'string' ? readConfigFile(configFile, problems) : {};
  const raw: RawSettings = { ...fromFile, ...fromEnv, ...flags };
  return validate(raw, problems);
}

function readConfigFile(file: string, problems: string[]): RawSettings {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    problems.push(`config file ${file}: ${(err as Error).message}`);
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    problems.push(`config file ${file}: must hold a JSON object`);
    return {};
  }
  const out: RawSettings = {};
  for (const [key, value] of Object.entries(parsed)) {
    // Accept both `api_addr` and `api-addr` spellings in files.
    const name = key.replaceAll('_', '-') as SettingName;
    if (name === 'config') problems.push(`config file ${file}: "config" cannot be set inside a config file`);
    else if (name in SETTINGS) out[name] = value;
    else problems.push(`config file ${file}: unknown setting "${key}" (known: ${Object.keys(SETTINGS).join(', ')})`);
  }
  return out;
}

function validate(raw: RawSettings, problems: string[]): ServerConfig {
  const bool = (name: SettingName, fallback: boolean): boolean => {
    const v = raw[name];
    if (v === undefined) return fallback;
    if (typeof v === 'boolean') return v;
    if (typeof v === 'string' && /^(true|1|yes)$/i.test(v)) return true;
    if (typeof v === 'string' && /^(false|0|no)$/i.test(v)) return false;
    problems.push(`${name}: expected true or false, got ${JSON.stringify(v)}`);
    return fallback;
  };
  const oneOf = <T extends string>(name: SettingName, allowed: readonly T[], fallback: T): T => {
    const v = raw[name];
    if (v === undefined) return fallback;
    const text = typeof v === 'string' ? v : '';
    const found = allowed.find((a) => a.toLowerCase() === text.toLowerCase());
    if (found === undefined) problems.push(`${name}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
    return found ?? fallback;
  };
  const duration = (name: SettingName, fallback: number): number => {
    const v = raw[name];
    if (v === undefined) return fallback;
    const parsed = parseDurationSeconds(v);
    if (typeof parsed === 'string') {
      problems.push(`${name}: ${parsed}`);
      return fallback;
    }
    return parsed;
  };
  const optionalString = (name: SettingName): string | undefined => {
    const v = raw[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.trim() === '') {
      problems.push(`${name}: expected a non-empty string`);
      return undefined;
    }
    return v;
  };

  const dev = bool('dev', false);
  const listen = parseListen(raw.listen ?? '127.0.0.1:8200', problems);
  const dataDir = optionalString('data-dir');
  const cluster = parseClusterSettings(raw, problems);
  if (!dev && dataDir === undefined && cluster.storage !== 'postgres') problems.push('data-dir: required outside dev mode (flag --data-dir or LANYARD_DATA_DIR)');
  const devRootToken = optionalString('dev-root-token');
  if (devRootToken !== undefined && !dev) problems.push('dev-root-token: only allowed together with --dev');
  if (devRootToken !== undefined && devRootToken.length < 8) problems.push('dev-root-token: must be at least 8 characters');

  const apiAddr = parseApiAddr(raw['api-addr'], listen, problems);
  const trustedProxies = parseList(raw['trusted-proxies']);
  for (const cidr of trustedProxies) {
    if (parseCidr(cidr) === undefined) problems.push(`trusted-proxies: ${JSON.stringify(cidr)} is not an IP address or CIDR`);
  }
  const maxRequestBytes = parseByteSize(raw['max-request-size'], problems);
  const defaultTokenTtl = duration('default-token-ttl', 768 * 3600);
  const maxTokenTtl = duration('max-token-ttl', 768 * 3600);
  if (defaultTokenTtl > maxTokenTtl) problems.push('default-token-ttl: must not exceed max-token-ttl');
  if (maxTokenTtl === 0) problems.push('max-token-ttl: must be greater than zero');

  const config: ServerConfig = {
    listen,
    apiAddr,
    dataDir,
    dev,
    devRootToken,
    sealKeyFile: optionalString('seal-key-file'),
    logLevel: oneOf('log-level', ['debug', 'info', 'warn', 'error'] as const, 'info'),
    logFormat: oneOf('log-format', ['json', 'pretty', 'auto'] as const, 'auto'),
    trustedProxies,
    maxRequestBytes,
    allowPrivateNetwork: bool('allow-private-network', dev),
    allowHttpOutbound: bool('allow-http-outbound', dev),
    defaultTokenTtl,
    maxTokenTtl,
    sqliteSynchronous: oneOf('sqlite-synchronous', ['NORMAL', 'FULL'] as const, 'NORMAL'),
    ...cluster,
    metricsUnauthenticated: bool('metrics-unauthenticated', false),
    ssoRevalidateInterval: duration('sso-revalidate-interval', 0),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function parseListen(value: unknown, problems: string[]): { host: string; port: number } {
  const text = typeof value === 'string' ? value.trim() : '';
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text);
  const host = match ? (match[1] ?? match[2] ?? '') : '';
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535 || (host !== '' && host !== 'localhost' && isIP(host) === 0 && !/^[a-z0-9.-]+$/i.test(host))) {
    problems.push(`listen: expected HOST:PORT such as 127.0.0.1:8200 or [::1]:8200, got ${JSON.stringify(value)}`);
    return { host: '127.0.0.1', port: 8200 };
  }
  return { host: host === '' ? '0.0.0.0' : host, port };
}

function parseApiAddr(value: unknown, listen: { host: string; port: number }, problems: string[]): string {
  if (value === undefined) {
    const host = listen.host === '0.0.0.0' || listen.host === '::' ? '127.0.0.1' : listen.host;
    return `http://${isIP(host) === 6 ? `[${host}]` : host}:${listen.port}`;
  }
  if (typeof value !== 'string' || !URL.canParse(value)) {
    problems.push(`api-addr: expected an absolute URL such as https://id.example.com, got ${JSON.stringify(value)}`);
    return 'http://127.0.0.1:8200';
  }
  const url = new URL(value);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') problems.push('api-addr: must use http or https');
  if (url.search || url.hash || url.username || url.password) problems.push('api-addr: must not contain a query, fragment or credentials');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function parseList(value: unknown): string[] {
  if (value === undefined) return [];
  const items = Array.isArray(value) ? value.map(String) : String(value).split(',');
  return items.map((s) => s.trim()).filter((s) => s !== '');
}

function parseByteSize(value: unknown, problems: string[]): number {
  const fallback = 32 * 1024 * 1024;
  if (value === undefined) return fallback;
  const n = typeof value === 'number' ? value : Number(String(value).trim());
  if (!Number.isSafeInteger(n) || n < 1024) {
    problems.push(`max-request-size: expected a whole number of bytes ≥ 1024, got ${JSON.stringify(value)}`);
    return fallback;
  }
  return n;
}
