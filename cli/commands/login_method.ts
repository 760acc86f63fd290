/**
 * What a login method is: arguments in, a token and the auth block to show out. The methods live
 * in their own modules and `login_methods.ts` lists them by name; this contract is apart from that
 * list so a method can name it without importing the list that imports the method.
 */
import type { LanyardClient } from '../client.js';
import type { Shown } from '../format.js';
import type { CliIo } from '../io.js';

export interface LoginRequest {
  /** A client carrying no token: a login must not depend on the one it replaces. */
  readonly client: LanyardClient;
  /** The positional arguments after the options (TOKEN, or key=value pairs). */
  readonly args: readonly string[];
  /** The auth mount path (`-path`), by default the method's name. */
  readonly mount: string;
  readonly io: CliIo;
  /** `-mfa=CODE`: the passcode for a login that needs a second factor. */
  readonly mfa?: string;
}

export interface LoginResult {
  readonly token: string;
  /** The response to show, with an `auth` block. */
  readonly shown: Shown;
}

export interface LoginMethod {
  /** The argument shape, for help and usage errors. */
  readonly usage: string;
  login(request: LoginRequest): Promise<LoginResult>;
}
