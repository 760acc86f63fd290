/**
 * A real upstream OpenID Provider for SSO tests: a node-oidc-provider instance of its own on
 * 127.0.0.1 (random port), with its own RSA and Ed25519 keys, one confidential client (Lanyard),
 * people with email/groups claims, and a tiny sign-in page that a test drives with fetch or a
 * headless browser.
 *
 *   const idp = await UpstreamIdp.start({ redirectUri: `${lanyard}/api/v1/sso/oidc/callback`, alg: 'RS512' });
 *   idp.issuer, idp.discoveryUrl, idp.endpoints    (for `custom` or `discoveryURL` configurations)
 *   idp.clientId, idp.clientSecret
 *   idp.addAccount({ sub: 'u-1', email: 'alice@example.com', groups: ['eng'] })
 *   idp.autoLogin = 'u-1'      the next sign-in pages finish at once as this person ('deny': refuse)
 *   idp.tamperIdTokens = true  ID tokens leave the token endpoint with a changed payload (bad signature)
 *   idp.issueRefreshTokens = true  the token endpoint also issues refresh tokens; idp.removeAccount(sub)
 *   await idp.close()
 *
 * The sign-in page (`GET /interaction/:uid`, when autoLogin is unset) is a form with a text field
 * labelled "Account" (name `account`: an account's sub) and the buttons "Sign in" and "Deny".
 * Consent is implicit: every requested scope is granted. The ID token is signed with the client's
 * `alg`: RS256, RS512, EdDSA (the Ed25519 key) or HS256 (the client secret). With
 * `claimsInIdToken: false` the email and groups are only in the userinfo answer, as with IdPs
 * that keep ID tokens small.
 *
 * The cookies are named `upstream_*` so a cookie jar shared with Lanyard (same host) keeps both.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider, { type Account, type KoaContextWithOIDC } from 'oidc-provider';

export type UpstreamAlg = 'RS256' | 'RS512' | 'EdDSA' | 'HS256';

export interface UpstreamAccount {
  readonly sub: string;
  readonly email?: string;
  readonly email_verified?: boolean | string;
  readonly name?: string;
  readonly groups?: string | readonly string[];
}

export interface UpstreamIdpOptions {
  /** Lanyard's callback URL, registered as the client's only redirect URI. */
  readonly redirectUri: string;
  /** The client's ID token signing algorithm; default RS256. */
  readonly alg?: UpstreamAlg;
  /** Default true: email, name and groups are in the ID token too, not only in userinfo. */
  readonly claimsInIdToken?: boolean;
  readonly accounts?: readonly UpstreamAccount[];
}

export interface UpstreamEndpoints {
  readonly authorization: string;
  readonly token: string;
  readonly userinfo: string;
  readonly jwks: string;
}

export class UpstreamIdp {
  readonly issuer: string;
  readonly discoveryUrl: string;
  readonly endpoints: UpstreamEndpoints;
  readonly clientId = 'lanyard';
  readonly clientSecret: string;
  readonly alg: UpstreamAlg;
  /** The sub to sign in as at once on the next sign-in pages, or 'deny' to refuse; unset: show the form. */
  autoLogin: string | undefined;
  tamperIdTokens = false;
  /** Issue refresh tokens (for offline_access requests); off by default. */
  issueRefreshTokens = false;
  readonly #accounts = new Map<string, UpstreamAccount>();
  readonly #server: Server;
  #provider: Provider | undefined;
  #providerHandler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;

  private constructor(server: Server, issuer: string, alg: UpstreamAlg, clientSecret: string) {
    this.#server = server;
    this.issuer = issuer;
    this.alg = alg;
    this.clientSecret = clientSecret;
    this.discoveryUrl = `${issuer}/.well-known/openid-configuration`;
    this.endpoints = { authorization: `${issuer}/auth`, token: `${issuer}/token`, userinfo: `${issuer}/me`, jwks: `${issuer}/jwks` };
  }

