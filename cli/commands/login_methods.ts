/**
 * The ways `lanyard login` can get a token, by `-method=` name. Each method turns the command's
 * arguments into a token plus the auth block to show. Adding a method (the workload `oidc-auth`
 * login, browser `oidc` SSO) means adding an entry here; the command itself does not change.
 */
import type { Envelope } from '../client.js';
import { ApiError } from '../http/errors.js';
import type { CliIo } from '../io.js';
import { CliError, usageError } from './cli_error.js';
import { attempt, explainFailure } from './failure.js';
import { promptHidden, readStdin, stdinOnce } from './input.js';
import { parseKeyValues } from './kv_args.js';
import { mfaRequirementOf, satisfyMfa } from './login_mfa.js';
import { OIDC_LOGIN_USAGE, oidcLogin } from './login_oidc.js';
import { oidcAuthLoginMethod } from './oidc_auth.js';
import type { LoginMethod, LoginRequest, LoginResult } from './login_method.js';

export const LOGIN_METHODS: Readonly<Record<string, LoginMethod>> = {
  token: { usage: 'lanyard login [TOKEN | -]', login: tokenLogin },
  userpass: { usage: 'lanyard login -method=userpass username=NAME [password=… | password=- | password=@FILE]', login: userpassLogin },
  oidc: { usage: OIDC_LOGIN_USAGE, login: oidcLogin },
  'oidc-auth': oidcAuthLoginMethod,
};

/** `lanyard login TOKEN`: check the token with lookup-self, then present it like a login. */
async function tokenLogin({ client, args, io }: LoginRequest): Promise<LoginResult> {
  if (args.length > 1) throw usageError(`too many arguments: ${LOGIN_METHODS.token?.usage}`);
  const arg = args[0];
  const token =
    arg === undefined
      ? await askSecret(io, 'Token (will be hidden): ', 'give the TOKEN as an argument, or - to read it from stdin')
      : arg === '-'
        ? (await readStdin(io)).trim()
        : arg.startsWith('token=')
          ? arg.slice('token='.length)
          : arg;
  if (token === '') throw usageError('the token is empty');

  let looked;
  try {
    looked = await client.request('GET', 'auth/token/lookup-self', { token });
  } catch (err) {
    if (err instanceof ApiError && err.status === 403) throw new CliError('Error: the token was not accepted: it is mistyped, expired or revoked');
    throw explainFailure(err, 'checking the token', client);
  }
  const data = looked.envelope?.data ?? {};
  const tokenPolicies = stringList(data.policies);
  const identityPolicies = stringList(data.identity_policies);
  const envelope: Envelope = {
    request_id: looked.envelope?.request_id ?? '',
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data: null,
    wrap_info: null,
    warnings: looked.envelope?.warnings ?? null,
    auth: {
      client_token: token,
      accessor: typeof data.accessor === 'string' ? data.accessor : '',
      policies: [...new Set([...tokenPolicies, ...identityPolicies])].sort(),
      token_policies: tokenPolicies,
      identity_policies: identityPolicies,
      metadata: (data.meta as Record<string, string> | null | undefined) ?? null,
      lease_duration: typeof data.ttl === 'number' ? data.ttl : 0,
      renewable: data.renewable === true,
      entity_id: typeof data.entity_id === 'string' ? data.entity_id : '',
    },
    mount_type: 'token',
  };
  return { token, shown: { json: envelope, envelope } };
}

/** `-method=userpass username=NAME [password=…]`: POST auth/<mount>/login/NAME. */
async function userpassLogin({ client, args, mount, io, mfa }: LoginRequest): Promise<LoginResult> {
  const { username, password, ...rest } = await parseKeyValues(args, stdinOnce(io));
  if (typeof username !== 'string' || username === '') throw usageError(`missing username=NAME: ${LOGIN_METHODS.userpass?.usage}`);
  if (username.includes('/')) throw usageError(`invalid username ${JSON.stringify(username)}`);
  const given = password ?? (await askSecret(io, 'Password (will be hidden): ', 'pass password=- to read it from stdin, or password=@FILE'));
  if (typeof given !== 'string') throw usageError('give password= once');
  // `echo "$PW" |` and password files end with a line break that is not part of the password.
  const secret = given.replace(/\r?\n$/, '');

  const first = await attempt(client, `logging in as ${username}`, () =>
    client.request('POST', `auth/${mount}/login/${username}`, { body: { ...rest, password: secret } }),
  );
  const requirement = mfaRequirementOf(first);
  const response = requirement ? await satisfyMfa(client, io, requirement, mfa) : first;
  const token = response.envelope?.auth?.client_token;
  if (typeof token !== 'string' || token === '') throw new CliError("Error logging in: the server's answer has no token");
  return { token, shown: { json: response.body, envelope: response.envelope ?? {} } };
}

/** A secret typed at the terminal without echo; with no terminal, say how to pass it instead. */
async function askSecret(io: CliIo, prompt: string, instead: string): Promise<string> {
  if (!io.stdin.isTTY) throw usageError(`stdin is not a terminal, so there is nothing to prompt on: ${instead}`);
  return promptHidden(io, prompt);
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.map((item) => String(item)) : [];
}
