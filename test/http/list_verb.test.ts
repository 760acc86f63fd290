/** Vault's raw LIST method on a createListVerbServer, over real sockets on loopback. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import express from 'express';
import { createListVerbServer, type ListVerbServer } from '../../server/http/list_verb.js';

interface Echo {
  method: string;
  url: string;
  body: string;
  trailers: Record<string, string>;
  remoteAddress: string | undefined;
  remotePort: number | undefined;
  remoteFamily: string | undefined;
  localAddress: string | undefined;
  localPort: number | undefined;
  encrypted: unknown;
}

/** Answers every request with what it saw of it. */
const echo: http.RequestListener = (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const socket = req.socket;
    const seen: Echo = {
      method: req.method ?? '',
      url: req.url ?? '',
      body: Buffer.concat(chunks).toString('latin1'),
      trailers: req.trailers as Record<string, string>,
      remoteAddress: socket.remoteAddress,
      remotePort: socket.remotePort,
      remoteFamily: socket.remoteFamily,
      localAddress: socket.localAddress,
      localPort: socket.localPort,
      encrypted: (socket as { encrypted?: unknown }).encrypted,
    };
    const json = JSON.stringify(seen);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
    res.end(json);
  });
};

interface Started {
  readonly server: ListVerbServer;
  readonly port: number;
}

const started: ListVerbServer[] = [];
const clients: RawClient[] = [];

async function start(handler: http.RequestListener = echo, options: http.ServerOptions = {}): Promise<Started> {
  const server = createListVerbServer(handler, options);
  started.push(server);
  const address = await server.listen(0, '127.0.0.1');
  return { server, port: address.port };
}

afterAll(async () => {
  for (const client of clients) client.socket.destroy();
  for (const server of started) {
    server.http.closeAllConnections();
    if (server.http.listening) await server.close();
  }
});

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** A TCP client that writes exact bytes and reads HTTP/1.1 responses off the connection. */
class RawClient {
  readonly socket: net.Socket;
  readonly closed: Promise<void>;
  #received = Buffer.alloc(0);
  #ended = false;
  #wake: (() => void) | undefined;

