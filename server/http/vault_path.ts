/**
 * Vault's request model for the admin API (`/v1/...`), modelled on Vault's sdk/framework:
 * a path declares its fields and the operations it supports; the framework maps the HTTP method to
 * an operation, reads and types the body, authenticates the token, runs the existence check that
 * tells create from update, checks the ACL, and renders the answer in Vault's envelope.
 *
 * Handlers stay small: they get typed data and an authenticated context, and return data (or
 * nothing, which is 204).
 */
import type { NextFunction, Request, Response, Router } from 'express';
import { LanyardError, notFound, permissionDenied } from '../errors.js';
import type { Capability } from '../policy/index.js';
import type { AuthContext } from '../auth/context.js';
import { decodeBody, decodeQuery, readRawBody } from './body.js';
import { parseFields, unknownFieldsWarning, type FieldSchema, type FieldValues } from './fields.js';
import { requestContext, type RequestContext } from './request_context.js';
import { sendVaultError } from './vault_response.js';
import { PathTable } from './vault_path_table.js';

export type Operation = 'read' | 'list' | 'create' | 'update' | 'delete';

/** Vault's `auth` block, for login and token-create responses. */
export interface AuthBlock {
  readonly client_token: string;
  readonly accessor: string;
  readonly policies: readonly string[];
  readonly token_policies: readonly string[];
  readonly identity_policies?: readonly string[];
  readonly metadata: Readonly<Record<string, string>> | null;
  readonly lease_duration: number;
  readonly renewable: boolean;
  readonly entity_id: string;
  readonly token_type: 'service';
  readonly orphan: boolean;
  readonly mfa_requirement: null;
  readonly num_uses: number;
}

/** Vault's `auth` block of a login that waits for its second factor (`sys/mfa/validate`). */
export interface MfaRequirementAuth {
  readonly client_token: '';
  readonly accessor: '';
  readonly policies: null;
  readonly token_policies: null;
  readonly metadata: null;
  readonly lease_duration: 0;
  readonly renewable: false;
  readonly entity_id: '';
  readonly token_type: '';
  readonly orphan: false;
  readonly mfa_requirement: {
    readonly mfa_request_id: string;
    readonly mfa_constraints: Readonly<Record<string, { readonly any: ReadonlyArray<Readonly<Record<string, unknown>>> }>>;
  };
  readonly num_uses: 0;
}

export interface VaultResult {
  readonly data?: unknown;
  readonly warnings?: readonly string[];
  readonly auth?: AuthBlock | MfaRequirementAuth;
  readonly status?: number;
}

/** A response outside Vault's envelope (discovery, JWKS, introspection…). */
export interface RawResult {
  readonly raw: true;
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as is instead of `body` as JSON (with the content type in `headers`), e.g. Prometheus text. */
  readonly text?: string;
}

/** The envelope with `data` also spread at the top level, as Vault's legacy sys endpoints answer. */
export function legacyAnswer(req: { readonly requestId: string }, data: Record<string, unknown>, mountType = 'system'): RawResult {
  const body = { ...data, request_id: req.requestId, lease_id: '', renewable: false, lease_duration: 0, data, wrap_info: null, warnings: null, auth: null, mount_type: mountType };
  return { raw: true, status: 200, body };
}

export interface VaultRequest<S extends FieldSchema> extends RequestContext {
  readonly operation: Operation;
  /** The logical path without `/v1/`, e.g. `identity/oidc/key/k1` (list paths end in `/`). */
  readonly path: string;
  /** Path parameters in canonical spelling (see `canonicalParams`). */
  readonly params: Readonly<Record<string, string>>;
  /** The parameters as the caller spelled them: the name to keep when a request creates something. */
  readonly typedParams: Readonly<Record<string, string>>;
  readonly data: FieldValues<S>;
  /** Undefined only on unauthenticated operations. */
  readonly auth: AuthContext | undefined;
  readonly http: Request;
}

export type Handler<S extends FieldSchema> = (req: VaultRequest<S>) => Promise<VaultResult | RawResult | undefined | void>;

