import { describe, expect, it } from '@jest/globals';
import express from 'express';
import { PathTable } from '../../server/http/vault_path_table.js';

const patterns = [
  '/identity/oidc/key',
  '/identity/oidc/key/:name',
  '/identity/oidc/key/:name/rotate',
  '/identity/mfa/method/totp',
  '/identity/mfa/method/:method_id',
  '/identity/mfa/method/totp/:method_id',
  '/identity/mfa/passkey/entity/:entity_id/:id',
  '/sys/audit-hash/:path',
  '/sys/health',
].map((pattern) => ({ pattern }));

describe('PathTable', () => {
  const table = new PathTable(patterns);
  const match = (path: string) => {
    const found = table.match(path);
    return found === undefined ? undefined : [found.route.pattern, found.params];
  };

  it('finds static and parameter segments, the first declared pattern winning', () => {
    expect(match('/identity/oidc/key')).toEqual(['/identity/oidc/key', {}]);
    expect(match('/identity/oidc/key/k1')).toEqual(['/identity/oidc/key/:name', { name: 'k1' }]);
    expect(match('/identity/oidc/key/k1/rotate')).toEqual(['/identity/oidc/key/:name/rotate', { name: 'k1' }]);
    expect(match('/identity/mfa/method/totp')).toEqual(['/identity/mfa/method/totp', {}]);
    expect(match('/identity/mfa/method/abc')).toEqual(['/identity/mfa/method/:method_id', { method_id: 'abc' }]);
    expect(match('/identity/mfa/passkey/entity/e/p')).toEqual(['/identity/mfa/passkey/entity/:entity_id/:id', { entity_id: 'e', id: 'p' }]);
  });

  it('ignores one trailing slash, and nothing else', () => {
    expect(match('/identity/oidc/key/')).toEqual(['/identity/oidc/key', {}]);
    expect(match('/identity/oidc/key/k1/')).toEqual(['/identity/oidc/key/:name', { name: 'k1' }]);
    for (const path of ['/identity/oidc/key//', '/identity//oidc/key', '/identity/oidc/key//rotate', '/IDENTITY/oidc/key', '/identity/oidc/Key/k1', '/identity/oidc/key/k1/rotate/x', '/identity/oidc', 'identity/oidc/key', '/', '']) {
      expect([path, match(path)]).toEqual([path, undefined]);
    }
  });

  it('agrees with Express on every path of a generated set', async () => {
    // The same patterns on a real Express router, case-sensitive and non-strict as the app's.
    const router = express.Router({ caseSensitive: true });
    for (const { pattern } of patterns) router.all(pattern, (req, res) => void res.json([pattern, req.params]));
    const app = express();
    app.use(router);
    app.use((_req, res) => void res.json(null));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const pieces = ['identity', 'oidc', 'key', 'k1', 'rotate', 'mfa', 'method', 'totp', 'sys', 'audit-hash', 'Key', ''];
    const paths = new Set<string>();
    for (const a of pieces) for (const b of pieces) for (const c of pieces) paths.add(`/${a}/${b}/${c}`);
    for (const path of ['/identity/oidc/key/k1/rotate', '/identity/oidc/key/k1/rotate/', '/identity/mfa/passkey/entity/e/p', '/sys/health/']) paths.add(path);
    try {
      for (const path of paths) {
        const expressAnswer = await (await fetch(`${base}${path}`)).json();
        expect([path, match(path) ?? null]).toEqual([path, expressAnswer]);
      }
    } finally {
      server.close();
    }
  });

  it('refuses patterns it could not match as Express does', () => {
    for (const pattern of ['/:name/x', 'identity/x', '/identity//x', '/identity/*', '/identity/:name?', '/identity/(x)']) {
      expect(() => new PathTable([{ pattern }])).toThrow();
    }
  });
});
