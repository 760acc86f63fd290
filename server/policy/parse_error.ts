import { LanyardError } from '../errors.js';

/** A place in the policy text; both 1-based, columns count characters. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/**
 * A policy that cannot be accepted. The message names what is wrong and, when it is tied to a place
 * in the text, where: `failed to parse policy: line 3, column 5: unknown capability "reed"`.
 * It is an `invalid_request` (400) so handlers can let it through unchanged; the text is the
 * caller's own policy, so the message is safe to send back.
 */
export class PolicyParseError extends LanyardError {
  override name = 'PolicyParseError';
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(problem: string, at?: Position) {
    super('invalid_request', `failed to parse policy: ${at ? `line ${at.line}, column ${at.column}: ` : ''}${problem}`);
    this.line = at?.line;
    this.column = at?.column;
  }
}

const QUOTE_LIMIT = 64;

/** A user-supplied string for an error message: escaped, and shortened so messages stay small. */
export function quote(value: string): string {
  // A code point takes at most two code units, so this head holds the first QUOTE_LIMIT characters.
  const head = Array.from(value.slice(0, 2 * QUOTE_LIMIT));
  const long = head.length > QUOTE_LIMIT || value.length > 2 * QUOTE_LIMIT;
  return JSON.stringify(long ? `${head.slice(0, QUOTE_LIMIT).join('')}…` : value);
}
