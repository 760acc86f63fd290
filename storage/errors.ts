/** Sentinel errors of the storage contract. Callers test with `instanceof`, never by message. */

export class StorageError extends Error {
  override name = 'StorageError';
}

export class NotFoundError extends StorageError {
  override name = 'NotFoundError';
  constructor(
    readonly kind: string,
    readonly id: string,
  ) {
    super(`${kind} ${JSON.stringify(id)} not found`);
  }
}

export class AlreadyExistsError extends StorageError {
  override name = 'AlreadyExistsError';
  constructor(
    readonly kind: string,
    readonly id: string,
    /** The unique index that clashed, when it was not the id itself. */
    readonly index?: string,
  ) {
    super(index ? `${kind} index ${index} value already taken` : `${kind} ${JSON.stringify(id)} already exists`);
  }
}

/** A kind the backend was not configured with: a programming error, never user input. */
export class UnknownKindError extends StorageError {
  override name = 'UnknownKindError';
  constructor(readonly kind: string) {
    super(`unknown storage kind ${JSON.stringify(kind)}`);
  }
}

/**
 * The storage was closed (the server is shutting down) while a request still needed it. Like
 * StorageUnavailableError it carries node-oidc-provider's error shape, so a protocol request cut
 * off by shutdown answers `503 {"error":"temporarily_unavailable"}`: the client may retry, on
 * another replica or after the restart.
 */
export class StorageClosedError extends StorageError {
  override name = 'StorageClosedError';
  readonly statusCode = 503;
  readonly expose = true;
  readonly error_description = 'the server is shutting down; retry shortly';
  constructor() {
    super('temporarily_unavailable');
  }
}

/**
 * The backend cannot be reached (a lost database connection): callers answer 503, never 500.
 * It also carries the shape node-oidc-provider renders errors from (`statusCode`, `expose`, the
 * OAuth error code as `message`, `error_description`), so protocol endpoints whose adapter or
 * account lookup fails answer `503 {"error":"temporarily_unavailable"}` without a wrapper at each
 * call site. The driver's reason is in `detail`, for logs only.
 */
export class StorageUnavailableError extends StorageError {
  override name = 'StorageUnavailableError';
  readonly statusCode = 503;
  readonly expose = true;
  readonly error_description = 'storage is unavailable (the database cannot be reached); retry shortly';
  constructor(
    readonly detail: string,
    options?: ErrorOptions,
  ) {
    super('temporarily_unavailable', options);
  }
}
