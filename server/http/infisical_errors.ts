/**
 * Errors of the Infisical-shaped API (`/api/v1/auth/...`) and their wire shape, which is
 * Infisical's error handler's: `{reqId, statusCode, message, error}`. `error` names the kind
 * (`BadRequest`, `UnauthorizedError`, `ForbiddenError`, `PermissionDenied`, `TokenError`,
 * `NotFound`, `ValidationFailure`, …); a 422 carries the list of validation issues as `message`,
 * as Infisical's zod failures do; a 5xx never says more than "Something went wrong".
 *
 * These are LanyardErrors like every other failure, so the stable code, the internal detail and
 * the reason code (machine-login refusals) reach the logs the same way.
 */
import { noteOutcome } from '../audit/outcome.js';
import type { Response } from 'express';
import type { VerificationError } from '../../verifier/index.js';
import { LanyardError, toLanyardError, type ErrorCode, type ErrorOptions } from '../errors.js';
import type { RequestContext } from './request_context.js';

/** One problem with a request body, shaped like a zod issue (what Infisical clients parse). */
export interface ValidationIssue {
  readonly code: 'invalid_type' | 'too_small' | 'too_big' | 'invalid_string' | 'custom';
  readonly path: ReadonlyArray<string | number>;
  readonly message: string;
}

const NAME_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'UnauthorizedError',
  403: 'ForbiddenError',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  413: 'PayloadTooLarge',
  415: 'UnsupportedMediaType',
  422: 'ValidationFailure',
  429: 'RateLimitExceeded',
  503: 'ServiceUnavailable',
};

const CODE_BY_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'permission_denied',
  404: 'not_found',
  422: 'invalid_request',
};

/** A failure with Infisical's `error` name chosen explicitly (TokenError, PermissionDenied…). */
export class InfisicalError extends LanyardError {
  readonly errorName: string;

  constructor(status: number, errorName: string, message: string, options: Omit<ErrorOptions, 'status'> = {}) {
    super(CODE_BY_STATUS[status] ?? 'internal', message, { ...options, status });
    this.errorName = errorName;
  }
}

/** Infisical's 422 `ValidationFailure`, whose `message` is the list of issues. */
export class ValidationFailure extends InfisicalError {
  readonly issues: readonly ValidationIssue[];

  constructor(issues: readonly ValidationIssue[]) {
    super(422, 'ValidationFailure', issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; '));
    this.issues = issues;
  }
}

export const badRequest = (message: string, options?: Omit<ErrorOptions, 'status'>): InfisicalError =>
  new InfisicalError(400, 'BadRequest', message, options);

export const unauthorized = (message: string, options?: Omit<ErrorOptions, 'status'>): InfisicalError =>
  new InfisicalError(401, 'UnauthorizedError', message, options);

export const forbidden = (message: string, options?: Omit<ErrorOptions, 'status'>): InfisicalError =>
  new InfisicalError(403, 'ForbiddenError', message, options);

export const notFound = (message: string, options?: Omit<ErrorOptions, 'status'>): InfisicalError =>
  new InfisicalError(404, 'NotFound', message, options);

/** Infisical's answer for an access token that cannot be used (expired, unknown, tampered). */
export const tokenError = (detail: string): InfisicalError =>
  new InfisicalError(403, 'TokenError', 'Your token has expired or is invalid. Please re-authenticate.', { detail });

/** The trusted-IP refusal, at login and on every use of a token. */
export const ipNotAllowed = (detail: string): InfisicalError =>
  forbidden('You are not allowed to access this resource from the current IP address', { detail, reason: 'ip_not_allowed' });

/**
 * A refused workload JWT: the verifier's public message and Infisical's status for it; the reason
 * code and the detail stay out of the response.
 */
export function loginRefused(error: VerificationError): InfisicalError {
  return new InfisicalError(error.status, NAME_BY_STATUS[error.status] ?? 'InternalServerError', error.message, {
    reason: error.reason,
    detail: error.detail,
  });
}

/** Writes any thrown value in Infisical's error shape. */
export function sendInfisicalError(res: Response, err: unknown, ctx: RequestContext): void {
  const error = toLanyardError(err);
  noteOutcome(res.req, error);
  if (error.status >= 500) ctx.log.error('request failed', { code: error.code, reason: error.reason, detail: error.detail });
  else if (error.detail !== undefined) ctx.log.debug('request refused', { code: error.code, reason: error.reason, detail: error.detail });
  if (res.headersSent) {
    res.destroy();
    return;
  }
  for (const [name, value] of Object.entries(error.headers ?? {})) res.setHeader(name, value);
  res.setHeader('Cache-Control', 'no-store');
  const name = error instanceof InfisicalError ? error.errorName : (NAME_BY_STATUS[error.status] ?? 'InternalServerError');
  const message = error instanceof ValidationFailure ? error.issues : error.expose ? error.message || defaultMessage(error.status) : 'Something went wrong';
  res.status(error.status).json({ reqId: ctx.requestId, statusCode: error.status, message, error: error.status >= 500 ? 'InternalServerError' : name });
}

function defaultMessage(status: number): string {
  if (status === 404) return 'The requested entity is not found';
  if (status === 401 || status === 403) return 'You are not allowed to access this resource';
  return 'The request is invalid';
}
