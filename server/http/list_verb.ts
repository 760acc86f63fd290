/**
 * Vault clients list with a raw `LIST` method (`curl --request LIST …/v1/identity/oidc/client`).
 * Node's HTTP parser (llhttp) has a fixed method table without LIST and answers 400 before any
 * JavaScript sees the request. `createListVerbServer` puts a streaming rewriter between each TCP
 * connection and that parser: a request line `LIST <target> HTTP/1.x` reaches the parser as
 * `GET <target>?list=true HTTP/1.x` (or `&list=true` when the target has a query), the form the rest
 * of Lanyard routes. Every other byte reaches the parser unchanged.
 *
 * To know where each request of a keep-alive or pipelined connection starts, the rewriter follows
 * HTTP/1.1 framing: the head up to its blank line, then a body by Content-Length or by chunked
 * transfer-coding with trailers. It follows only what it frames exactly as llhttp does in strict
 * mode. At the first thing it is not sure of (ambiguous lengths, other transfer codings, upgrades,
 * CONNECT, bare CR or LF, a section over the size bound) it stops rewriting and passes the rest of
 * the connection through, so llhttp alone decides (usually a 400 and a close), and nothing is ever
 * rewritten at a position the parser does not also see as the start of a request.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HASH = 0x23;
const QUESTION_MARK = 0x3f;

const LIST_SP = Buffer.from('LIST ', 'latin1');
const GET_SP = Buffer.from('GET ', 'latin1');
const FIRST_PARAM = Buffer.from('?list=true', 'latin1');
const NEXT_PARAM = Buffer.from('&list=true', 'latin1');
const BLANK_LINE = Buffer.from('\r\n\r\n', 'latin1');

/**
 * Least number of bytes collected for one head, trailer section or chunk-size line before the
 * rewriter gives up on the connection. It never goes below the server's own header limit, so for
 * anything longer the parser has already answered 431.
 */
const MIN_SECTION_BYTES = 64 * 1024;

// Body framing of a request head; a non-negative number is a Content-Length.
const CHUNKED = -1;
const UNTRACKABLE = -2;

const REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) [^ \r\n]+ HTTP\/1\.([01])\r\n/;
// A CR or LF outside CRLF, or a folded line: llhttp might break such a head into lines differently.
const ODD_LINE_BREAK = /\r(?!\n)|(?<!\r)\n|\n[ \t]/;
// A head without these (anywhere, in any case) has no field that gives a request a body.
const FRAMING_FIELD = /content-length|transfer-encoding|upgrade/i;
const FIELD_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const CONTENT_LENGTH_VALUE = /^[ \t]*(\d{1,15})[ \t]*$/;
const CHUNKED_VALUE = /^[ \t]*chunked[ \t]*$/i;
// Quoted chunk extensions are refused: they are never needed, and only they could hide a line end.
const CHUNK_SIZE_LINE = /^([0-9A-Fa-f]{1,12})(?:;[^"\r\n]*)?\r\n$/;

/**
 * The body framing (RFC 9112 §6.3) of a complete request head, ending in its blank line: the
 * Content-Length, CHUNKED, or UNTRACKABLE where llhttp might frame it differently or not as HTTP.
 */
function bodyFraming(head: string): number {
  if (ODD_LINE_BREAK.test(head)) return UNTRACKABLE;
  const requestLine = REQUEST_LINE.exec(head);
  if (requestLine === null || requestLine[1] === 'CONNECT') return UNTRACKABLE;
  // Most requests (every GET and LIST) stop here.
  if (!FRAMING_FIELD.test(head)) return 0;
  const lines = head.split('\r\n');
  let contentLength: number | undefined;
  let chunked = false;
  // After the request line; the head ends with CRLF CRLF, so the last two entries are empty.
  for (let n = 1; n < lines.length - 2; n++) {
    const line = lines[n] ?? '';
    const colon = line.indexOf(':');
    if (colon < 1 || !FIELD_NAME.test(line.slice(0, colon))) return UNTRACKABLE;
    switch (line.slice(0, colon).toLowerCase()) {
      case 'content-length': {
        const value = CONTENT_LENGTH_VALUE.exec(line.slice(colon + 1));
        if (value === null || contentLength !== undefined) return UNTRACKABLE;
        contentLength = Number(value[1]);
        break;
      }
      case 'transfer-encoding':
        if (chunked || !CHUNKED_VALUE.test(line.slice(colon + 1))) return UNTRACKABLE;
        chunked = true;
        break;
      case 'upgrade':
        // llhttp may hand the rest of the connection to another protocol here.
        return UNTRACKABLE;
    }
  }
  if (chunked) return contentLength === undefined && requestLine[2] === '1' ? CHUNKED : UNTRACKABLE;
  return contentLength ?? 0;
}

/** The next state of a search for CRLF CRLF, given how much of it the bytes so far end with. */
function blankLineProgress(matched: number, byte: number): number {
  if (byte === BLANK_LINE[matched]) return matched + 1;
  return byte === CR ? 1 : 0;
}

type State =
  | 'start' // between requests
  | 'method' // matching "LIST " at the start of a request
  | 'target' // inside the target of a LIST request, until the query ends
  | 'head' // rest of a request head, up to the blank line
  | 'body' // Content-Length body
  | 'chunkSize'
  | 'chunkData'
  | 'chunkEnd' // CRLF after chunk data
  | 'trailers'
  | 'passThrough';

/**
 * Follows the requests of one connection and rewrites the LIST ones. Reads are pushed on as they
 * are (the same Buffer when nothing in it changes); only a possible "LIST " prefix at the end of a
 * read is held back, at most four bytes, until the next read decides it.
 */
class ListRequestRewriter {
  #state: State = 'start';
  /** Bytes of "LIST " matched at a request start, or of the CRLF after chunk data. */
  #matched = 0;
  #targetHasQuery = false;
  /** Body or chunk-data bytes still to pass. */
  #remaining = 0;
  /** Earlier reads' share of the section (head, trailers or chunk-size line) being collected. */
  #parts: Buffer[] = [];
  #partsLength = 0;
  /** Where the section being collected starts in the current read; 0 if it began earlier. */
  #sectionStart = 0;
  /** How much of CRLF CRLF the section collected so far ends with. */
  #blankLineMatched = 0;
  readonly #push: (bytes: Buffer) => void;
  readonly #maxSectionBytes: number;

  constructor(push: (bytes: Buffer) => void, maxSectionBytes: number) {
    this.#push = push;
    this.#maxSectionBytes = maxSectionBytes;
  }

  write(chunk: Buffer): void {
    if (this.#state === 'passThrough') {
      this.#push(chunk);
      return;
    }
    const end = chunk.length;
    let i = 0;
    let pushed = 0; // chunk[pushed..] is neither pushed nor dropped yet
    this.#sectionStart = 0;
    while (i < end) {
      switch (this.#state) {
        case 'start':
          // llhttp skips empty lines before a request line; so must the search for its start.
          while (i < end && (chunk[i] === CR || chunk[i] === LF)) i++;
          if (i === end) break;
          this.#beginSection(i, 0);
          if (chunk[i] === LIST_SP[0]) {
            if (i > pushed) this.#push(chunk.subarray(pushed, i));
            pushed = i;
            this.#matched = 0;
            this.#state = 'method';
          } else {
            this.#state = 'head';
          }
          break;
        case 'method':
          while (i < end && this.#matched < LIST_SP.length && chunk[i] === LIST_SP[this.#matched]) {
            i++;
            this.#matched++;
          }
          if (this.#matched === LIST_SP.length) {
            pushed = i;
            this.#push(GET_SP);
            this.#targetHasQuery = false;
            this.#state = 'target';
          } else if (i < end) {
            // Another method after all (LINK, LOCK…): release what earlier reads held back.
            const heldEarlier = this.#matched - (i - pushed);
            if (heldEarlier > 0) this.#push(LIST_SP.subarray(0, heldEarlier));
            this.#state = 'head';
          }
          break;
        case 'target':
          while (i < end) {
            const byte = chunk[i];
            if (byte === SP || byte === HASH || byte === CR || byte === LF) break;
            if (byte === QUESTION_MARK) this.#targetHasQuery = true;
            i++;
          }
          if (i < end) {
            // Also at a line end: llhttp takes `GET /x` with no version as HTTP/0.9, and a LIST
            // must never arrive as a plain read.
            if (i > pushed) this.#push(chunk.subarray(pushed, i));
            pushed = i;
            this.#push(this.#targetHasQuery ? NEXT_PARAM : FIRST_PARAM);
            this.#state = 'head';
          }
          break;
        case 'head':
        case 'trailers': {
          const stop = this.#findBlankLine(chunk, i);
          if (stop < 0) {
            i = end;
            break;
          }
          const section = this.#takeSection(chunk, stop);
          i = stop;
          if (this.#state === 'head') this.#expectBody(bodyFraming(section), i);
          else this.#state = ODD_LINE_BREAK.test(section) ? 'passThrough' : 'start';
          break;
        }
        case 'body':
        case 'chunkData': {
          const n = Math.min(this.#remaining, end - i);
          i += n;
          this.#remaining -= n;
          if (this.#remaining === 0) {
            this.#matched = 0;
            this.#state = this.#state === 'body' ? 'start' : 'chunkEnd';
          }
          break;
        }
        case 'chunkSize': {
          const lineEnd = chunk.indexOf(LF, i);
          if (lineEnd < 0) {
            i = end;
            break;
          }
          i = lineEnd + 1;
          const size = CHUNK_SIZE_LINE.exec(this.#takeSection(chunk, i));
          if (size === null) {
            this.#state = 'passThrough';
          } else {
            this.#remaining = parseInt(size[1] ?? '', 16);
            if (this.#remaining > 0) {
              this.#state = 'chunkData';
            } else {
              // The last-chunk line's CRLF counts toward the blank line ending the trailers.
              this.#beginSection(i, 2);
              this.#state = 'trailers';
            }
          }
          break;
        }
        case 'chunkEnd':
          while (i < end && this.#matched < 2) {
            if (chunk[i] !== BLANK_LINE[this.#matched]) {
              this.#state = 'passThrough';
              break;
            }
            i++;
            this.#matched++;
          }
          if (this.#matched === 2) {
            this.#beginSection(i, 0);
            this.#state = 'chunkSize';
          }
          break;
        case 'passThrough':
          i = end;
          break;
      }
    }
    this.#finishRead(chunk, pushed);
  }

  #beginSection(start: number, blankLineMatched: number): void {
    if (this.#parts.length > 0) this.#parts = [];
    this.#partsLength = 0;
    this.#sectionStart = start;
    this.#blankLineMatched = blankLineMatched;
  }

  /** The text of the section collected so far plus chunk[sectionStart..stop). */
  #takeSection(chunk: Buffer, stop: number): string {
    if (this.#parts.length === 0) return chunk.toString('latin1', this.#sectionStart, stop);
    this.#parts.push(chunk.subarray(this.#sectionStart, stop));
    const text = Buffer.concat(this.#parts).toString('latin1');
    this.#parts = [];
    this.#partsLength = 0;
    return text;
  }

  /** Where the blank line ending the section lies in chunk (the index after it), or -1. */
  #findBlankLine(chunk: Buffer, from: number): number {
    const end = chunk.length;
    // Finish a blank line that an earlier read ended partway through.
    let matched = this.#blankLineMatched;
    for (let i = from; matched > 0 && i < end && i < from + 3; i++) {
      matched = blankLineProgress(matched, chunk[i] ?? 0);
      if (matched === 4) return i + 1;
    }
    const at = chunk.indexOf(BLANK_LINE, from);
    if (at >= 0) return at + 4;
    matched = end - from >= 3 ? 0 : this.#blankLineMatched;
    for (let i = Math.max(from, end - 3); i < end; i++) matched = blankLineProgress(matched, chunk[i] ?? 0);
    this.#blankLineMatched = matched;
    return -1;
  }

  #expectBody(framing: number, at: number): void {
    if (framing === UNTRACKABLE) {
      this.#state = 'passThrough';
    } else if (framing === CHUNKED) {
      this.#beginSection(at, 0);
      this.#state = 'chunkSize';
    } else if (framing > 0) {
      this.#remaining = framing;
      this.#state = 'body';
    } else {
      this.#state = 'start';
    }
  }

  #finishRead(chunk: Buffer, pushed: number): void {
    const end = chunk.length;
    // In 'method' the rest of the read is a prefix of "LIST ", held back until the next read.
    if (this.#state !== 'method' && pushed < end) this.#push(pushed === 0 ? chunk : chunk.subarray(pushed));
    const collecting =
      this.#state === 'method' ||
      this.#state === 'target' ||
      this.#state === 'head' ||
      this.#state === 'trailers' ||
      this.#state === 'chunkSize';
    if (!collecting) return;
    // Copied, so that a few kept bytes do not pin a whole read in memory.
    this.#parts.push(Buffer.from(chunk.subarray(this.#sectionStart)));
    this.#partsLength += end - this.#sectionStart;
    if (this.#partsLength > this.#maxSectionBytes) {
      // Never in 'method' (at most five bytes), so nothing is held back. A LIST target this long
      // is already over the server's header limit, so the parser has answered 431 to it.
      this.#parts = [];
      this.#state = 'passThrough';
    }
  }
}

/**
 * Runs what `socket` reads through a rewriter before its stream machinery sees the bytes.
 * net.Socket delivers every read through `push` (lib/internal/stream_base_commons.js), so wrapping
 * `push` on this one socket is enough: writes, timeouts, addresses and closing stay the socket's
 * own, and the HTTP server, Express and upgrade handlers get a real net.Socket.
 */
function rewriteReads(socket: Socket, maxSectionBytes: number): void {
  const push = socket.push;
  let wantsMore = true;
  const rewriter = new ListRequestRewriter((bytes) => {
    wantsMore = push.call(socket, bytes);
  }, maxSectionBytes);
  socket.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    // null, at end of stream, goes straight through.
    if (!Buffer.isBuffer(chunk)) return push.call(socket, chunk, encoding);
    wantsMore = true;
    rewriter.write(chunk);
    return wantsMore;
  };
}

const ignore = (): void => {};

export interface ListVerbServer {
  /**
   * The HTTP server. It owns the listening socket too, so its timeouts, `closeIdleConnections()`
   * and `closeAllConnections()` work as on any Node HTTP server.
   */
  readonly http: http.Server;
  /** Resolves with the bound address once listening; rejects if binding fails (EADDRINUSE…). */
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops accepting, closes idle keep-alive connections, resolves once every connection is gone. */
  close(): Promise<void>;
}

/**
 * An HTTP server for `handler` that also takes Vault's `LIST` method, on every request of every
 * connection, as `GET <target>?list=true`.
 */
export function createListVerbServer(handler: http.RequestListener, options: http.ServerOptions = {}): ListVerbServer {
  const server = http.createServer(options, handler);
  // Runs after Node's own `connection` listener, which the server registered when it was created.
  server.on('connection', (socket: Socket) => {
    // Read per connection, since the limit may be changed after creation.
    const headerLimit = (server as { maxHeaderSize?: number }).maxHeaderSize ?? http.maxHeaderSize;
    rewriteReads(socket, Math.max(MIN_SECTION_BYTES, headerLimit));
    // Node's HTTP handling has just given the socket's handle to the native parser, which would
    // read past `push`. Adding a 'data' listener makes it read through JavaScript again (see
    // `unconsume` in lib/_http_server.js); the listener itself is not needed after that.
    socket.on('data', ignore).removeListener('data', ignore);
  });
  return {
    http: server,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.removeListener('error', reject);
          resolve(server.address() as AddressInfo);
        });
      }),
    close: () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
