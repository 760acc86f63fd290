/**
 * Client secrets: generated once (`hvo_secret_` + 64 base62, as Vault), sealed at rest with the
 * context `oidc-client:<name>:secret`. node-oidc-provider compares presented secrets (in constant
 * time) against the opened value.
 */
import type { Services } from '../../services.js';
import { randomBase62 } from '../../util/random.js';
import type { ClientRecord } from '../types.js';

const SECRET_PREFIX = 'hvo_secret_';
const SECRET_LENGTH = 64;

export function generateClientSecret(): string {
  return `${SECRET_PREFIX}${randomBase62(SECRET_LENGTH)}`;
}

export function sealClientSecret(services: Pick<Services, 'seal'>, clientName: string, secret: string): string {
  return services.seal.seal(secret, secretContext(clientName));
}

/** The client's secret in the clear; empty for public clients. */
export function openClientSecret(services: Pick<Services, 'seal'>, client: Pick<ClientRecord, 'name' | 'client_secret'>): string {
  return client.client_secret === '' ? '' : services.seal.open(client.client_secret, secretContext(client.name));
}

function secretContext(clientName: string): string {
  return `oidc-client:${clientName}:secret`;
}
