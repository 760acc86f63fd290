/**
 * Route sets whose code is loaded on the first request that needs them. The protocol side
 * (node-oidc-provider, openid-client) is most of the server's start-up time and memory, and a
 * server that only does machine login or admin work may never need it.
 *
 * The placeholder sits where the route set would have been mounted, so middleware order is kept;
 * requests outside `prefixes` pass by without loading anything.
 */
import express, { type Express, type NextFunction, type Request, type Response, type Router } from 'express';
import type { Services } from '../services.js';
import { adoptLeanRoutes } from './lean_lane.js';

export type RouteSet = (app: Express, services: Services) => void;

export function lazyRoutes(prefixes: readonly string[], load: () => Promise<RouteSet>): RouteSet {
  return (app, services) => {
    let router: Promise<Router> | undefined;
    app.use((req: Request, res: Response, next: NextFunction) => {
      if (!prefixes.some((prefix) => req.path === prefix || req.path.startsWith(`${prefix}/`))) return next();
      router ??= load().then((mount) => {
        const routes = express.Router({ caseSensitive: true });
        // Route sets only call use/get/post/… with absolute paths, which a Router serves the same.
        mount(routes as Express, services);
        // From now on its hottest routes are served on the app's lean lane (lean_lane.ts).
        adoptLeanRoutes(app, routes);
        return routes;
      });
      router.then((routes) => routes(req, res, next), next);
    });
  };
}
