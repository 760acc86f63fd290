/**
 * One spelling per resource. Every request path is checked here, before any router sees it, so
 * that routing, the ACL, the handler and the audit of a request all work on the same string.
 *
 * The rule is "refuse, never rewrite": a path is served only when it is already in canonical form,
 * and anything else is answered 400 before routing. Rewriting (decoding `%64`, folding `V1`,
 * collapsing `//`) would be just as safe only if every layer agreed on every step of it; refusing
 * makes that agreement trivial, and no client we support sends such spellings (names are
 * restricted to `[A-Za-z0-9_.-]`, so nothing ever needs percent-encoding).
 *
 * Canonical form:
 * - only RFC 3986 path characters without `%` and `;`: letters, digits, `-._~!$&'()*+,=:@` and `/`;
 *   so no percent-encoding at all (an encoded `/` can never split or join segments), no `;` path
 *   parameters, no `\`, no spaces, no control or non-ASCII characters;
 * - no empty segment (`//`) and no `.` or `..` segment; one trailing `/` is allowed (Vault's list
 *   paths end in one, and the router treats `a/` as `a`);
 * - letter case as registered: routing is case-sensitive (`createApp` turns Express's default
 *   off), so `/V1/...` or `/v1/SYS/...` reaches no route.
 *
 * Names that the store treats without regard to case (policy names, userpass usernames, entity
 * and group names) are resolved per route by `VaultPath.canonicalParams` before the ACL check.
 */
import type { NextFunction, Request, Response } from 'express';
import { LanyardError } from '../errors.js';

const ALLOWED = /^[A-Za-z0-9\-._~!$&'()*+,=:@/]*$/;

/** Why `pathname` is not canonical, or undefined when it is. */
export function nonCanonicalReason(pathname: string): string | undefined {
  if (!pathname.startsWith('/')) return 'the path must start with /';
  if (!ALLOWED.test(pathname)) {
    if (pathname.includes('%')) return 'percent-encoded characters are not accepted in the path';
    if (pathname.includes(';')) return "';' is not accepted in the path";
    return 'the path contains a character outside [A-Za-z0-9-._~!$&\'()*+,=:@/]';
  }
  const segments = pathname.slice(1).split('/');
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    if (segment === '.' || segment === '..') return "'.' and '..' segments are not accepted in the path";
    // One trailing slash is the only empty segment allowed ("/" itself is one empty segment).
    if (segment === '' && i !== segments.length - 1) return "empty segments ('//') are not accepted in the path";
  }
  if (pathname.length > 1 && pathname.endsWith('//')) return "empty segments ('//') are not accepted in the path";
  return undefined;
}

/** The path part of a request target (`req.url` before Express rewrites it for mounts). */
export function pathnameOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

export function canonicalPathGate() {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const reason = nonCanonicalReason(pathnameOf(req.originalUrl));
    if (reason === undefined) return next();
    next(new LanyardError('invalid_request', `non-canonical request path: ${reason}`));
  };
}
