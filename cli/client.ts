/**
 * The CLI's one HTTP client. It holds the address, the token and the time limit, and speaks the
 * wire formats of Lanyard's route families over one transport (cli/http/transport.ts):
 *
 *   request/list  the Vault-shaped API under `/v1/`: `X-Vault-Token`, the Vault envelope,
 *                 `GET ?list=true` lists (404 is an empty list), `{errors: […]}` on failure
 *   infisical     the Infisical-shaped API under `/api/`: raw JSON answers, `{message, …}` errors
 *   oauth         a provider's OAuth endpoints (device sign-in): form posts, `{error, …}` errors,
 *                 never a token
 *
 * Every failure is one of the errors in cli/http/errors.ts whatever the route, so commands explain
 * them in one place (commands/failure.ts). It depends on nothing from the server: it speaks the
 * wire formats.
 */
import { assertHeaderSafe, parseAddress } from './http/client_settings.js';
import { ApiError } from './http/errors.js';
import { exchange, type Answer } from './http/transport.js';
import { INFISICAL, OAUTH, VAULT, type WireFormat } from './http/wire_formats.js';

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
   * One Vault-shaped call on a logical path (`sys/policies/acl/x`, without `/v1/`). Non-2xx
   * answers throw ApiError, transport failures UnreachableError.
   */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
    const url = new URL(`${this.address}/v1/${encodePath(path)}`);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      for (const item of typeof value === 'string' ? [value] : value) url.searchParams.append(name, item);
    }
    const { status, body } = await this.#send(VAULT, method, url, { json: options.body, token: options.token ?? this.#token });
    return { status, body, envelope: body === undefined ? undefined : asEnvelope(body) };
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

  /**
   * One call to the Infisical-shaped API: `path` is absolute under the address (`/api/v1/…`,
   * already escaped). Resolves to the parsed body (undefined when empty).
   */
  async infisical(method: string, path: string, options: { readonly body?: unknown } = {}): Promise<unknown> {
    const url = new URL(`${this.address}${path}`);
    return (await this.#send(INFISICAL, method, url, { json: options.body, token: this.#token })).body;
  }

  /**
   * One call to an OAuth endpoint of a Lanyard provider, by its full URL (discovery documents
   * name them, possibly under the issuer's public address): a GET, or a form POST when `form` is
   * given. No token is sent: the URL comes from a server's answer, not from the operator.
   */
  async oauth(url: string, form?: Readonly<Record<string, string>>): Promise<unknown> {
    return (await this.#send(OAUTH, form === undefined ? 'GET' : 'POST', new URL(url), { form })).body;
  }

  #send(format: WireFormat, method: string, url: URL, payload: Payload): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (payload.token !== undefined) {
      assertHeaderSafe(payload.token);
      headers['X-Vault-Token'] = payload.token;
    }
    let body: string | URLSearchParams | undefined;
    if (payload.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(payload.json);
    } else if (payload.form !== undefined) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(payload.form);
    }
    // Name the address the operator set when the URL is under it; a provider's public address
    // (from discovery) is named as itself.
    const address = url.href.startsWith(`${this.address}/`) ? this.address : url.origin;
    return exchange({ method, url, format, headers, body, timeoutMs: this.#timeoutMs, address });
  }
}

/** What one call sends besides its method and URL. */
interface Payload {
  readonly json?: unknown;
  readonly form?: Readonly<Record<string, string>> | undefined;
  readonly token?: string | undefined;
}

/** Each segment escaped, so a `?`, `#` or `%` in a name stays part of the path. */
function encodePath(path: string): string {
  return path
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}

/** Vault envelopes always carry a request id; anything else (sys/health, discovery) is raw data. */
function asEnvelope(body: unknown): Envelope {
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    if (typeof (body as { request_id?: unknown }).request_id === 'string') return body as Envelope;
    return { data: body as Record<string, unknown> };
  }
  return { data: { value: body } };
}
