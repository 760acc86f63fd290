/**
 * A real OIDC token issuer for tests and benchmarks: an HTTP(S) server on 127.0.0.1 that serves a
 * discovery document and a JWKS, holds real keys, and signs real JWTs with them.
 *
 *   const idp = await TestIssuer.start();                 // one RS256 key, kid "rs256-1"
 *   const idp = await TestIssuer.start({ https: true, keys: ['ES256'] });  // private CA in idp.caCert
 *   idp.baseUrl        http(s)://127.0.0.1:PORT           (use as oidcDiscoveryUrl)
 *   idp.issuer         `iss` of tokens and `issuer` of discovery (default baseUrl; option `issuer`)
 *   idp.discoveryUrl   baseUrl + /.well-known/openid-configuration
 *   idp.jwksUri        baseUrl + /keys
 *   idp.caCert         PEM of the throwaway CA (https only), generated with /usr/bin/openssl
 *
 * Keys:
 *   await idp.addKey('PS256') / addKey({ alg, kid?, publish?, jwk? })  → IssuerKey (becomes the
 *       default signing key). `jwk` patches the published JWK (e.g. { use: 'enc' }, { alg: 'RS256' },
 *       { kid: undefined } to publish it without kid). `publish: false` keeps it out of the JWKS.
 *   await idp.rotate(alg?)   adds a new key (default: the current key's alg) and makes it the default
 *   idp.publish(kid) / idp.unpublish(kid) / idp.removeKey(kid)
 *   idp.keys                 every key, in creation order
 *
 * Tokens:
 *   idp.claims(overrides?)   default claims: iss, sub "repo:acme/app:ref:refs/heads/main",
 *                            aud "lanyard", iat now, exp now+300; an override of undefined deletes
 *   await idp.token(overrides?, options?)   = sign(claims(overrides), options)
 *   idp.policy(changes?)     a verifier BoundPolicy the default token satisfies (caCert included)
 *   await idp.sign(claims, { key?: kid of the signing key, header?: patch of the protected header })
 *       the header defaults to { alg: key.alg, kid: key.kid, typ: 'JWT' }; a patch value of
 *       undefined deletes the member (e.g. { kid: undefined } for a token without kid).
 *
 * Server behaviour:
 *   idp.setDiscovery(patch)          patch the discovery document (undefined deletes a member)
 *   idp.route(path, handler?)        answer `path` with a custom (req, res) handler; no handler restores
 *   idp.requestCount(path)           requests seen per path (handled or not); idp.resetCounts()
 *   await idp.close()                closes the server and every open connection
 *
 * Options: { https?, issuer?, keys?: (alg | KeySpec)[], now?: () => ms } (`now` drives iat/exp).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CompactSign, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import type { BoundPolicy, JwsAlgorithm } from '../../verifier/index.js';

const run = promisify(execFile);

export interface KeySpec {
  readonly alg: JwsAlgorithm;
  /** Default: `<alg lowercased>-<n>`. */
  readonly kid?: string;
  /** Whether the key appears in the JWKS. Default true. */
  readonly publish?: boolean;
  /** Members merged into the published JWK; undefined deletes a member. */
  readonly jwk?: Readonly<Record<string, unknown>>;
}

export interface IssuerKey {
  readonly kid: string;
  readonly alg: JwsAlgorithm;
  readonly privateKey: CryptoKey;
  /** The JWK as published (after the `jwk` patch). */
  readonly publicJwk: JWK;
  published: boolean;
}

export interface TestIssuerOptions {
  readonly https?: boolean;
  readonly issuer?: string;
  /** Keys created at start; default one RS256 key. */
  readonly keys?: ReadonlyArray<JwsAlgorithm | KeySpec>;
  readonly now?: () => number;
}

export interface SignOptions {
  /** kid of the key that signs; default the most recently added key. */
  readonly key?: string;
  readonly header?: Readonly<Record<string, unknown>>;
}

export type RouteHandler = (request: IncomingMessage, response: ServerResponse) => void;

/** A fresh CA and a server certificate for 127.0.0.1, ::1 and localhost signed by it. */
export interface TlsCredentials {
  readonly caCert: string;
  readonly key: string;
  readonly cert: string;
}

