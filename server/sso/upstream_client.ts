/**
 * The relying-party side of upstream sign-in: an openid-client 6 Configuration for the configured
 * IdP, plus the key its ID tokens are checked with. A `custom` configuration is used as given; a
 * `discoveryURL` one is discovered (an issuer URL is checked against the document's `issuer`, a
 * full `…/.well-known/openid-configuration` URL is taken as is) and kept for an hour, so a login
 * costs no discovery fetch. Any change of the configuration (its `updatedAt`) builds afresh.
 *
 * Every request goes through the guarded outbound fetch (verifier/bounded_fetch.ts). The client
 * authenticates with client_secret_basic unless the IdP only advertises client_secret_post.
 *
 * ID token keys: HS256 uses the UTF-8 bytes of the client secret (as OIDC Core §10.1 and Infisical
 * do); RS256, RS512 and EdDSA use the IdP's JWKS, fetched through the same guarded fetch, cached,
 * and refetched when a token names an unknown `kid` (at most every 30 s).
 */
import { createRemoteJWKSet, customFetch as joseCustomFetch, type JWTVerifyGetKey } from 'jose';
import * as oidc from 'openid-client';
import { FetchError } from '../../verifier/index.js';
import { causedBy, messageOf } from './error_chain.js';
import type { BoundedFetch } from '../../verifier/index.js';
import { SsoLoginError } from './failures.js';
import type { SsoConfig } from './types.js';

const DISCOVERY_LIFETIME_MS = 60 * 60 * 1000;
const JWKS_COOLDOWN_MS = 30_000;
const JWKS_MAX_AGE_MS = 10 * 60 * 1000;
/** openid-client's own deadline, in seconds (the outbound fetch has a tighter one). */
const CLIENT_TIMEOUT_SECONDS = 30;

export interface Upstream {
  readonly configuration: oidc.Configuration;
  /** What ID token signatures are verified with. */
  readonly idTokenKey: Uint8Array | JWTVerifyGetKey;
}

export interface UpstreamClientOptions {
  readonly fetch: BoundedFetch;
  readonly allowHttp: boolean;
  readonly now: () => number;
}

interface Cached {
  readonly version: string;
  readonly builtAt: number;
  readonly upstream: Promise<Upstream>;
}

export class UpstreamClients {
  readonly #options: UpstreamClientOptions;
  #cached: Cached | undefined;

  constructor(options: UpstreamClientOptions) {
    this.#options = options;
  }

  /** The client for a configuration; SsoLoginError when its IdP cannot be discovered. */
  async get(config: SsoConfig): Promise<Upstream> {
    const version = `${config.id}:${config.updatedAt}`;
    const now = this.#options.now();
    const cached = this.#cached;
    if (cached?.version === version && now - cached.builtAt < DISCOVERY_LIFETIME_MS) return cached.upstream;
    const upstream = this.#build(config);
    const entry: Cached = { version, builtAt: now, upstream };
    this.#cached = entry;
    // A failed build is not kept: the next login tries again.
    upstream.catch(() => {
      if (this.#cached === entry) this.#cached = undefined;
    });
    return upstream;
  }

  async #build(config: SsoConfig): Promise<Upstream> {
    const metadata: Partial<oidc.ClientMetadata> = { id_token_signed_response_alg: config.jwtSignatureAlgorithm };
    const server = config.configurationType === 'custom' ? customMetadata(config) : await this.#discover(config);
    const configuration = new oidc.Configuration(server, config.clientId, metadata, clientAuthentication(server, config.clientSecret));
    configuration[oidc.customFetch] = this.#options.fetch;
    configuration.timeout = CLIENT_TIMEOUT_SECONDS;
    if (this.#options.allowHttp) oidc.allowInsecureRequests(configuration);
    return { configuration, idTokenKey: this.#idTokenKey(config, server) };
  }

  async #discover(config: SsoConfig): Promise<oidc.ServerMetadata> {
    try {
      const discovered = await oidc.discovery(new URL(config.discoveryURL), config.clientId, undefined, oidc.None(), {
        [oidc.customFetch]: this.#options.fetch,
        timeout: CLIENT_TIMEOUT_SECONDS,
        ...(this.#options.allowHttp ? { execute: [oidc.allowInsecureRequests] } : {}),
      });
      return discovered.serverMetadata();
    } catch (error) {
      if (causedBy(error, FetchError)) {
        throw new SsoLoginError('upstream_unreachable', `discovery at ${config.discoveryURL} failed: ${messageOf(error)}`, { cause: error });
      }
      throw new SsoLoginError('upstream_misconfigured', `discovery document at ${config.discoveryURL} is not usable: ${messageOf(error)}`, { cause: error });
    }
  }

  #idTokenKey(config: SsoConfig, server: oidc.ServerMetadata): Uint8Array | JWTVerifyGetKey {
    if (config.jwtSignatureAlgorithm === 'HS256') return new TextEncoder().encode(config.clientSecret);
    if (typeof server.jwks_uri !== 'string') {
      throw new SsoLoginError('upstream_misconfigured', `the IdP at ${server.issuer} publishes no jwks_uri, needed for ${config.jwtSignatureAlgorithm} ID tokens`);
    }
    return createRemoteJWKSet(new URL(server.jwks_uri), {
      [joseCustomFetch]: this.#options.fetch,
      cooldownDuration: JWKS_COOLDOWN_MS,
      cacheMaxAge: JWKS_MAX_AGE_MS,
    });
  }
}

function customMetadata(config: SsoConfig): oidc.ServerMetadata {
  return {
    issuer: config.issuer,
    authorization_endpoint: config.authorizationEndpoint,
    token_endpoint: config.tokenEndpoint,
    userinfo_endpoint: config.userinfoEndpoint,
    jwks_uri: config.jwksUri,
  };
}

/** Basic unless the IdP lists only post (the spec's default, when it lists nothing, is basic). */
function clientAuthentication(server: oidc.ServerMetadata, secret: string): oidc.ClientAuth {
  const methods = server.token_endpoint_auth_methods_supported;
  const postOnly = Array.isArray(methods) && methods.includes('client_secret_post') && !methods.includes('client_secret_basic');
  return postOnly ? oidc.ClientSecretPost(secret) : oidc.ClientSecretBasic(secret);
}
