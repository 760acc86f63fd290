/**
 * Lanyard's policy engine: Vault's ACL policy language and its evaluation. Pure: no HTTP, no storage
 * (store.ts, the policies by name that the core services keep, is the one file here that stores).
 *
 * Language. A policy is HCL or JSON (JSON when the text starts with `{`):
 *
 *     # comment, // comment, /* block comment *\/
 *     path "identity/oidc/key/*" { capabilities = ["read", "list"] }
 *     {"path": {"identity/oidc/key/*": {"capabilities": ["read", "list"]}}}
 *
 * Capabilities: create, read, update, patch, delete, list, sudo, deny. The legacy shorthand
 * `policy = "read" | "write" | "sudo" | "deny"` is accepted inside a path block and means
 * [read, list], [create, read, update, delete, list], the same plus sudo, and [deny]; it adds to
 * `capabilities` if both are given. `comment = "…"` in a path block and `name = "…"` at the top are
 * accepted and ignored, as in Vault. Everything else is refused with `failed to parse policy:
 * line L, column C: …`: unknown keys or capabilities, duplicate keys, a path defined twice in one
 * policy, bad syntax, text over 1 MiB, more than 1000 rules. Vault's parameter, wrapping-TTL,
 * MFA, control-group and event keys are refused by name: Lanyard cannot enforce them, and ignoring
 * a restriction would grant more than the policy says.
 *
 * Patterns. Relative to `/v1/`, a leading `/` is dropped. Exact (`sys/capabilities-self`); a
 * trailing `*` is a prefix glob (`identity/oidc/*`; a `*` anywhere else is refused); a segment that
 * is exactly `+` matches any one segment (`identity/oidc/provider/+/authorize`), also combined with
 * a glob (`identity/+/key/a*`); `+*` is refused. `{{identity.entity.id}}` and
 * `{{identity.entity.name}}` are replaced by the caller's values when its ACL is built; a rule whose
 * template has no value (a token without an entity), or whose value holds `/`, `*` or `+`, is left
 * out of that ACL. Any other `{{…}}` is refused when the policy is written.
 *
 * Evaluation (Vault's). Rules with the same pattern, across the caller's policies, merge into the
 * union of their capabilities, unless one denies: then the merged rule denies. Of all rules matching
 * a path, only the most specific counts: an exact rule first; otherwise, between two matching
 * patterns, (1) the one whose first `+` or `*` comes later, (2) the one not ending in `*`, (3) the
 * one with fewer `+` segments, (4) the longer one, (5) the lexicographically larger one. A winning
 * rule that denies grants nothing, sudo included; no matching rule grants nothing. A list request's
 * path ends in `/` (`identity/oidc/key/`); a rule on the path without it (`identity/oidc/key`)
 * also grants the list, as in Vault.
 *
 * Built-ins. `root` grants everything; it has no text and can be neither written nor deleted.
 * `default` (DEFAULT_POLICY_HCL) lets a token look up, renew and revoke itself, ask its
 * capabilities, read its own entity, and start an OIDC authorization; it can be edited but not
 * deleted. Callers enforce both, using isRootPolicy and the exported names.
 */
export type { Capability } from './capabilities.js';
export type { AclContext, Policy, PolicyRule } from './types.js';
export { PolicyParseError } from './parse_error.js';
export { parsePolicy, MAX_POLICY_BYTES, MAX_POLICY_RULES } from './parse.js';
export { Acl } from './acl.js';
export { ROOT_POLICY, DEFAULT_POLICY, DEFAULT_POLICY_HCL, isRootPolicy } from './builtin.js';
