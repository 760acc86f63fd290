/**
 * One HTTP exchange for every call the CLI makes: fetch with a time limit and no redirects
 * followed, the body read and parsed, and the two ways it can fail turned into the client's errors
 * (no answer: UnreachableError with a reason; an error status: ApiError with the lines of the
 * route's wire format).
 */
import { ApiError, UnreachableError } from './errors.js';
import { networkReason } from './network_reason.js';
import type { WireFormat } from './wire_formats.js';

export interface Exchange {
  readonly method: string;
  readonly url: URL;
  /** How the route words its errors. */
  readonly format: WireFormat;
  readonly headers: Readonly<Record<string, string>>;
  /** JSON text or a form; the matching Content-Type is among `headers`. */
  readonly body?: string | URLSearchParams | undefined;
  readonly timeoutMs: number;
  /** Where the server was looked for, as the operator knows it (named when nothing answers). */
  readonly address: string;
}

export interface Answer {
  readonly status: number;
  /** The parsed JSON body; the text when it is not JSON; undefined when empty (204). */
  readonly body: unknown;
}

export async function exchange({ method, url, format, headers, body, timeoutMs, address }: Exchange): Promise<Answer> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method,
      headers: { Accept: 'application/json', ...headers },
      // Followed, a redirect would take X-Vault-Token along (fetch drops only Authorization across
      // origins): the 3xx is reported instead.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      ...(body === undefined ? {} : { body }),
    });
    text = await response.text();
  } catch (err) {
    throw new UnreachableError(address, networkReason(err, timeoutMs), err);
  }
  const parsed = parseBody(text);
  if (response.status < 200 || response.status > 299) throw new ApiError(response.status, format.errorLines(parsed), parsed);
  return { status: response.status, body: parsed };
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // A proxy's HTML page or plain text: keep it so the error can show what came back.
    return text;
  }
}
