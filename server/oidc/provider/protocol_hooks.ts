/**
 * Koa middlewares on each Provider instance, for what node-oidc-provider leaves to deployments:
 * brute-force limits on device user codes, RFC 8628 polling answers, the records that make
 * JWT client-credentials tokens introspectable, and RFC 6749's unauthorized_client.
 */
import type { Provider } from 'oidc-provider';
import type { Services } from '../../services.js';
import { devicePolling } from './device/polling.js';
import { userCodeLimits } from './device/user_code_limiter.js';
import { unauthorizedClientAnswer } from './grant_refusal.js';
import { jwtTokenRecorder } from './jwt_access_tokens.js';

export function installProtocolHooks(provider: Provider, services: Services, name: string): void {
  provider.use(userCodeLimits(services, name));
  provider.use(devicePolling(services, name));
  provider.use(jwtTokenRecorder());
  provider.use(unauthorizedClientAnswer());
}
