/**
 * node-oidc-provider refuses any JWT presented at its introspection and revocation endpoints
 * ("Structured JWT Tokens cannot be introspected"), before any adapter is asked. Lanyard's JWT
 * client-credentials tokens are recorded (jwt_access_tokens.ts), so for those two endpoints the
 * form is read here first and a JWT-shaped `token` is handed on with a prefix the library does not
 * take for a JWT; the ClientCredentials adapter strips it and checks the JWT against its record.
 * Anything else passes through unchanged; the library reads the parsed form (req.body).
 */
import express, { type Request, type Response } from 'express';

export const STRUCTURED_TOKEN_PREFIX = 'lanyard-jwt:';

/** The library's own limit for token endpoint bodies. */
const form = express.urlencoded({ extended: false, limit: '56kb', parameterLimit: 32 });

const TOKEN_PATH = /^\/(?:introspect|revoke)$/;

function looksLikeJwt(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const parts = value.split('.');
  if (parts.length !== 3 && parts.length !== 5) return false;
  try {
    const header = JSON.parse(Buffer.from(parts[0] as string, 'base64url').toString('utf8')) as unknown;
    return typeof header === 'object' && header !== null && 'alg' in header;
  } catch {
    return false;
  }
}

/** Resolves true when the request may go on to the library; false when it was answered here. */
export function prepareStructuredToken(req: Request, res: Response): Promise<boolean> {
  if (req.method !== 'POST' || !TOKEN_PATH.test(req.path) || !req.is('application/x-www-form-urlencoded')) return Promise.resolve(true);
  return new Promise((resolve) => {
    form(req, res, (err?: unknown) => {
      if (err !== undefined) {
        const status = (err as { status?: unknown }).status;
        res.status(typeof status === 'number' && status >= 400 && status < 500 ? status : 400).set('Cache-Control', 'no-store').json({ error: 'invalid_request', error_description: 'failed to parse the request body' });
        resolve(false);
        return;
      }
      const body = req.body as Record<string, unknown> | undefined;
      if (body !== undefined && looksLikeJwt(body.token)) body.token = `${STRUCTURED_TOKEN_PREFIX}${body.token}`;
      resolve(true);
    });
  });
}
