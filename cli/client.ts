/**
 * The CLI's HTTP client for Lanyard's Vault-shaped API: `X-Vault-Token` auth, JSON bodies, the
 * Vault envelope, `GET ?list=true` lists (404 is an empty list), and failures turned into typed
 * errors the commands can explain. It depends on nothing from the server: it speaks the wire format.
 */

/** Vault's `auth` block (login, token create, renew). */
export interface AuthInfo {
  readonly client_token?: string;
  readonly accessor?: string;
  readonly policies?: readonly string[] | null;
  readonly token_policies?: readonly string[] | null;
  readonly identity_policies?: readonly string[] | null;
  readonly metadata?: Readonly<Record<string, string>> | null;
  readonly lease_duration?: number;
  readonly renewable?: boolean;
  readonly entity_id?: string;
  readonly [field: string]: unknown;
}

/** Vault's response envelope. Endpoints answering raw JSON are presented as `{data: <body>}`. */
export interface Envelope {
  readonly request_id?: string;
  readonly lease_id?: string;
  readonly renewable?: boolean;
  readonly lease_duration?: number;
  readonly data?: Readonly<Record<string, unknown>> | null;
  readonly wrap_info?: unknown;
  readonly warnings?: readonly string[] | null;
  readonly auth?: AuthInfo | null;
  readonly mount_type?: string;
}

export interface ApiResponse {
  readonly status: number;
  /** The parsed JSON body exactly as received (undefined for an empty body, e.g. 204). */
  readonly body: unknown;
  /** The body as an envelope; undefined for an empty body. */
  readonly envelope: Envelope | undefined;
}

/** The server answered with a non-2xx status. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  /** The server's `errors` lines (may be empty, as on Vault's 404). */
  readonly errors: readonly string[];
  /** The body when it was not Vault's error shape, for showing what the server did say. */
  readonly body: unknown;

  constructor(status: number, errors: readonly string[], body: unknown) {
    super(`server answered ${status}${errors.length > 0 ? `: ${errors.join('; ')}` : ''}`);
    this.status = status;
    this.errors = errors;
    this.body = body;
  }
}

/** The address or token cannot be used at all (bad URL, a token with spaces). */
export class ClientConfigError extends Error {
  override name = 'ClientConfigError';
}

/** No HTTP answer at all: refused, unresolvable, timed out, TLS failure. */
export class UnreachableError extends Error {
  override name = 'UnreachableError';
  readonly address: string;
  /** A short human reason, e.g. `connection refused`. */
  readonly reason: string;

  constructor(address: string, reason: string, cause?: unknown) {
    super(`cannot reach Lanyard at ${address}: ${reason}`, cause === undefined ? undefined : { cause });
    this.address = address;
    this.reason = reason;
  }
}

export interface ClientOptions {
  /** Base URL, e.g. `http://127.0.0.1:8200` (a path prefix is kept). */
  readonly address: string;
  readonly token?: string | undefined;
  /** Where the token came from, for hints (`LANYARD_TOKEN`, `the token file ~/.lanyard-token`…). */
  readonly tokenSource?: string | undefined;
  readonly timeoutMs?: number;
}

export interface RequestOptions {
  readonly body?: unknown;
  readonly query?: Readonly<Record<string, string | readonly string[]>>;
  /** Send this token instead of the client's (e.g. checking a token before storing it). */
  readonly token?: string;
}

/** Vault's client waits 60 seconds by default. */
const DEFAULT_TIMEOUT_MS = 60_000;

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed by the server',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS: self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'TLS: self-signed certificate in the chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS: unable to verify the certificate',
  CERT_HAS_EXPIRED: 'TLS: certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS: certificate does not match the host name',
};

export class LanyardClient {
  readonly address: string;
  readonly tokenSource: string | undefined;
  readonly #token: string | undefined;
  readonly #timeoutMs: number;