export interface VaultPath<S extends FieldSchema = FieldSchema> {
  /** Express pattern relative to `/v1`, e.g. `/identity/oidc/key/:name`. */
  readonly pattern: string;
  readonly fields?: S;
  /** Operations that need no token (discovery, login). */
  readonly unauthenticated?: readonly Operation[];
  /** Whether the addressed resource exists: a write to an existing one is `update`, else `create`. */
  readonly existence?: (req: VaultRequest<S>) => Promise<boolean>;
  /**
   * Path parameters that the store treats without regard to letter case, with the function that
   * gives their canonical spelling (the stored one). The ACL, the handler and the audit see the
   * path with these spellings, so `DEFAULT` cannot slip past a rule written for `default`.
   */
  readonly canonicalParams?: Readonly<Record<string, (value: string) => string | Promise<string>>>;
  /** Mount type reported in the envelope (`identity`, `token`, `userpass`, `system`). */
  readonly mountType?: string;
  /**
   * Vault's root paths (`PathsSpecial.Root`): every operation also needs the `sudo` capability on
   * the path, checked with the ACL, before any token use is counted.
   */
  readonly sudo?: boolean;
  readonly operations: Partial<Record<Operation, Handler<S>>>;
}

/** Name segments follow Vault's GenericNameRegex; other names do not route. */
const NAME_PATTERN = /^\w(?:[\w.-]*\w)?$/;

export interface VaultPathDeps {
  readonly authenticate: (req: Request, ctx: RequestContext) => Promise<AuthContext | undefined>;
  /** Spend one use of the token (num_uses); false when it was exhausted meanwhile. */
  readonly consumeUse: (auth: AuthContext) => Promise<boolean>;
  readonly maxRequestBytes: number;
  /** Audit devices (server/audit): absent in tests that mount a bare app. */
  readonly audit?: VaultPathAudit;
}

/**
 * The audit hooks: `request` before the handler, `response` after it (both reject, and so fail
 * the request, when no enabled device recorded the entry); `failure` for a request that ends in an
 * error, resolving to an error to send instead when the failure itself could not be recorded.
 */
export interface VaultPathAudit {
  seen(request: VaultRequest<FieldSchema>, mountType: string): void;
  request(request: VaultRequest<FieldSchema>): Promise<void>;
  response(request: VaultRequest<FieldSchema>, result: VaultResult | RawResult | undefined | void): Promise<void>;
  failure(http: Request, err: unknown): Promise<unknown>;
}

export function definePath<S extends FieldSchema>(path: VaultPath<S>): VaultPath<S> {
  return path;
}

/** `canonicalParams` for names the store lower-cases (policies, userpass usernames). */
export const lowerCased = (value: string): string => value.toLowerCase();

/**
 * Puts the paths on `router` as one dispatcher (vault_path_table.ts) rather than one Express route
 * each, which Express would try in turn with a regular expression per route on every request.
 * The answers are Express's: first declared path wins, one trailing `/` is ignored, letter case
 * counts, and `req.params` and `req.route.path` are set as Express sets them.
 */
export function vaultPathRoutes(router: Router, paths: readonly VaultPath<FieldSchema>[], deps: VaultPathDeps): void {
  const table = new PathTable(paths);
  router.use((req: Request, res: Response, next: NextFunction) => {
    const found = table.match(req.path);
    if (found === undefined) return next();
    const { route: path, params } = found;
    req.params = params;
    req.route = { path: path.pattern };
    handle(path, req, res, deps).catch(async (err: unknown) => {
      const auditError = await deps.audit?.failure(req, err);
      sendVaultError(res, auditError ?? err, requestContext(req));
    });
  });
}

async function handle<S extends FieldSchema>(path: VaultPath<S>, req: Request, res: Response, deps: VaultPathDeps): Promise<void> {
  const ctx = requestContext(req);
  const typedParams = req.params as Record<string, string>;
  const params = await canonicalParams(path, typedParams);
  const url = new URL(req.originalUrl, 'http://x');
  const query = decodeQuery(url.searchParams);
  let operation = operationFor(req.method, query);
  const rawData = operation === 'create' ? decodeBody(await readRawBody(req, deps.maxRequestBytes), req.headers['content-type']) : withoutListFlag(query);
  const logicalPath = logicalPathOf(path.pattern, params) + (operation === 'list' ? '/' : '');
  const handlerFor = (op: Operation): Handler<S> | undefined => path.operations[op];
  if (operation === 'create' && !handlerFor('create') && !handlerFor('update')) throw unsupported();
  if (operation !== 'create' && !handlerFor(operation)) throw unsupported();

  const anonymous = path.unauthenticated?.includes(operation) ?? false;
  const auth = anonymous ? undefined : await deps.authenticate(req, ctx);
  if (!anonymous && !auth) throw permissionDenied('missing or invalid token');

  const parsed = parseFields(path.fields ?? ({} as S), rawData);
  const request: VaultRequest<S> = { ...ctx, operation, path: logicalPath, params, typedParams, data: parsed.values, auth, http: req };
  deps.audit?.seen(request, path.mountType ?? '');

  // Vault's existence check: a write to something that exists is an update.
  if (operation === 'create') {
    const exists = path.existence ? await path.existence(request) : false;
    operation = exists || !handlerFor('create') ? 'update' : 'create';
    if (!handlerFor(operation)) throw unsupported();
  }
  if (auth) {
    if (!auth.acl.allows(logicalPath, operation as Capability)) throw permissionDenied(`policy denies ${operation} on ${logicalPath}`);
    if (path.sudo === true && !auth.acl.allows(logicalPath, 'sudo')) throw permissionDenied(`sudo is required on ${logicalPath}`);
    if (!(await deps.consumeUse(auth))) throw permissionDenied('token use limit reached');
  }

  const final = { ...request, operation };
  await deps.audit?.request(final as VaultRequest<FieldSchema>);
  const result = await (handlerFor(operation) as Handler<S>)(final);
  await deps.audit?.response(final as VaultRequest<FieldSchema>, result);
  sendResult(res, ctx, operation, path.mountType ?? '', result, parsed.unknown);
}