  static async start(options: UpstreamIdpOptions): Promise<UpstreamIdp> {
    let idp: UpstreamIdp | undefined;
    const server = createServer((req, res) => idp!.#handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    // 64 characters: long enough for HS256 by any rule.
    idp = new UpstreamIdp(server, `http://127.0.0.1:${port}`, options.alg ?? 'RS256', randomBytes(48).toString('base64url'));
    for (const account of options.accounts ?? []) idp.addAccount(account);
    idp.#provider = await idp.#createProvider(options);
    idp.#providerHandler = idp.#provider.callback();
    return idp;
  }

  addAccount(account: UpstreamAccount): void {
    this.#accounts.set(account.sub, account);
  }

  /** The person leaves the IdP: their refresh tokens are refused from now on. */
  removeAccount(sub: string): void {
    this.#accounts.delete(sub);
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #createProvider(options: UpstreamIdpOptions): Promise<Provider> {
    const rsa = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
    const ed = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    // No `alg` on the RSA key: it signs both RS256 and RS512.
    const keys: JWK[] = [
      { ...(await exportJWK(rsa.privateKey)), kid: 'rsa-1', use: 'sig' },
      { ...(await exportJWK(ed.privateKey)), kid: 'ed25519-1', use: 'sig' },
    ];
    const provider = new Provider(this.issuer, {
      clients: [
        {
          client_id: this.clientId,
          client_secret: this.clientSecret,
          redirect_uris: [options.redirectUri],
          response_types: ['code'],
          grant_types: ['authorization_code', 'refresh_token'],
          token_endpoint_auth_method: 'client_secret_basic',
          id_token_signed_response_alg: this.alg,
        },
      ],
      jwks: { keys },
      enabledJWA: { idTokenSigningAlgValues: ['RS256', 'RS512', 'EdDSA', 'HS256'] },
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'groups'] },
      conformIdTokenClaims: options.claimsInIdToken === false,
      findAccount: (_ctx, sub) => this.#account(sub),
      issueRefreshToken: () => this.issueRefreshTokens,
      loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
        const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
        grant.addOIDCScope(String(ctx.oidc.params?.scope ?? 'openid'));
        await grant.save();
        return grant;
      },
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      routes: { authorization: '/auth', token: '/token', userinfo: '/me', jwks: '/jwks' },
      cookies: {
        names: { session: 'upstream_session', interaction: 'upstream_interaction', resume: 'upstream_resume' },
        keys: [randomBytes(32).toString('hex')],
      },
      features: { devInteractions: { enabled: false } },
      ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
      renderError: (ctx, out) => {
        ctx.type = 'html';
        ctx.body = `<!DOCTYPE html><title>Upstream error</title><p id="error">${String(out.error)}</p>`;
      },
    });
    provider.use(async (ctx, next) => {
      await next();
      const body = ctx.body as { id_token?: unknown } | undefined;
      if (this.tamperIdTokens && ctx.oidc?.route === 'token' && typeof body?.id_token === 'string') {
        body.id_token = tamper(body.id_token);
      }
    });
    return provider;
  }

  #account(sub: string): Account | undefined {
    const account = this.#accounts.get(sub);
    if (account === undefined) return undefined;
    return {
      accountId: sub,
      claims: () => {
        const { sub: subject, ...claims } = account;
        return { sub: subject, ...claims };
      },
    };
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const provider = this.#provider;
    const handler = this.#providerHandler;
    if (provider === undefined || handler === undefined) {
      res.writeHead(503).end();
      return;
    }
    const match = /^\/interaction\/([\w-]+)(\/login|\/deny)?$/.exec(new URL(req.url ?? '/', this.issuer).pathname);
    if (match === null) {
      handler(req, res);
      return;
    }
    this.#interaction(provider, req, res, match[1] as string, match[2]).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(error instanceof Error ? error.message : String(error));
    });
  }

  async #interaction(provider: Provider, req: IncomingMessage, res: ServerResponse, uid: string, action: string | undefined): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error('interaction mismatch');
    let choice: string | undefined;
    if (action === undefined) choice = this.autoLogin;
    else if (action === '/deny') choice = 'deny';
    else choice = new URLSearchParams(await readBody(req)).get('account') ?? '';

    if (choice === undefined) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(signInPage(uid));
      return;
    }
    const result =
      choice === 'deny' || !this.#accounts.has(choice)
        ? { error: 'access_denied', error_description: choice === 'deny' ? 'the person declined' : 'unknown account' }
        : { login: { accountId: choice } };
    const location = await provider.interactionResult(req, res, result, { mergeWithLastSubmission: false });
    res.writeHead(303, { location }).end();
  }
}

function signInPage(uid: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Upstream sign-in</title></head>
<body><main>
<h1>Upstream IdP</h1>
<form method="post" action="/interaction/${uid}/login">
<label for="account">Account</label> <input id="account" name="account" type="text">
<button type="submit">Sign in</button>
</form>
<form method="post" action="/interaction/${uid}/deny"><button type="submit">Deny</button></form>
</main></body></html>`;
}

/** The same JWS with an extra claim in its payload: the signature no longer fits. */
function tamper(jws: string): string {
  const [header, payload, signature] = jws.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  claims.email = 'mallory@example.com';
  return `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}
