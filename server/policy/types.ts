import type { Capability } from './capabilities.js';

/** One `path "…" { capabilities = […] }` block. */
export interface PolicyRule {
  /** As written, minus a leading `/`; may hold `*` (at the end), `+` segments and templates. */
  readonly pattern: string;
  /** Deduplicated, in a fixed order; `['deny']` alone when the rule denies. */
  readonly capabilities: readonly Capability[];
}

export interface Policy {
  readonly name: string;
  readonly rules: readonly PolicyRule[];
}

/** Who the ACL is for: fills `{{identity.entity.id}}` and `{{identity.entity.name}}`. */
export interface AclContext {
  readonly entityId?: string;
  readonly entityName?: string;
}