/** Generates TLS credentials with the openssl CLI in a temporary directory it then removes. */
export async function generateTlsCredentials(): Promise<TlsCredentials> {
  const dir = await mkdtemp(join(tmpdir(), 'lanyard-test-ca-'));
  const openssl = (args: string[]) => run('/usr/bin/openssl', args, { cwd: dir });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  try {
    await openssl(['req', '-x509', '-new', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Lanyard test CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    await openssl(['req', '-new', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
    await writeFile(join(dir, 'server.ext'), [
      'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost',
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth',
      '',
    ].join('\n'));
    await openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
      '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext']);
    const [caCert, key, cert] = await Promise.all(['ca.pem', 'server.key', 'server.pem'].map((file) => readFile(join(dir, file), 'utf8')));
    return { caCert: caCert!, key: key!, cert: cert! };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function patch<T extends Record<string, unknown>>(base: T, changes: Readonly<Record<string, unknown>> = {}): T {
  const result: Record<string, unknown> = { ...base };
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete result[name];
    else result[name] = value;
  }
  return result as T;
}

export class TestIssuer {
  readonly baseUrl: string;
  readonly issuer: string;
  readonly discoveryUrl: string;
  readonly jwksUri: string;
  readonly caCert: string | undefined;
  readonly keys: IssuerKey[] = [];
  readonly #server: Server;
  readonly #now: () => number;
  readonly #routes = new Map<string, RouteHandler>();
  readonly #counts = new Map<string, number>();
  readonly #serials = new Map<JwsAlgorithm, number>();
  #discoveryPatch: Readonly<Record<string, unknown>> = {};
  #defaultKey: IssuerKey | undefined;

  private constructor(server: Server, baseUrl: string, options: TestIssuerOptions, caCert: string | undefined) {
    this.#server = server;
    this.baseUrl = baseUrl;
    this.issuer = options.issuer ?? baseUrl;
    this.discoveryUrl = `${baseUrl}/.well-known/openid-configuration`;
    this.jwksUri = `${baseUrl}/keys`;
    this.caCert = caCert;
    this.#now = options.now ?? Date.now;
  }

  static async start(options: TestIssuerOptions = {}): Promise<TestIssuer> {
    let issuer: TestIssuer | undefined;
    const handler = (request: IncomingMessage, response: ServerResponse): void => issuer!.#handle(request, response);
    const tls = options.https === true ? await generateTlsCredentials() : undefined;
    const server = tls === undefined ? createHttpServer(handler) : createHttpsServer({ key: tls.key, cert: tls.cert }, handler);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    issuer = new TestIssuer(server, `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`, options, tls?.caCert);
    for (const spec of options.keys ?? ['RS256']) await issuer.addKey(spec);
    return issuer;
  }

  async addKey(spec: JwsAlgorithm | KeySpec): Promise<IssuerKey> {
    const { alg, kid, publish = true, jwk } = typeof spec === 'string' ? { alg: spec } : spec;
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const name = kid ?? this.#nextKid(alg);
    const publicJwk = patch({ ...(await exportJWK(publicKey)), kid: name, use: 'sig' }, jwk);
    const key: IssuerKey = { kid: name, alg, privateKey, publicJwk, published: publish };
    this.keys.push(key);
    this.#defaultKey = key;
    return key;
  }

  rotate(alg?: JwsAlgorithm): Promise<IssuerKey> {
    return this.addKey(alg ?? this.#defaultKey?.alg ?? 'RS256');
  }

  publish(kid: string): void {
    this.#key(kid).published = true;
  }

  unpublish(kid: string): void {
    this.#key(kid).published = false;
  }

  removeKey(kid: string): void {
    this.keys.splice(this.keys.indexOf(this.#key(kid)), 1);
    if (this.#defaultKey?.kid === kid) this.#defaultKey = this.keys.at(-1);
  }

  claims(overrides: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
    const now = Math.floor(this.#now() / 1000);
    return patch({ iss: this.issuer, sub: 'repo:acme/app:ref:refs/heads/main', aud: 'lanyard', iat: now, exp: now + 300 }, overrides);
  }

  sign(claims: Readonly<Record<string, unknown>>, options: SignOptions = {}): Promise<string> {
    const key = options.key === undefined ? this.#defaultKey : this.#key(options.key);
    if (key === undefined) throw new Error('the issuer has no keys');
    const header = patch({ alg: key.alg, kid: key.kid, typ: 'JWT' }, options.header);
    return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
      .setProtectedHeader(header as { alg: string })
      .sign(key.privateKey);
  }

  token(overrides?: Readonly<Record<string, unknown>>, options?: SignOptions): Promise<string> {
    return this.sign(this.claims(overrides), options);
  }

  /** A policy that the default token satisfies, pointed at this issuer; `changes` override fields. */
  policy(changes: Partial<BoundPolicy> = {}): BoundPolicy {
    return {
      oidcDiscoveryUrl: this.baseUrl,
      boundIssuer: this.issuer,
      boundAudiences: ['lanyard'],
      boundSubject: 'repo:acme/app:ref:refs/heads/main',
      boundClaims: {},
      ...(this.caCert === undefined ? {} : { caCert: this.caCert }),
      ...changes,
    };
  }

  setDiscovery(changes: Readonly<Record<string, unknown>>): void {
    this.#discoveryPatch = { ...this.#discoveryPatch, ...changes };
  }

  route(path: string, handler?: RouteHandler): void {
    if (handler === undefined) this.#routes.delete(path);
    else this.#routes.set(path, handler);
  }

  requestCount(path: string): number {
    return this.#counts.get(path) ?? 0;
  }

  resetCounts(): void {
    this.#counts.clear();
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  #nextKid(alg: JwsAlgorithm): string {
    const serial = (this.#serials.get(alg) ?? 0) + 1;
    this.#serials.set(alg, serial);
    return `${alg.toLowerCase()}-${serial}`;
  }

  #key(kid: string): IssuerKey {
    const key = this.keys.find((candidate) => candidate.kid === kid);
    if (key === undefined) throw new Error(`no key ${kid}`);
    return key;
  }

  #handle(request: IncomingMessage, response: ServerResponse): void {
    const path = new URL(request.url ?? '/', this.baseUrl).pathname;
    this.#counts.set(path, this.requestCount(path) + 1);
    const route = this.#routes.get(path);
    if (route !== undefined) {
      route(request, response);
      return;
    }
    if (path === '/.well-known/openid-configuration') {
      const algorithms = [...new Set(this.keys.map((key) => key.alg))];
      const document = patch({ issuer: this.issuer, jwks_uri: this.jwksUri, id_token_signing_alg_values_supported: algorithms }, this.#discoveryPatch);
      sendJson(response, document);
    } else if (path === '/keys') {
      sendJson(response, { keys: this.keys.filter((key) => key.published).map((key) => key.publicJwk) });
    } else {
      response.writeHead(404).end();
    }
  }
}

function sendJson(response: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}
