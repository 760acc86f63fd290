/**
 * One error model for the whole server. Every failure a handler can produce is a LanyardError with
 * a stable machine-readable `code`, the HTTP `status`, a `message` that is safe to show the caller,
 * and an optional `detail` that goes only to the logs (never into a response).
 *
 * Renderers decide the wire shape (Vault `{"errors":[…]}`, OAuth `{error, error_description}`,
 * Infisical `{statusCode, message, error}`); the error itself does not know about them.
 */
import { InvalidKeyParamsError } from '../keys/errors.js';
import { StorageClosedError, StorageUnavailableError } from '../storage/errors.js';

export type ErrorCode =
  | 'invalid_request' // a malformed or semantically wrong request (Vault's 400 ErrorResponse)
  | 'permission_denied' // missing, invalid or insufficient token
  | 'not_found' // the path or resource does not exist
  | 'unsupported_operation' // known path, unsupported method
  | 'body_too_large'
  | 'unsupported_media_type'
  | 'conflict'
  | 'rate_limited'
  | 'not_initialized'
  | 'already_initialized'
  | 'storage_unavailable'
  | 'unauthorized' // failed login (machine or human); the reason code stays in `detail`
  | 'internal';

const STATUS: Record<ErrorCode, number> = {
  invalid_request: 400,
  permission_denied: 403,
  not_found: 404,
  unsupported_operation: 405,
  body_too_large: 413,
  unsupported_media_type: 415,
  conflict: 409,
  rate_limited: 429,
  not_initialized: 503,
  already_initialized: 400,
  storage_unavailable: 503,
  unauthorized: 401,
  internal: 500,
};

export interface ErrorOptions {
  /** Internal explanation for operators; logged, never sent. */
  readonly detail?: string;
  /** A stable sub-code (e.g. a machine-login reason code) for logs and admin-only explain output. */
  readonly reason?: string;
  /** Override the status the code implies (rare: Vault maps a few codes differently per path). */
  readonly status?: number;
  readonly cause?: unknown;
  /** Extra headers the response must carry (Retry-After, WWW-Authenticate). */
  readonly headers?: Readonly<Record<string, string>>;
}

export class LanyardError extends Error {
  override name = 'LanyardError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: string | undefined;
  readonly reason: string | undefined;
  readonly headers: Readonly<Record<string, string>> | undefined;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status ?? STATUS[code];
    this.detail = options.detail;
    this.reason = options.reason;
    this.headers = options.headers;
  }

  /** Whether the message may be shown to the caller; 5xx messages are replaced by a generic text. */
  get expose(): boolean {
    return this.status < 500 || this.code === 'storage_unavailable';
  }
}

export const invalidRequest = (message: string, options?: ErrorOptions): LanyardError =>
  new LanyardError('invalid_request', message, options);

export const permissionDenied = (detail?: string): LanyardError =>
  new LanyardError('permission_denied', 'permission denied', detail === undefined ? {} : { detail });

/** Vault answers a missing resource with 404 and an empty error list. */
export const notFound = (detail?: string): LanyardError =>
  new LanyardError('not_found', '', detail === undefined ? {} : { detail });

/** Any thrown value as a LanyardError; unknown errors become an opaque 500 with the cause kept for logs. */
export function toLanyardError(err: unknown): LanyardError {
  if (err instanceof LanyardError) return err;
  if (err instanceof StorageUnavailableError) return storageUnavailable(err);
  // A request still in flight while the server shuts down: retrying (on another replica) works.
  if (err instanceof StorageClosedError) {
    return new LanyardError('storage_unavailable', 'the server is shutting down; retry shortly', { cause: err, headers: { 'Retry-After': '1' } });
  }
  if (err instanceof InvalidKeyParamsError) return invalidRequest(err.message);
  const detail = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new LanyardError('internal', 'internal error', { detail, cause: err });
}

/** The database is unreachable: 503 with a message saying so, and a hint to retry. */
export function storageUnavailable(cause: unknown): LanyardError {
  return new LanyardError('storage_unavailable', 'storage is unavailable (the database cannot be reached); retry shortly', {
    detail: cause instanceof StorageUnavailableError ? cause.detail : cause instanceof Error ? cause.message : String(cause),
    cause,
    headers: { 'Retry-After': '1' },
  });
}
