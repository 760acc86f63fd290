/**
 * The lean lane: the few hottest protocol routes (machine login, token renew and revoke, each
 * provider's token endpoint) are dispatched by one map lookup instead of Express's router, which
 * otherwise matches every request against each layer registered before its route (system routes,
 * the provider mount, every feature router) and rewrites the URL at each mount. The profile of a
 * machine login put that walk at about a tenth of the request's CPU.
 *
 * Nothing else changes for these requests: they get Express's request and response objects, the
 * same stages as every request (request context, metrics, audit), the same handler, and the
 * app's error handler. A request the lane does not know goes to the Express app unchanged, and
 * the routes stay registered there too.
 *
 * Only canonical paths are registered (see canonical_path.ts), so a path the lane matches exactly
 * has already passed the canonical-path gate; anything else (another spelling, a query on a POST
 * included) still meets the gate in Express, because the lane compares the path part only and a
 * path that differs in any byte is not found.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { ErrorRequestHandler, Express, NextFunction, Request, RequestHandler, Response } from 'express';
import { LanyardError } from '../errors.js';
import { nonCanonicalReason, pathnameOf } from './canonical_path.js';

export interface LeanRoute {
  /** Upper case, as Node reports it (`POST`). */
  readonly method: string;
  /**
   * `/a/b/c` matches that path only. A prefix ending in `/:name/`, e.g.
   * `/v1/identity/oidc/provider/:name/token`, matches one segment in its place: the route is
   * then dispatched the way Express dispatches a mount at the prefix (`req.baseUrl` holds it,
   * `req.url` the rest), and the segment is `req.params.name`.
   */
  readonly pattern: string;
  readonly handle: (req: Request, res: Response, next: NextFunction) => void;
}

/** What every request meets before its route, in order, and what renders a failure. */
export interface LeanStages {
  readonly before: readonly RequestHandler[];
  readonly onError: ErrorRequestHandler;
}

interface Lane {
  stages: LeanStages | undefined;
  readonly exact: Map<string, LeanRoute>;
  readonly mounted: Array<{ readonly method: string; readonly prefix: string; readonly rest: string; readonly route: LeanRoute }>;
}

const lanes = new WeakMap<object, Lane>();

function laneOf(app: object): Lane {
  let lane = lanes.get(app);
  if (lane === undefined) {
    lane = { stages: undefined, exact: new Map(), mounted: [] };
    lanes.set(app, lane);
  }
  return lane;
}

/** Registers a route on the app's lean lane (as well as, by the caller, on Express). */
export function addLeanRoute(app: Express, route: LeanRoute): void {
  const lane = laneOf(app);
  const param = route.pattern.indexOf('/:');
  if (param === -1) {
    if (nonCanonicalReason(route.pattern) !== undefined) throw new Error(`lean route ${route.pattern} is not a canonical path`);
    lane.exact.set(`${route.method} ${route.pattern}`, route);
    return;
  }
  const after = route.pattern.indexOf('/', param + 2);
  if (after === -1 || route.pattern.slice(param + 2, after) !== 'name') throw new Error(`lean route ${route.pattern}: only a '/:name/' segment is supported`);
  lane.mounted.push({ method: route.method, prefix: route.pattern.slice(0, param + 1), rest: route.pattern.slice(after), route });
}

/**
 * Moves the lean routes a route set registered on `from` (a router standing in for the app, as
 * lazily loaded route sets get) onto the app's lane.
 */
export function adoptLeanRoutes(app: Express, from: object): void {
  const source = lanes.get(from);
  if (source === undefined) return;
  const lane = laneOf(app);
  for (const [key, route] of source.exact) lane.exact.set(key, route);
  lane.mounted.push(...source.mounted);
  lanes.delete(from);
}

/** Sets the stages every lean-lane request meets; without them the lane stays closed. */
export function setLeanStages(app: Express, stages: LeanStages): void {
  laneOf(app).stages = stages;
}

/** The Node request listener for `app`: the lean lane for its routes, Express for the rest. */
export function requestListener(app: Express): RequestListener {
  const lane = lanes.get(app);
  if (lane === undefined) return app;
  return (req: IncomingMessage, res: ServerResponse) => {
    const stages = lane.stages;
    const url = req.url ?? '/';
    const path = pathnameOf(url);
    if (stages !== undefined && req.method !== undefined) {
      const route = lane.exact.get(`${req.method} ${path}`);
      if (route !== undefined) return dispatch(app, stages, req, res, route, { params: {}, routePath: route.pattern });
      for (const { method, prefix, rest, route: mountedRoute } of lane.mounted) {
        if (method !== req.method || !path.startsWith(prefix) || !path.endsWith(rest)) continue;
        const name = path.slice(prefix.length, path.length - rest.length);
        // One segment, spelled canonically; anything else goes the long way, through the gate.
        if (name === '' || name.includes('/') || nonCanonicalReason(path) !== undefined) break;
        return dispatch(app, stages, req, res, mountedRoute, { params: { name }, baseUrl: `${prefix}${name}`, url: url.slice(prefix.length + name.length) });
      }
    }
    return app(req, res);
  };
}

interface Dispatch {
  readonly params: Record<string, string>;
  /** A route: its path as Express's `req.route.path` (what the metrics label). */
  readonly routePath?: string;
  /** A mount: its base URL and the URL below it. */
  readonly baseUrl?: string;
  readonly url?: string;
}

/** What Express's app.handle and its router set up for a request that reaches `route`. */
function dispatch(app: Express, stages: LeanStages, req: IncomingMessage, res: ServerResponse, route: LeanRoute, how: Dispatch): void {
  const request = req as Request;
  const response = res as Response;
  request.res = response;
  response.req = request;
  Object.setPrototypeOf(req, app.request);
  Object.setPrototypeOf(res, app.response);
  response.locals ??= Object.create(null) as Response['locals'];
  request.originalUrl = req.url ?? '/';
  request.baseUrl = '';
  request.params = {};
  // The stages see the request as Express's app-level middleware does (the audit and the metrics
  // choose by the whole path); the route sees it as its mount or route does.
  const enterRoute = (): void => {
    request.params = how.params;
    if (how.routePath !== undefined) request.route = { path: how.routePath };
    if (how.baseUrl !== undefined) request.baseUrl = how.baseUrl;
    if (how.url !== undefined) req.url = how.url;
  };

  const fail = (error: unknown): void => {
    void stages.onError(error, request, response, () => undefined);
  };
  // A route that passes the request on (a provider mount, for a name that is no provider) would
  // reach no other route in Express either: what the app answers for an unknown path.
  const passOn = (error?: unknown): void => fail(error ?? new LanyardError('not_found', 'unsupported path'));
  let stage = 0;
  const next: NextFunction = (error?: unknown) => {
    if (error !== undefined && error !== null) return fail(error);
    const handler = stages.before[stage++];
    try {
      if (handler !== undefined) handler(request, response, next);
      else {
        enterRoute();
        route.handle(request, response, passOn);
      }
    } catch (thrown) {
      fail(thrown);
    }
  };
  request.next = next;
  next();
}
