/**
 * The machine identity behind a configuration: a Lanyard entity, whose id is the identity id.
 * Entities are created through `identity/entity`; machine login only reads them.
 */
import type { Storage } from '../../storage/types.js';
import type { EntityRecord } from '../identity/types.js';
import { notFound } from '../http/infisical_errors.js';
import type { Params } from '../http/infisical_path.js';

/** Entity ids are UUIDs; anything that could not be one, or an ACL path segment, is no identity. */
const IDENTITY_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** The `:identityId` path parameter, checked (404 when it cannot name an identity). */
export function identityIdParam(params: Params): string {
  const value = params.identityId ?? '';
  if (!IDENTITY_ID.test(value)) throw identityNotFound(value);
  return value;
}

/**
 * The ACL path of an identity's machine-login configuration (`…/explain` for the dry run, which
 * shows token claims): `auth/oidc-auth/identities/<identityId>[/<suffix>]`.
 */
export function identityAclPath(suffix = ''): (params: Params) => string {
  return (params) => `auth/oidc-auth/identities/${identityIdParam(params)}${suffix}`;
}

export function isIdentityId(value: string): boolean {
  return IDENTITY_ID.test(value);
}

export async function requireIdentity(storage: Storage, identityId: string): Promise<EntityRecord> {
  const entity = await storage.get<EntityRecord>('entity', identityId);
  if (entity === undefined) throw identityNotFound(identityId);
  return entity;
}

function identityNotFound(identityId: string): Error {
  const shown = identityId.length > 64 ? `${identityId.slice(0, 64)}…` : identityId;
  return notFound(`Failed to find identity with ID ${shown}`);
}
