/**
 * The ways a call from the CLI can fail, whatever the route's wire format: the settings are
 * unusable, nothing answered, or the server answered with an error status. Commands turn these into
 * words (commands/failure.ts); nothing here knows about commands.
 */

/** The server answered with a non-2xx status. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  /** The server's error lines in the route's format (may be empty, as on Vault's 404). */
  readonly errors: readonly string[];
  /** The parsed body, for showing what the server said when it had no error lines, and for fields a caller checks (OAuth's `error` code). */
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
