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

export class StorageClosedError extends StorageError {
  override name = 'StorageClosedError';
  constructor() {
    super('storage is closed');
  }
}
