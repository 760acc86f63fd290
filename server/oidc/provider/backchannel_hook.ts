/**
 * RP-initiated logout and OIDC Back-Channel Logout: node-oidc-provider decides which clients of the
 * ending session registered a back-channel URI and calls each one's `backchannelLogout(sub, sid)`.
 * Its own implementation would sign with the key of the client that asked for the logout (the
 * signer follows the request's client) and fetch without Lanyard's outbound guard, so this
 * provider's Client class hands the call to server/oidc/backchannel instead, which signs with the
 * receiving client's key and delivers through the guard, in the background.
 */
import type { Provider } from 'oidc-provider';
import type { Services } from '../../services.js';
import { sendBackchannelLogouts } from '../backchannel/logout.js';

export function installBackchannelLogout(provider: Provider, services: Services, name: string): void {
  const ClientClass = provider.Client as unknown as { prototype: { backchannelLogout: (sub: string, sid: string) => Promise<void>; clientId: string } };
  ClientClass.prototype.backchannelLogout = function backchannelLogout(this: { clientId: string }, sub: string, sid: string): Promise<void> {
    sendBackchannelLogouts(services, [{ provider: name, clientId: this.clientId, entityId: sub, ...(typeof sid === 'string' ? { sid } : {}) }]);
    return Promise.resolve();
  };
}
