/**
 * A small OIDC token issuer for benchmarks (test/support/jwt_issuer.ts is outside the build): an
 * HTTP server on 127.0.0.1 serving a discovery document and a JWKS with one key per requested
 * algorithm, signing JWTs with them, and counting the requests it gets so a benchmark can show how
 * often the server under test fetched its keys.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

export interface BenchKey {
  readonly alg: string;
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly publicJwk: JWK;
}

export interface BenchIssuer {
  /** The issuer URL: `iss` of its tokens, and the discovery base URL. */
  readonly url: string;
  readonly keys: ReadonlyMap<string, BenchKey>;
  sign(alg: string, claims: JWTPayload): Promise<string>;
  /** Requests seen per path. */
  counts(): Record<string, number>;
  close(): Promise<void>;
}

export async function startBenchIssuer(algorithms: readonly string[]): Promise<BenchIssuer> {
  const keys = new Map<string, BenchKey>();
  for (const alg of algorithms) {
    const { privateKey, publicKey } = await generateKeyPair(alg);
    const kid = `${alg.toLowerCase()}-bench`;
    keys.set(alg, { alg, kid, privateKey, publicKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } });
  }
  const counts: Record<string, number> = {};
  let url = '';
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    counts[path] = (counts[path] ?? 0) + 1;
    const body =
      path === '/.well-known/openid-configuration'
        ? { issuer: url, jwks_uri: `${url}/keys`, id_token_signing_alg_values_supported: algorithms }
        : path === '/keys'
          ? { keys: [...keys.values()].map((key) => key.publicJwk) }
          : undefined;
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    const text = JSON.stringify(body);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    keys,
    sign(alg, claims) {
      const key = keys.get(alg);
      if (key === undefined) throw new Error(`no ${alg} key`);
      return new SignJWT(claims).setProtectedHeader({ alg, kid: key.kid, typ: 'JWT' }).setIssuer(url).sign(key.privateKey);
    },
    counts: () => ({ ...counts }),
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
