/**
 * Capabilities as Vault names them, their bitmask form for evaluation, and the legacy `policy`
 * shorthand. Evaluation works on bitmasks so a lookup never allocates.
 */

export type Capability = 'create' | 'read' | 'update' | 'patch' | 'delete' | 'list' | 'sudo' | 'deny';

const BITS: Readonly<Record<Capability, number>> = {
  deny: 1 << 0,
  create: 1 << 1,
  read: 1 << 2,
  update: 1 << 3,
  delete: 1 << 4,
  list: 1 << 5,
  sudo: 1 << 6,
  patch: 1 << 7,
};

const DENY_BIT = BITS.deny;

/** The order Vault's capabilities endpoints print capabilities in; `deny` never appears with others. */
const PRINT_ORDER: readonly Capability[] = ['sudo', 'read', 'list', 'update', 'delete', 'create', 'patch'];

/** What the root policy grants: everything a rule can grant. */
export const ALL_CAPABILITIES: readonly Capability[] = Object.freeze([...PRINT_ORDER]);

export function isCapability(value: string): value is Capability {
  return Object.hasOwn(BITS, value);
}

export function capabilityBit(capability: Capability): number {
  return BITS[capability];
}

/** Bitmask of a capability list; `deny` anywhere collapses the set to deny alone, as in Vault. */
export function toBits(capabilities: Iterable<Capability>): number {
  let bits = 0;
  for (const capability of capabilities) bits |= BITS[capability];
  return bits & DENY_BIT ? DENY_BIT : bits;
}

/** The union of two capability sets; a deny on either side wins, as when Vault merges rules. */
export function unionBits(a: number, b: number): number {
  return (a | b) & DENY_BIT ? DENY_BIT : a | b;
}

/** A frozen, canonically ordered list; `['deny']` for a denying set, `[]` for an empty one. */
export function fromBits(bits: number): readonly Capability[] {
  if (bits & DENY_BIT) return Object.freeze<Capability[]>(['deny']);
  return Object.freeze(PRINT_ORDER.filter((capability) => bits & BITS[capability]));
}

/**
 * The pre-capabilities `policy = "…"` shorthand Vault still accepts inside a path block. Vault adds
 * these to any `capabilities` in the same block, except `deny`, which replaces them.
 */
export const LEGACY_POLICIES: ReadonlyMap<string, readonly Capability[]> = new Map<string, readonly Capability[]>([
  ['deny', ['deny']],
  ['read', ['read', 'list']],
  ['write', ['create', 'read', 'update', 'delete', 'list']],
  ['sudo', ['create', 'read', 'update', 'delete', 'list', 'sudo']],
]);

/** Capabilities newer Vault versions know but Lanyard has nothing to apply them to. */
export const UNSUPPORTED_CAPABILITIES: ReadonlySet<string> = new Set(['subscribe', 'recover']);
