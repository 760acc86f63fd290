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
  // The database is unreachable, or the server is shutting down: retrying (elsewhere) works.
  if (err instanceof StorageUnavailableError || err instanceof StorageClosedError) return storageUnavailable(err);
  if (err instanceof InvalidKeyParamsError) return invalidRequest(err.message);
  const detail = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new LanyardError('internal', 'internal error', { detail, cause: err });
}

/**
 * Storage cannot serve the request now (StorageUnavailableError: the database is unreachable;
 * StorageClosedError: the server is shutting down): 503 with the error's own explanation, the one
 * the OIDC endpoints give too, and a hint to retry.
 */
export function storageUnavailable(cause: StorageUnavailableError | StorageClosedError): LanyardError {
  return new LanyardError('storage_unavailable', cause.error_description, {
    detail: cause instanceof StorageUnavailableError ? cause.detail : cause.name,
    cause,
    headers: { 'Retry-After': '1' },
  });
}