  static async connect(port: number): Promise<RawClient> {
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    const client = new RawClient(socket);
    clients.push(client);
    return client;
  }

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (data: Buffer) => {
      this.#received = Buffer.concat([this.#received, data]);
      this.#wake?.();
    });
    // A reset after the server's own 400 is expected; the responses say what happened.
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.#ended = true;
        this.#wake?.();
        resolve();
      });
    });
  }

  write(bytes: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(bytes, (error) => (error ? reject(error) : resolve())));
  }

  /** One byte per write, yielding to the event loop so that the server reads each on its own. */
  async writeByteByByte(bytes: string | Buffer): Promise<void> {
    const all = Buffer.from(bytes);
    for (let i = 0; i < all.length; i++) {
      await this.write(all.subarray(i, i + 1));
      await new Promise(setImmediate);
    }
  }

  /** The next response, or undefined once the server has closed the connection. */
  async read(): Promise<RawResponse | undefined> {
    for (;;) {
      const response = this.#take();
      if (response !== undefined || (this.#ended && this.#received.length === 0)) return response;
      if (this.#ended) throw new Error(`connection closed inside a response: ${this.#received.toString('latin1')}`);
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  /** Exactly `length` bytes, whatever they are. */
  async readBytes(length: number): Promise<Buffer> {
    while (this.#received.length < length) {
      if (this.#ended) throw new Error(`connection closed after ${this.#received.length} of ${length} bytes`);
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
    const bytes = this.#received.subarray(0, length);
    this.#received = this.#received.subarray(length);
    return bytes;
  }

  async readMany(count: number): Promise<RawResponse[]> {
    const responses: RawResponse[] = [];
    for (let n = 0; n < count; n++) {
      const response = await this.read();
      if (response === undefined) throw new Error(`connection closed after ${n} of ${count} responses`);
      responses.push(response);
    }
    return responses;
  }

  #take(): RawResponse | undefined {
    const headEnd = this.#received.indexOf('\r\n\r\n');
    if (headEnd < 0) return undefined;
    const [statusLine, ...fields] = this.#received.subarray(0, headEnd).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const field of fields) {
      const colon = field.indexOf(':');
      headers[field.slice(0, colon).toLowerCase()] = field.slice(colon + 1).trim();
    }
    const bodyStart = headEnd + 4;
    const status = Number(statusLine?.split(' ')[1]);
    // Our handlers always send Content-Length; Node's own error answers have no body and close.
    const length = status === 101 ? 0 : headers['content-length'] === undefined ? undefined : Number(headers['content-length']);
    if (length === undefined && !this.#ended) return undefined;
    const bodyEnd = length === undefined ? this.#received.length : bodyStart + length;
    if (this.#received.length < bodyEnd) return undefined;
    const response = { status, headers, body: this.#received.subarray(bodyStart, bodyEnd) };
    this.#received = this.#received.subarray(bodyEnd);
    return response;
  }
}

function seen(response: RawResponse | undefined): Echo {
  expect(response?.status).toBe(200);
  return JSON.parse(response!.body.toString('latin1')) as Echo;
}

/** A chunked body from parts (with a chunk extension on the first) and trailer fields. */
function chunked(parts: string[], trailers: string[]): string {
  const chunks = parts.map((part, n) => `${Buffer.byteLength(part).toString(16)}${n === 0 ? ';note=yes' : ''}\r\n${part}\r\n`);
  return `${chunks.join('')}0\r\n${trailers.map((field) => `${field}\r\n`).join('')}\r\n`;
}

/** Requests whose bodies and trailers look like request lines and blank lines, with what the handler must see. */
const sequence: Array<{ request: string; expected: Partial<Echo> }> = [
  {
    request: 'GET /v1/sys/health HTTP/1.1\r\nHost: lanyard\r\n\r\n',
    expected: { method: 'GET', url: '/v1/sys/health', body: '' },
  },
  {
    request: 'LIST /v1/identity/oidc/client HTTP/1.1\r\nHost: lanyard\r\nX-Vault-Token: t\r\n\r\n',
    expected: { method: 'GET', url: '/v1/identity/oidc/client?list=true', body: '' },
  },
  {
    request: 'POST /v1/sys/policies/acl/p HTTP/1.1\r\nHost: lanyard\r\nContent-Length: 29\r\n\r\nLIST /x HTTP/1.1\r\nHost: y\r\n\r\n',
    expected: { method: 'POST', url: '/v1/sys/policies/acl/p', body: 'LIST /x HTTP/1.1\r\nHost: y\r\n\r\n' },
  },
  {
    // An empty line before the request line, and a method that starts like LIST.
    request: '\r\nLINK /v1/linked HTTP/1.1\r\nHost: lanyard\r\n\r\n',
    expected: { method: 'LINK', url: '/v1/linked', body: '' },
  },
  {
    request:
      'POST /v1/chunked HTTP/1.1\r\nHost: lanyard\r\nTransfer-Encoding: chunked\r\nTrailer: X-Note\r\n\r\n' +
      chunked(['LIST /a HTTP/1.1\r\n', '\r\n\r\n0\r\n\r\n'], ['X-Note: LIST /z HTTP/1.1']),
    expected: {
      method: 'POST',
      url: '/v1/chunked',
      body: 'LIST /a HTTP/1.1\r\n\r\n\r\n0\r\n\r\n',
      trailers: { 'x-note': 'LIST /z HTTP/1.1' },
    },
  },
  {
    request: 'PUT /v1/no-trailers HTTP/1.1\r\nHost: lanyard\r\nTransfer-Encoding: chunked\r\n\r\n' + chunked(['0\r\n\r\n'], []),
    expected: { method: 'PUT', url: '/v1/no-trailers', body: '0\r\n\r\n', trailers: {} },
  },
  {
    request: 'LIST /v1/identity/oidc/key?format=json HTTP/1.1\r\nHost: lanyard\r\n\r\n',
    expected: { method: 'GET', url: '/v1/identity/oidc/key?format=json&list=true', body: '' },
  },
];

describe('LIST requests', () => {
  let port: number;
  beforeAll(async () => {
    ({ port } = await start());
  });

  it('reach the handler as GET with list=true', async () => {
    const client = await RawClient.connect(port);
    await client.write('LIST /v1/identity/oidc/client HTTP/1.1\r\nHost: lanyard\r\n\r\n');
    const response = await client.read();
    expect(seen(response)).toMatchObject({ method: 'GET', url: '/v1/identity/oidc/client?list=true', body: '' });
    expect(response?.headers.connection).toBe('keep-alive');
    client.socket.destroy();
  });

  it.each([
    ['/v1/x?a=b', '/v1/x?a=b&list=true'],
    ['/v1/x?', '/v1/x?&list=true'],
    ['/v1/x?a=1&b=2', '/v1/x?a=1&b=2&list=true'],
    ['/v1/x#part', '/v1/x?list=true#part'],
  ])('add list=true to the query of %s', async (target, url) => {
    const client = await RawClient.connect(port);
    await client.write(`LIST ${target} HTTP/1.1\r\nHost: lanyard\r\n\r\n`);
    expect(seen(await client.read())).toMatchObject({ method: 'GET', url });
    client.socket.destroy();
  });

  it('never arrive as a plain read, even without a protocol version', async () => {
    // llhttp takes a request line without a version as HTTP/0.9.
    const client = await RawClient.connect(port);
    await client.write('LIST /v1/x\r\n\r\n');
    expect(seen(await client.read())).toMatchObject({ method: 'GET', url: '/v1/x?list=true' });
    await client.closed;
  });

  it('work in HTTP/1.0', async () => {
    const client = await RawClient.connect(port);
    await client.write('LIST /v1/x HTTP/1.0\r\n\r\n');
    expect(seen(await client.read())).toMatchObject({ method: 'GET', url: '/v1/x?list=true' });
    await client.closed;
  });

  it('keep their body, and the next request on the connection is framed after it', async () => {
    const client = await RawClient.connect(port);
    await client.write('LIST /v1/x HTTP/1.1\r\nHost: lanyard\r\nContent-Length: 11\r\n\r\nhello world' + 'LIST /v1/y HTTP/1.1\r\nHost: lanyard\r\n\r\n');
    const [first, second] = await client.readMany(2);
    expect(seen(first)).toMatchObject({ method: 'GET', url: '/v1/x?list=true', body: 'hello world' });
    expect(seen(second)).toMatchObject({ method: 'GET', url: '/v1/y?list=true', body: '' });
    client.socket.destroy();
  });

  it.each(['list', 'List', 'LISTS', 'LIS'])('are case-sensitive: %s is left to Node, which refuses it', async (method) => {
    const client = await RawClient.connect(port);
    await client.write(`${method} /v1/x HTTP/1.1\r\nHost: lanyard\r\n\r\n`);
    const response = await client.read();
    expect(response?.status).toBe(400);
    expect(response?.headers.connection).toBe('close');
    await client.closed;
  });
});

describe('a keep-alive connection', () => {
  let port: number;
  const reads: number[] = [];
  beforeAll(async () => {
    const { server, port: bound } = await start();
    port = bound;
    // Every piece the server's socket hands on: about one per byte if it really read byte by byte.
    server.http.on('connection', (socket: net.Socket) => socket.on('data', (data: Buffer) => reads.push(data.length)));
  });

  it('frames GET, LIST, POST with a request-like body, LINK, chunked POST and PUT, and LIST one after another', async () => {
    const client = await RawClient.connect(port);
    for (const { request, expected } of sequence) {
      await client.write(request);
      expect(seen(await client.read())).toMatchObject(expected);
    }
    client.socket.destroy();
  });

  it('frames the same requests pipelined in one write', async () => {
    const client = await RawClient.connect(port);
    await client.write(sequence.map(({ request }) => request).join(''));
    const responses = await client.readMany(sequence.length);
    responses.forEach((response, n) => expect(seen(response)).toMatchObject(sequence[n]?.expected ?? {}));
    client.socket.destroy();
  });

  it('frames the same requests written one byte at a time', async () => {
    const client = await RawClient.connect(port);
    reads.length = 0;
    const bytes = sequence.map(({ request }) => request).join('');
    await client.writeByteByByte(bytes);
    const responses = await client.readMany(sequence.length);
    responses.forEach((response, n) => expect(seen(response)).toMatchObject(sequence[n]?.expected ?? {}));
    // The server really did get the bytes split, so every byte boundary was a split point.
    expect(reads.length).toBeGreaterThan(bytes.length * 0.9);
    client.socket.destroy();
  });
});

describe('bad input', () => {
  let port: number;
  beforeAll(async () => {
    ({ port } = await start());
  });

  it('gets Node’s 400 for garbage, and the server goes on serving others', async () => {
    const client = await RawClient.connect(port);
    await client.write(Buffer.from([0x00, 0xff, 0x4c, 0x0d, 0x0a, 0x0d, 0x0a, 0x0a]));
    expect((await client.read())?.status).toBe(400);
    await client.closed;

    const next = await RawClient.connect(port);
    await next.write('LIST /v1/after HTTP/1.1\r\nHost: lanyard\r\n\r\n');
    expect(seen(await next.read())).toMatchObject({ method: 'GET', url: '/v1/after?list=true' });
    next.socket.destroy();
  });

  it('gets a 400 and a close for garbage after a good request on the same connection', async () => {
    const client = await RawClient.connect(port);
    await client.write('LIST /v1/ok HTTP/1.1\r\nHost: lanyard\r\n\r\n');
    expect(seen(await client.read())).toMatchObject({ url: '/v1/ok?list=true' });
    await client.write('LIST nonsense\r\n\r\n');
    expect((await client.read())?.status).toBe(400);
    await client.closed;
  });

  it('stops rewriting after framing it cannot be sure of, even where a lenient parser goes on', async () => {
    // With both Content-Length and Transfer-Encoding, a lenient llhttp frames by chunked and reads
    // on; the rewriter no longer follows, so the LIST hidden after the body is not served.
    const handled: string[] = [];
    const { port: lenientPort } = await start(
      (req, res) => {
        handled.push(`${req.method} ${req.url}`);
        echo(req, res);
      },
      { insecureHTTPParser: true },
    );
    const client = await RawClient.connect(lenientPort);
    const hidden = 'LIST /v1/hidden HTTP/1.1\r\nHost: lanyard\r\n\r\n';
    await client.write(
      `POST /v1/front HTTP/1.1\r\nHost: lanyard\r\nContent-Length: ${5 + hidden.length}\r\n` +
        `Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    );
    expect(seen(await client.read())).toMatchObject({ method: 'POST', url: '/v1/front', body: '' });
    await client.write(hidden);
    expect((await client.read())?.status).toBe(400);
    await client.closed;
    expect(handled).toEqual(['POST /v1/front']);
  });

  it('gets Node’s 431 for a LIST whose headers are over the limit', async () => {
    const client = await RawClient.connect(port);
    await client.write(`LIST /v1/x HTTP/1.1\r\nHost: lanyard\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect((await client.read())?.status).toBe(431);
    await client.closed;
  });

  it('gets Node’s 431 for a head that never ends, sent in many pieces', async () => {
    const client = await RawClient.connect(port);
    await client.write('LIST /v1/x HTTP/1.1\r\nHost: lanyard\r\n');
    const field = `X-Pad: ${'p'.repeat(1000)}\r\n`;
    // The server closes on its own once over its limit; later writes may fail, which is fine.
    for (let n = 0; n < 80 && !client.socket.destroyed; n++) await client.write(field).catch(() => undefined);
    expect((await client.read())?.status).toBe(431);
    await client.closed;
  });
});

describe('the socket handlers see', () => {
  let port: number;
  beforeAll(async () => {
    ({ port } = await start());
  });

  it('has the TCP socket’s addresses and is not encrypted', async () => {
    const client = await RawClient.connect(port);
    await client.write('LIST /v1/who HTTP/1.1\r\nHost: lanyard\r\n\r\n');
    const echoed = seen(await client.read());
    expect(echoed).toMatchObject({
      remoteAddress: '127.0.0.1',
      remotePort: client.socket.localPort,
      remoteFamily: 'IPv4',
      localAddress: '127.0.0.1',
      localPort: port,
    });
    expect(echoed.encrypted).toBeUndefined();
    client.socket.destroy();
  });

  it('works under Express: method, query, client IP and protocol', async () => {
    const app = express();
    app.get('/v1/identity/oidc/client', (req, res) => {
      res.json({ method: req.method, list: req.query.list, ip: req.ip, protocol: req.protocol });
    });
    const { port: appPort } = await start(app);
    const client = await RawClient.connect(appPort);
    await client.write('LIST /v1/identity/oidc/client HTTP/1.1\r\nHost: lanyard\r\n\r\n');
    const response = await client.read();
    expect(response?.status).toBe(200);
    expect(JSON.parse(response!.body.toString())).toEqual({ method: 'GET', list: 'true', ip: '127.0.0.1', protocol: 'http' });
    client.socket.destroy();
  });

  it('leaves ordinary fetch traffic untouched', async () => {
    const base = `http://127.0.0.1:${port}`;
    const read = await fetch(`${base}/v1/sys/health?standbyok=true`);
    expect(await read.json()).toMatchObject({ method: 'GET', url: '/v1/sys/health?standbyok=true', body: '' });
    const body = 'LIST /v1/x HTTP/1.1\r\nHost: y\r\n\r\n{"a":1}';
    const write = await fetch(`${base}/v1/sys/policies/acl/p`, { method: 'PUT', body });
    expect(await write.json()).toMatchObject({ method: 'PUT', url: '/v1/sys/policies/acl/p', body });
  });

  it('carries large bodies both ways intact, with backpressure', async () => {
    const download = randomBytes(8 * 1024 * 1024);
    const { port: bigPort } = await start((req, res) => {
      const hash = createHash('sha256');
      req.on('data', (chunk: Buffer) => hash.update(chunk));
      req.on('end', () => {
        res.writeHead(200, { 'x-upload-sha256': hash.digest('hex'), 'content-length': download.length });
        // Many writes, so the response outruns the socket and waits for 'drain'.
        let offset = 0;
        const pump = (): void => {
          while (offset < download.length) {
            const piece = download.subarray(offset, offset + 64 * 1024);
            offset += piece.length;
            if (!res.write(piece)) {
              res.once('drain', pump);
              return;
            }
          }
          res.end();
        };
        pump();
      });
    });
    const upload = randomBytes(8 * 1024 * 1024);
    const result = await new Promise<{ uploadHash: unknown; downloadHash: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: bigPort, method: 'POST', path: '/v1/big' }, (res) => {
        const hash = createHash('sha256');
        res.on('data', (chunk: Buffer) => hash.update(chunk));
        res.on('end', () => resolve({ uploadHash: res.headers['x-upload-sha256'], downloadHash: hash.digest('hex') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      // Chunked upload in uneven pieces.
      for (let offset = 0; offset < upload.length; offset += 100_003) req.write(upload.subarray(offset, offset + 100_003));
      req.end();
    });
    expect(result.uploadHash).toBe(createHash('sha256').update(upload).digest('hex'));
    expect(result.downloadHash).toBe(createHash('sha256').update(download).digest('hex'));
  });

  it('hands an upgraded connection over untouched', async () => {
    const { server, port: upgradePort } = await start();
    server.http.on('upgrade', (_req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n');
      socket.write(head);
      socket.pipe(socket);
    });
    const client = await RawClient.connect(upgradePort);
    const after = 'LIST /v1/x HTTP/1.1\r\n\r\nGET /y HTTP/1.1\r\n\r\n';
    await client.write(`GET /v1/ws HTTP/1.1\r\nHost: lanyard\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n${after}`);
    expect((await client.read())?.status).toBe(101);
    await client.write('LIST /v1/z HTTP/1.1\r\n\r\n');
    // The echo sends back exactly what followed the upgrade request.
    const expected = `${after}LIST /v1/z HTTP/1.1\r\n\r\n`;
    expect((await client.readBytes(expected.length)).toString('latin1')).toBe(expected);
    client.socket.destroy();
  });
});

describe('connection lifecycle', () => {
  it('close() completes with an idle keep-alive client connected', async () => {
    const { server, port } = await start();
    const client = await RawClient.connect(port);
    await client.write('LIST /v1/x HTTP/1.1\r\nHost: lanyard\r\n\r\n');
    expect(seen(await client.read())).toMatchObject({ url: '/v1/x?list=true' });
    await server.close();
    await client.closed;
    expect(server.http.listening).toBe(false);
  });

  it('closeAllConnections() closes a connection with a request in flight', async () => {
    let arrived: () => void = () => {};
    const inFlight = new Promise<void>((resolve) => (arrived = resolve));
    const { server, port } = await start(() => arrived());
    const client = await RawClient.connect(port);
    await client.write('LIST /v1/slow HTTP/1.1\r\nHost: lanyard\r\n\r\n');
    await inFlight;
    server.http.closeAllConnections();
    await client.closed;
    expect(await client.read()).toBeUndefined();
  });

  it('keepAliveTimeout still closes an idle connection', async () => {
    const { server, port } = await start();
    server.http.keepAliveTimeout = 100;
    const client = await RawClient.connect(port);
    await client.write('LIST /v1/x HTTP/1.1\r\nHost: lanyard\r\n\r\n');
    expect(seen(await client.read()).url).toBe('/v1/x?list=true');
    await client.closed;
  });

  it('headersTimeout still answers 408 to a LIST head that stalls', async () => {
    const { port } = await start(echo, { headersTimeout: 200, requestTimeout: 400, connectionsCheckingInterval: 50 });
    const client = await RawClient.connect(port);
    await client.write('LIST /v1/x HTTP/1.1\r\nHost: lanyard\r\n');
    expect((await client.read())?.status).toBe(408);
    await client.closed;
  });
});
