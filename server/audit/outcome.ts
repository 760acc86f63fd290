/**
 * How a request ended when it failed: the error's code and stable reason (a machine-login reason
 * code, for example), noted where the error is rendered so the audit entry and the login metrics
 * can carry it without the error text.
 */
import type { IncomingMessage } from 'node:http';
import type { LanyardError } from '../errors.js';

export interface Outcome {
  readonly code: string;
  readonly reason: string | undefined;
  readonly message: string;
}

const outcomes = new WeakMap<IncomingMessage, Outcome>();

export function noteOutcome(req: IncomingMessage, error: LanyardError): void {
  outcomes.set(req, { code: error.code, reason: error.reason, message: error.expose ? error.message : 'internal error' });
}

export function outcomeOf(req: IncomingMessage): Outcome | undefined {
  return outcomes.get(req);
}
