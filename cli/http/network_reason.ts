/**
 * Why fetch got no answer, in a few words an operator can act on. fetch rejects with a bare
 * `TypeError: fetch failed`; the useful part is a system or undici error code somewhere in its
 * cause chain.
 */

const REASONS_BY_CODE: Readonly<Record<string, string>> = {
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

/** How deep to follow `cause`: undici nests the system error one or two levels down. */
const MAX_CAUSE_DEPTH = 4;

/** `timeoutMs` is the limit the request was given, named when it is what ran out. */
export function networkReason(err: unknown, timeoutMs: number): string {
  // Duck-typed rather than instanceof: fetch's errors may come from another realm (vm contexts).
  const described = err as { name?: unknown; message?: unknown } | null | undefined;
  if (described?.name === 'TimeoutError') return `no answer within ${Math.round(timeoutMs / 1000)}s`;
  let current: unknown = err;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && current !== null && typeof current === 'object'; depth++) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string') return REASONS_BY_CODE[code] ?? (typeof message === 'string' ? message : code);
    current = (current as { cause?: unknown }).cause;
  }
  return typeof described?.message === 'string' ? described.message : String(err);
}
