/** What went wrong with an outbound fetch, for callers that map it to their own errors. */
export type FetchErrorKind =
  | 'url_not_allowed' // scheme, credentials in the URL
  | 'address_not_allowed' // the host is, or resolves to, an internal address
  | 'timeout'
  | 'too_large'
  | 'redirect'
  | 'http_status'
  | 'invalid_json'
  | 'network'; // DNS, connection, TLS

export class FetchError extends Error {
  override name = 'FetchError';
  readonly kind: FetchErrorKind;

  constructor(kind: FetchErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
  }
}
