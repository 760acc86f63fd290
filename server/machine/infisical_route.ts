/**
 * The plumbing every Infisical-shaped endpoint shares: the request context, the body (JSON or
 * form, size-limited before it is buffered), a 200 JSON answer that is never cached (answers carry
 * tokens and configuration), and failures rendered in Infisical's error shape.
 */
import type { Request, RequestHandler, Response } from 'express';
import { decodeBody, readRawBody } from '../http/body.js';
import { requestContext, type RequestContext } from '../http/request_context.js';
import { notFound, sendInfisicalError, ValidationFailure } from './infisical_errors.js';

/** Infisical's body limit (Fastify's default), for the endpoints anyone can call. */
export const PUBLIC_BODY_LIMIT = 1024 * 1024;

export type InfisicalHandler = (req: Request, ctx: RequestContext) => Promise<unknown>;

export function infisicalRoute(handler: InfisicalHandler): RequestHandler {
  return (req: Request, res: Response) => {
    const ctx = requestContext(req);
    handler(req, ctx).then(
      (body) => {
        // Written directly: Express's send() adds nothing these answers need (no ETag, no 304).
        const text = JSON.stringify(body);
        res.statusCode = 200;
        res.setHeader('Content-Type', 'application/json; charset=utf-8');
        res.setHeader('Content-Length', Buffer.byteLength(text));
        res.setHeader('Cache-Control', 'no-store');
        res.end(text);
      },
      (err: unknown) => sendInfisicalError(res, err, ctx),
    );
  };
}

export async function readBody(req: Request, limit: number): Promise<Record<string, unknown>> {
  return decodeBody(await readRawBody(req, limit), req.headers['content-type']);
}

/** A required, non-empty string field, trimmed (Infisical trims `identityId`, `jwt`, `accessToken`). */
export function requiredString(body: Readonly<Record<string, unknown>>, field: string): string {
  const value = body[field];
  if (value === undefined) throw new ValidationFailure([{ code: 'invalid_type', path: [field], message: 'Required' }]);
  if (typeof value !== 'string') {
    throw new ValidationFailure([{ code: 'invalid_type', path: [field], message: `Expected string, received ${value === null ? 'null' : typeof value}` }]);
  }
  const trimmed = value.trim();
  if (trimmed === '') throw new ValidationFailure([{ code: 'too_small', path: [field], message: 'String must contain at least 1 character(s)' }]);
  return trimmed;
}

/** Fastify's answer for a route that does not exist, in Infisical's error shape. */
export const routeNotFound: RequestHandler = (req, res) => {
  const path = req.originalUrl.split('?')[0] ?? '';
  sendInfisicalError(res, notFound(`Route ${req.method}:${path} not found`), requestContext(req));
};
