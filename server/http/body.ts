/**
 * Request bodies for the admin API, read and decoded the way Vault does it: JSON objects, or
 * `application/x-www-form-urlencoded` when that is the content type and the body does not start
 * with `{` or `[` (repeated form keys are joined with commas). Bodies over the limit are refused
 * with 413 before they are buffered.
 *
 * Body parsing is scoped to the admin routes: node-oidc-provider parses its own bodies and must
 * not find a pre-parsed one.
 */
import type { IncomingMessage } from 'node:http';
import { LanyardError, invalidRequest } from '../errors.js';
import { parseBoundedJson, REQUEST_JSON_LIMITS } from './bounded_json.js';
import { rememberRawBody } from './raw_body_memo.js';

/**
 * The whole body, refused with 413 once it passes `limit`. Read with plain listeners: an async
 * iterator over the request costs more than the rest of reading a small JSON body.
 */
export function readRawBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) return drainThenRefuse(req, limit);
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  if (req.destroyed) return Promise.reject(clientClosed());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        settle();
        drainThenRefuse(req, limit).catch(reject);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      settle();
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
      rememberRawBody(req, body);
      resolve(body);
    };
    const onError = (error: Error): void => {
      settle();
      reject(error);
    };
    const onClose = (): void => {
      settle();
      reject(clientClosed());
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
    req.resume(); // in case something paused it: a 'data' listener alone would then wait forever
  });
}

/** The request data as a plain object; an empty body is `{}`. */
export function decodeBody(raw: Buffer, contentType: string | undefined): Record<string, unknown> {
  const text = raw.toString('utf8');
  const trimmed = text.trimStart();
  if (trimmed === '') return {};
  const isForm = (contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded') && trimmed[0] !== '{' && trimmed[0] !== '[';
  if (isForm) return decodeForm(text);
  const parsed = parseBoundedJson(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalidRequest('error parsing JSON');
  return parsed as Record<string, unknown>;
}

export function decodeForm(text: string): Record<string, unknown> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  let count = 0;
  for (const [key, value] of new URLSearchParams(text)) {
    if (++count > REQUEST_JSON_LIMITS.maxObjectEntries) throw invalidRequest(`form body exceeds the maximum of ${REQUEST_JSON_LIMITS.maxObjectEntries} parameters`);
    out[key] = key in out ? `${out[key]},${value}` : value;
  }
  return { ...out };
}

/** Query parameters: a single value stays a string, a repeated one becomes an array (Vault's parseQuery). */
export function decodeQuery(search: URLSearchParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of new Set(search.keys())) {
    const all = search.getAll(key);
    out[key] = all.length === 1 ? all[0] : all;
  }
  return out;
}

function clientClosed(): Error {
  return new Error('the client closed the connection before the request body ended');
}

/** How much more of a refused body is read, and for how long, before the 413 goes out anyway. */
const LINGER_BYTES = 64 * 1024 * 1024;
const LINGER_MS = 5_000;

/**
 * A lingering close (nginx's): most clients, Node's own among them, write the whole body before
 * they read, so a 413 sent while the body is still arriving meets a reset connection and is lost.
 * The rest of the body is read and discarded, within a bound of bytes and time, and only then
 * refused; the answer closes the connection, which is no longer worth keeping.
 */
function drainThenRefuse(req: IncomingMessage, limit: number): Promise<never> {
  const error = tooLarge(limit);
  if (req.readableEnded || req.destroyed) return Promise.reject(error);
  return new Promise((_resolve, reject) => {
    let drained = 0;
    const done = (): void => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', done);
      req.off('close', done);
      req.off('error', done);
      reject(error);
    };
    const onData = (chunk: Buffer): void => {
      drained += chunk.length;
      if (drained > LINGER_BYTES) done();
    };
    const timer = setTimeout(done, LINGER_MS);
    timer.unref();
    req.on('data', onData);
    req.on('end', done);
    req.on('close', done);
    req.on('error', done);
    req.resume();
  });
}

function tooLarge(limit: number): LanyardError {
  return new LanyardError('body_too_large', `request body exceeds the limit of ${limit} bytes`, { headers: { Connection: 'close' } });
}
