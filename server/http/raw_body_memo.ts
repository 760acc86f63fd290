/**
 * The raw body each request's handler read, remembered for the audit entry (server/audit), which
 * is written after the handler consumed the stream. Held per request, dropped with it.
 */
import type { IncomingMessage } from 'node:http';

const bodies = new WeakMap<IncomingMessage, Buffer>();

export function rememberRawBody(req: IncomingMessage, body: Buffer): void {
  bodies.set(req, body);
}

export function rawBodyOf(req: IncomingMessage): Buffer | undefined {
  return bodies.get(req);
}
