/**
 * The grant types a provider allows: those of the clients it serves (allowed_client_ids), plus the
 * code flow with refresh tokens, which every provider offers. Discovery lists exactly these and
 * names the device authorization endpoint only when some client may use the device grant.
 */
import type { Services } from '../../services.js';
import { OIDC_KINDS, listRecords, providerAllowsClient } from '../admin/records.js';
import { DEFAULT_GRANT_TYPES, SUPPORTED_GRANT_TYPES, clientGrantTypes, type GrantType } from '../grant_types.js';
import type { ClientRecord } from '../types.js';
import type { ProviderSnapshot } from './snapshot.js';

export async function providerGrantTypes(services: Pick<Services, 'storage'>, snapshot: ProviderSnapshot): Promise<GrantType[]> {
  const allowed = new Set<GrantType>(DEFAULT_GRANT_TYPES);
  for (const client of await listRecords<ClientRecord>(services.storage, OIDC_KINDS.client)) {
    if (providerAllowsClient(snapshot.record, client.client_id)) for (const grant of clientGrantTypes(client)) allowed.add(grant);
  }
  return SUPPORTED_GRANT_TYPES.filter((grant) => allowed.has(grant));
}
