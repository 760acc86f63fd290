/**
 * The lean lane (server/http/lean_lane.ts): its routes skip Express's router but meet the same
 * stages and error handler; everything else, other spellings included, goes through Express.
 * The second half checks the lane's routes on a real server against what Express answers.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { addLeanRoute, requestListener, setLeanStages } from '../../server/http/lean_lane.js';
import { lazyRoutes } from '../../server/http/lazy_routes.js';
import type { Services } from '../../server/services.js';
import { api, startTestServer, type TestServer } from '../support/server.js';

describe('lean lane dispatch', () => {
  let server: Server;
  let base: string;
  const seen: string[] = [];

  beforeAll(async () => {
    const app: Express = express();
    const stage = (req: Request, _res: Response, next: NextFunction): void => {
      seen.push(`stage ${req.originalUrl} ${req.url} ${req.path} ${req.baseUrl}`);
      next();
    };
    app.use(stage);
    // Express answers every path itself here, so an answer from a lean route shows the router was skipped.
    app.use((req: Request, res: Response) => void res.status(418).json({ via: 'express', url: req.url }));
    const echo = (req: Request, res: Response): void => {
      res.json({ via: 'lane', params: req.params, url: req.url, baseUrl: req.baseUrl, originalUrl: req.originalUrl, path: req.path, route: (req.route as { path?: string } | undefined)?.path ?? null });
    };
    addLeanRoute(app, { method: 'POST', pattern: '/api/v1/fast', handle: echo });
    addLeanRoute(app, { method: 'POST', pattern: '/v1/provider/:name/token', handle: echo });
    addLeanRoute(app, { method: 'POST', pattern: '/api/v1/throws', handle: () => { throw new Error('boom'); } });
    addLeanRoute(app, { method: 'POST', pattern: '/api/v1/passes', handle: (_req, _res, next) => next() });
    setLeanStages(app, {
      before: [stage],
      onError: (error: unknown, _req: Request, res: Response) => void res.status(599).json({ error: error instanceof Error ? error.message : String(error) }),
    });
    server = createServer(requestListener(app));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const post = async (path: string): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(`${base}${path}`, { method: 'POST' });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('serves an exact route after the stages, with Express request objects', async () => {
    seen.length = 0;
    const { status, body } = await post('/api/v1/fast?x=1');
    expect(status).toBe(200);
    expect(body).toEqual({ via: 'lane', params: {}, url: '/api/v1/fast?x=1', baseUrl: '', originalUrl: '/api/v1/fast?x=1', path: '/api/v1/fast', route: '/api/v1/fast' });
    expect(seen).toEqual(['stage /api/v1/fast?x=1 /api/v1/fast?x=1 /api/v1/fast ']);
  });

  it('serves a /:name/ route as Express serves a mount: the name a parameter, the URL below it', async () => {
    seen.length = 0;
    const { status, body } = await post('/v1/provider/acme/token?q=2');
    // The stages (audit, metrics) see the whole path, as app-level middleware does in Express.
    expect(seen).toEqual(['stage /v1/provider/acme/token?q=2 /v1/provider/acme/token?q=2 /v1/provider/acme/token ']);
    expect(status).toBe(200);
    expect(body).toEqual({ via: 'lane', params: { name: 'acme' }, url: '/token?q=2', baseUrl: '/v1/provider/acme', originalUrl: '/v1/provider/acme/token?q=2', path: '/token', route: null });
  });

  it('leaves every other method, path and spelling to Express', async () => {
    for (const path of ['/api/v1/fast/', '/API/v1/fast', '/api/v1//fast', '/api/v1/%66ast', '/v1/provider//token', '/v1/provider/a/b/token', '/v1/provider/%61/token', '/v1/provider/acme/token/']) {
      const { status, body } = await post(path);
      expect([path, status, body.via]).toEqual([path, 418, 'express']);
    }
    const get = await fetch(`${base}/api/v1/fast`);
    expect(get.status).toBe(418);
  });

  it('sends what a route throws, or passes on, to the error handler', async () => {
    expect(await post('/api/v1/throws')).toEqual({ status: 599, body: { error: 'boom' } });
    expect(await post('/api/v1/passes')).toEqual({ status: 599, body: { error: 'unsupported path' } });
  });

  it('takes over the lean routes of a lazily loaded route set once it is loaded', async () => {
    const app: Express = express();
    // Blocks any request that carries the header, in Express only.
    app.use((req: Request, res: Response, next: NextFunction) => (req.headers['x-block'] ? void res.status(418).json({ via: 'express' }) : next()));
    const handle = (req: Request, res: Response): void => void res.json({ via: 'route', name: req.params.name });
    const routeSet = lazyRoutes(['/v1/lazy'], async () => (target) => {
      target.use('/v1/lazy/:name', handle);
      addLeanRoute(target, { method: 'POST', pattern: '/v1/lazy/:name/token', handle });
    });
    routeSet(app, {} as Services);
    setLeanStages(app, { before: [], onError: (_error: unknown, _req: Request, res: Response) => void res.status(599).end() });
    const lazyServer = createServer(requestListener(app));
    await new Promise<void>((resolve) => lazyServer.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(lazyServer.address() as AddressInfo).port}/v1/lazy/one/token`;
    try {
      const blocked = { method: 'POST', headers: { 'x-block': '1' } };
      expect((await fetch(url, blocked)).status).toBe(418); // not loaded yet: Express's way
      expect(await (await fetch(url, { method: 'POST' })).json()).toEqual({ via: 'route', name: 'one' }); // loads it
      expect(await (await fetch(url, blocked)).json()).toEqual({ via: 'route', name: 'one' }); // now on the lane
    } finally {
      await new Promise<void>((resolve) => lazyServer.close(() => resolve()));
    }
  });

  it('refuses to register a path that is not canonical', () => {
    const app = express();
    expect(() => addLeanRoute(app, { method: 'POST', pattern: '/api//x', handle: () => undefined })).toThrow(/canonical/);
    expect(() => addLeanRoute(app, { method: 'POST', pattern: '/a/:id/x', handle: () => undefined })).toThrow(/name/);
  });
});

describe('lean lane routes on the server', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.destroy());

  it('machine login, renew and revoke answer in Infisical shape with a request id', async () => {
    for (const path of ['/api/v1/auth/oidc-auth/login', '/api/v1/auth/token/renew', '/api/v1/auth/token/revoke']) {
      const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"accessToken": 5}' });
      const body = (await res.json()) as Record<string, unknown>;
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(body.reqId).toBe(res.headers.get('x-request-id'));
      expect([path, res.status, body.statusCode]).toEqual([path, 422, 422]);
    }
    const broken = await fetch(`${server.url}/api/v1/auth/token/renew`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { error: string }).error).toBe('BadRequest');
  });

  it('the provider token endpoint answers OAuth errors, and unknown or invalid names as Express would', async () => {
    expect((await api(server, 'POST', '/v1/identity/oidc/provider/lane', {})).status).toBe(204);
    const form = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=refresh_token&refresh_token=x' };
    const known = await fetch(`${server.url}/v1/identity/oidc/provider/lane/token`, form);
    expect([known.status, await known.json()]).toEqual([400, { error: 'invalid_request', error_description: 'no client authentication mechanism provided' }]);

    const unknown = await fetch(`${server.url}/v1/identity/oidc/provider/nobody/token`, form);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: 'invalid_request', error_description: 'provider not found' });

    // Not a provider name: the admin API's answer for a path it does not have.
    const invalid = await fetch(`${server.url}/v1/identity/oidc/provider/a!b/token`, form);
    expect(invalid.status).toBe(404);
    expect(await invalid.json()).toEqual({ errors: ['unsupported path'] });
  });
});
