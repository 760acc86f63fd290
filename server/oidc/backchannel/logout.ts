/**
 * OIDC Back-Channel Logout 1.0: when a person's session at a client ends on Lanyard's side —
 * RP-initiated logout, or a grant ended because the entity was disabled, deleted or unassigned —
 * every client that registered a `backchannel_logout_uri` receives a logout token (§2.4): a JWT
 * signed with the client's own named key (as its ID tokens are), `typ` logout+jwt, with `iss`,
 * `aud` (client ID), `iat`, `exp` (two minutes), `jti`, `sub` (entity ID), `events`, and `sid`
 * when it is known (always sent when the client set `backchannel_logout_session_required`).
 *
 * Delivery (§2.5) is a POST of `logout_token=…` through the project's outbound guard (plain http
 * and internal addresses only where the server allows them, checked at connect time, no
 * redirects, a five-second deadline, small answers). It happens in the background: an admin call
 * or a logout page never waits on a relying party, and a failed delivery is logged, not retried
 * (the grant and its tokens are gone either way).
 */
import { randomUUID } from 'node:crypto';
import type { Services } from '../../services.js';
import { boundedFetch, type BoundedFetch } from '../../../verifier/index.js';
import { trackDelivery } from './in_flight.js';
import { OIDC_KINDS } from '../admin/records.js';
import { ClientKeys } from '../provider/client_keys.js';
import { signWith } from '../provider/signing.js';
import { readSnapshot } from '../provider/snapshot.js';
import type { ClientRecord } from '../types.js';

export const LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const LOGOUT_TOKEN_TTL = 120;
export const BACKCHANNEL_TIMEOUT_MS = 5000;

export interface LogoutNotice {
  readonly provider: string;
  readonly clientId: string;
  readonly entityId: string;
  readonly sid?: string;
}

type LogoutServices = Pick<Services, 'storage' | 'seal' | 'log' | 'config' | 'now'>;

const fetchers = new WeakMap<object, BoundedFetch>();

function fetcherFor(services: LogoutServices): BoundedFetch {
  let fetch = fetchers.get(services);
  if (fetch === undefined) {
    fetch = boundedFetch({ userAgent: 'lanyard-backchannel-logout', allowHttp: services.config.allowHttpOutbound, allowPrivateNetwork: services.config.allowPrivateNetwork, timeoutMs: BACKCHANNEL_TIMEOUT_MS, maxBytes: 64 * 1024 });
    fetchers.set(services, fetch);
  }
  return fetch;
}

/** Starts delivering logout tokens for these notices; returns at once. */
export function sendBackchannelLogouts(services: LogoutServices, notices: readonly LogoutNotice[]): void {
  for (const notice of notices) {
    const delivery = deliver(services, notice).catch((err: unknown) => {
      services.log.warn('back-channel logout failed', { provider: notice.provider, client_id: notice.clientId, error: err instanceof Error ? err.message : String(err) });
    });
    trackDelivery(services, delivery);
  }
}

async function deliver(services: LogoutServices, notice: LogoutNotice): Promise<void> {
  const [entry] = await services.storage.findBy<ClientRecord>(OIDC_KINDS.client, 'client_id', notice.clientId);
  const client = entry?.value;
  const uri = client?.backchannel_logout_uri;
  if (client === undefined || uri === undefined || uri === '') return;
  if (client.backchannel_logout_session_required && notice.sid === undefined) {
    services.log.warn('back-channel logout without a session id for a client that requires one; sent without sid', { client_id: notice.clientId });
  }
  const snapshot = await readSnapshot(services, notice.provider);
  if (snapshot === undefined) return;
  const key = await new ClientKeys(services, services.log).read(client.key);
  if (key?.signing === undefined) throw new Error(`client key ${client.key} has no current key pair`);

  const iat = Math.floor(services.now() / 1000);
  const header = { alg: key.signing.algorithm, kid: key.signing.kid, typ: 'logout+jwt' };
  const claims = {
    iss: snapshot.issuer,
    aud: client.client_id,
    iat,
    exp: iat + LOGOUT_TOKEN_TTL,
    jti: randomUUID(),
    sub: notice.entityId,
    ...(notice.sid !== undefined ? { sid: notice.sid } : {}),
    events: { [LOGOUT_EVENT]: {} },
  };
  const input = `${b64(header)}.${b64(claims)}`;
  const token = `${input}.${signWith(key.signing, Buffer.from(input)).toString('base64url')}`;

  const response = await fetcherFor(services)(uri, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'cache-control': 'no-cache' },
    body: new URLSearchParams({ logout_token: token }),
  });
  if (response.status !== 200 && response.status !== 204) throw new Error(`${new URL(uri).origin} answered ${response.status}`);
  services.log.info('back-channel logout delivered', { provider: notice.provider, client_id: notice.clientId });
}

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
