/**
 * The built-in policies. `root` has no text: a token holding it may do everything, and it can be
 * neither written nor deleted. `default` is attached to tokens unless they opt out; it is editable
 * (a fresh store is seeded with DEFAULT_POLICY_HCL) but not deletable. Callers enforce both.
 */

export const ROOT_POLICY = 'root';
export const DEFAULT_POLICY = 'default';

/** Whether `name` designates the root policy; policy names are case-insensitive, as in Vault. */
export function isRootPolicy(name: string): boolean {
  return name.trim().toLowerCase() === ROOT_POLICY;
}

export const DEFAULT_POLICY_HCL = `# Lanyard's default policy: what every token may do unless it was created without it.

# A token may look itself up, renew itself and revoke itself.
path "auth/token/lookup-self" {
  capabilities = ["read"]
}

path "auth/token/renew-self" {
  capabilities = ["update"]
}

path "auth/token/revoke-self" {
  capabilities = ["update"]
}

# A token may ask what it is allowed to do on a path.
path "sys/capabilities-self" {
  capabilities = ["update"]
}

# A token bound to an entity may read that entity, by id or by name.
path "identity/entity/id/{{identity.entity.id}}" {
  capabilities = ["read"]
}

path "identity/entity/name/{{identity.entity.name}}" {
  capabilities = ["read"]
}

# A signed-in user may start an authorization at any OIDC provider; the provider's client
# assignments decide whether the user may actually receive a token.
path "identity/oidc/provider/+/authorize" {
  capabilities = ["read", "update"]
}
`;
