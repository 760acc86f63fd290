/**
 * A named key's parameters are not acceptable (a negative TTL, a malformed client list). Thrown
 * by keys/ without knowing about HTTP; the server renders it as a 400 (server/errors.ts).
 */
export class InvalidKeyParamsError extends Error {
  override name = 'InvalidKeyParamsError';
}