  constructor(options: ClientOptions) {
    this.address = parseAddress(options.address);
    this.#token = options.token === '' ? undefined : options.token;
    this.tokenSource = options.tokenSource;
    if (this.#token !== undefined) assertHeaderSafe(this.#token);
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** Whether requests carry a token (a 403 without one needs a different hint). */
  get hasToken(): boolean {
    return this.#token !== undefined;
  }

  /**
   * One API call on a logical path (`sys/policies/acl/x`, without `/v1/`). Non-2xx answers throw
   * ApiError, transport failures UnreachableError.
   */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
    const url = new URL(`${this.address}/v1/${encodePath(path)}`);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      for (const item of typeof value === 'string' ? [value] : value) url.searchParams.append(name, item);
    }
    const headers: Record<string, string> = { Accept: 'application/json' };
    const token = options.token ?? this.#token;
    if (token !== undefined) {
      assertHeaderSafe(token);
      headers['X-Vault-Token'] = token;
    }
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';

    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method,
        headers,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.#timeoutMs),
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      });
      text = await response.text();
    } catch (err) {
      throw new UnreachableError(this.address, networkReason(err, this.#timeoutMs), err);
    }

    const body = parseBody(text);
    if (response.status < 200 || response.status > 299) throw new ApiError(response.status, errorLines(body), body);
    if (body === undefined) return { status: response.status, body, envelope: undefined };
    return { status: response.status, body, envelope: asEnvelope(body) };
  }

  /** Vault's list: `GET path?list=true`; a 404 without error text is an empty list. */
  async list(path: string): Promise<string[]> {
    let response: ApiResponse;
    try {
      response = await this.request('GET', path.endsWith('/') ? path : `${path}/`, { query: { list: 'true' } });
    } catch (err) {
      if (err instanceof ApiError && err.status === 404 && err.errors.length === 0) return [];
      throw err;
    }
    const keys = response.envelope?.data?.keys;
    return Array.isArray(keys) ? keys.map((key) => String(key)) : [];
  }
}

/** Validate and normalise a base address; the CLI reports the error text as is. */
function parseAddress(address: string): string {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new ClientConfigError(`invalid address ${JSON.stringify(address)}: expected a URL such as http://127.0.0.1:8200`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ClientConfigError(`invalid address ${JSON.stringify(address)}: the scheme must be http or https`);
  }
  if (url.username !== '' || url.password !== '') throw new ClientConfigError('invalid address: credentials do not belong in the address');
  if (url.search !== '' || url.hash !== '') throw new ClientConfigError(`invalid address ${JSON.stringify(address)}: no query or fragment allowed`);
  return url.href.replace(/\/+$/, '');
}

/** Each segment escaped, so a `?`, `#` or `%` in a name stays part of the path. */
function encodePath(path: string): string {
  return path
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}

/**
 * fetch would reject a token with control characters with an error that may quote the header;
 * check first so no token text ever reaches an error message.
 */
function assertHeaderSafe(token: string): void {
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new ClientConfigError('the token contains spaces or characters that cannot be sent in an HTTP header');
  }
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // A proxy's HTML page or plain text: keep it so the error can show what came back.
    return text;
  }
}

function errorLines(body: unknown): string[] {
  const errors = (body as { errors?: unknown } | null | undefined)?.errors;
  return Array.isArray(errors) ? errors.map((line) => String(line)) : [];
}

/** Vault envelopes always carry a request id; anything else (sys/health, discovery) is raw data. */
function asEnvelope(body: unknown): Envelope {
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    if (typeof (body as { request_id?: unknown }).request_id === 'string') return body as Envelope;
    return { data: body as Record<string, unknown> };
  }
  return { data: { value: body } };
}

function networkReason(err: unknown, timeoutMs: number): string {
  // Duck-typed rather than instanceof: fetch's errors may come from another realm (vm contexts).
  const described = err as { name?: unknown; message?: unknown } | null | undefined;
  if (described?.name === 'TimeoutError') return `no answer within ${Math.round(timeoutMs / 1000)}s`;
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current !== null && typeof current === 'object'; depth++) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string') return NETWORK_REASONS[code] ?? (typeof message === 'string' ? message : code);
    current = (current as { cause?: unknown }).cause;
  }
  return typeof described?.message === 'string' ? described.message : String(err);
}
