/**
 * The Cache-Control header of a JWKS built from named keys (Vault's identity-token JWKS).
 *
 * Vault answers with `max-age=<random whole seconds in [0, window)>`, where the window is the
 * smallest rotation_period or verification_ttl among the keys. A relying party that honours it
 * refetches before the pending `next` key (published one rotation period ahead) starts signing,
 * and stops trusting a retired key at most one window after it is unpublished. The randomness
 * spreads the refetches of many relying parties over time.
 */
import type { NamedKeyParams } from './named_key_params.js';

type Periods = Pick<NamedKeyParams, 'rotation_period' | 'verification_ttl'>;

/**
 * `max-age=N` for a JWKS published from `keys`, or undefined when there are no keys (Vault then
 * keeps its default `no-store`). `random` returns a number in [0, 1), like Math.random.
 */
export function jwksCacheControl(keys: Iterable<Periods>, random: () => number = Math.random): string | undefined {
  let window = Number.POSITIVE_INFINITY;
  for (const key of keys) window = Math.min(window, key.rotation_period, key.verification_ttl);
  if (window === Number.POSITIVE_INFINITY) return undefined;
  // Clamped so that a sloppy random source still yields a value inside [0, window).
  const fraction = Math.min(Math.max(random(), 0), 1 - Number.EPSILON);
  return `max-age=${Math.floor(Math.max(0, window) * fraction)}`;
}