/**
 * The route's parameters in canonical spelling. Names outside Vault's name pattern do not route;
 * the request path has already passed the canonical-path gate, so no parameter is encoded.
 */
async function canonicalParams(path: Pick<VaultPath, 'canonicalParams'>, raw: Record<string, string>): Promise<Record<string, string>> {
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (!NAME_PATTERN.test(value)) throw new LanyardError('not_found', 'unsupported path', { detail: 'bad name segment' });
    const canonical = path.canonicalParams?.[name];
    params[name] = canonical ? await canonical(value) : value;
  }
  return params;
}

/** The Vault path without `/v1/` that the ACL checks: the route's pattern with its parameters. */
function logicalPathOf(pattern: string, params: Readonly<Record<string, string>>): string {
  return pattern
    .slice(1)
    .split('/')
    .map((segment) => (segment.startsWith(':') ? params[segment.slice(1)] : segment))
    .join('/');
}

function sendResult(
  res: Response,
  ctx: RequestContext,
  operation: Operation,
  mountType: string,
  result: VaultResult | RawResult | undefined | void,
  unknown: readonly string[],
): void {
  if (result && 'raw' in result) {
    res.status(result.status);
    for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, value);
    if (!res.hasHeader('cache-control')) res.setHeader('Cache-Control', 'no-store');
    if (result.text !== undefined) res.send(result.text);
    else res.json(result.body);
    return;
  }
  res.setHeader('Cache-Control', 'no-store');
  if (!result || (result.data === undefined && result.auth === undefined && !result.warnings?.length)) {
    if (operation === 'read') throw notFound();
    res.status(204).end();
    return;
  }
  if (operation === 'list' && isEmptyList(result.data)) throw notFound();
  const warnings = [...(result.warnings ?? []), ...(unknown.length > 0 ? [unknownFieldsWarning(unknown)] : [])];
  sendJson(res, result.status ?? 200, {
    request_id: ctx.requestId,
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data: result.data ?? null,
    wrap_info: null,
    warnings: warnings.length > 0 ? warnings : null,
    auth: result.auth ?? null,
    mount_type: mountType,
  });
}

/**
 * What Express's `res.status(status).json(body)` sends (the same headers, no body for HEAD),
 * written directly: Express re-parses and re-formats the content type on every call. Statuses
 * without a body and conditional requests, which Express answers specially, still go through it.
 */
function sendJson(res: Response, status: number, body: unknown): void {
  const { headers, method } = res.req;
  if (status === 204 || status === 304 || headers['if-none-match'] !== undefined || headers['if-modified-since'] !== undefined) {
    res.status(status).json(body);
    return;
  }
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  if (method === 'HEAD') res.end();
  else res.end(text);
}

function operationFor(method: string, query: Record<string, unknown>): Operation {
  switch (method) {
    case 'GET':
    case 'HEAD': {
      const list = query.list;
      if (list === undefined) return 'read';
      if (typeof list === 'string' && /^(1|t|true)$/i.test(list)) return 'list';
      if (typeof list === 'string' && /^(0|f|false)$/i.test(list)) return 'read';
      throw new LanyardError('invalid_request', '', { detail: 'unparsable list parameter' });
    }
    case 'POST':
    case 'PUT':
      return 'create';
    case 'DELETE':
      return 'delete';
    default:
      throw unsupported();
  }
}

function withoutListFlag(query: Record<string, unknown>): Record<string, unknown> {
  const { list: _list, ...rest } = query;
  return rest;
}

function isEmptyList(data: unknown): boolean {
  const keys = (data as { keys?: unknown } | null | undefined)?.keys;
  return !Array.isArray(keys) || keys.length === 0;
}

function unsupported(): LanyardError {
  return new LanyardError('unsupported_operation', 'unsupported operation');
}
