/**
 * Reading errors that libraries wrap: openid-client and jose put the failure that matters (the
 * outbound fetch's FetchError, say) in the `cause` chain of their own errors.
 */

/** Whether an error of `type` is the error or in its cause chain (openid-client wraps fetch failures). */
export function causedBy(error: unknown, type: abstract new (...args: never[]) => Error): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current instanceof type) return true;
    current = (current as Error).cause;
  }
  return false;
}

/** The messages of an error and its causes, for the operator's log. */
export function messageOf(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (!parts.includes(current.message)) parts.push(current.message);
    current = current.cause;
  }
  return parts.length > 0 ? parts.join(': ') : String(error);
}
