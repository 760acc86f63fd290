/**
 * An answer's body as an object to read fields from. Bodies are whatever the server sent (an
 * object, a list, text from a proxy, nothing); reading fields of anything but an object finds none,
 * and the caller reports the missing field it needed.
 */
export function jsonObjectOf(body: unknown): Readonly<Record<string, unknown>> {
  return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}
