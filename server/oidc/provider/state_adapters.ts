/**
 * The adapter of each stateful model: the provider-namespaced StateAdapter (adapter.ts), wrapped
 * where a model needs more than storage. ClientCredentials tokens may be JWTs, found by their
 * `jti` and hash (jwt_access_tokens.ts); Grants are indexed by entity so that disabling, deleting
 * or unassigning an entity can end its grants at once (entity_grants.ts), and Sessions note which session each grant belongs to (its `sid`, for
 * back-channel logout).
 */
import type { Adapter } from 'oidc-provider';
import { StateAdapter, type StateAdapterOptions } from './adapter.js';
import { EntityIndexedGrantAdapter, SessionSidAdapter } from './entity_grants.js';
import { JwtAwareAdapter } from './jwt_access_tokens.js';

export function lanyardStateAdapter(model: string, options: StateAdapterOptions): Adapter {
  const inner = new StateAdapter(model, options);
  if (model === 'ClientCredentials') return new JwtAwareAdapter(inner);
  if (model === 'Grant') return new EntityIndexedGrantAdapter(inner, options);
  if (model === 'Session') return new SessionSidAdapter(inner, options);
  return inner;
}
