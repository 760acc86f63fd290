import { matchesPattern } from './glob.js';

/**
 * Reads a claim by path. Two spellings:
 *
 * - a JSON pointer (RFC 6901) when the path starts with `/`: `/kubernetes.io/namespace`,
 *   `/https:~1~1example.com~1groups`, `/groups/0`; exact, any key can be addressed.
 * - otherwise a dot path, Infisical's form: `org.team`. Unlike Infisical, keys that themselves
 *   contain dots resolve too: at each level the longest run of segments that is a key of the object
 *   wins, so `kubernetes.io.namespace` reads `{"kubernetes.io": {"namespace": …}}` and
 *   `https://example.com/groups` reads a top-level claim of that name.
 *
 * Only own properties are read (never `__proto__` or `constructor` from the prototype). Returns
 * undefined when nothing is at the path.
 */
export function readClaim(claims: Record<string, unknown>, path: string): unknown {
  return path.startsWith('/') ? readPointer(claims, path) : readDotPath(claims, path.split('.'));
}

function readPointer(root: unknown, pointer: string): unknown {
  let node = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(node)) {
      if (!/^(0|[1-9]\d*)$/.test(key)) return undefined;
      node = node[Number(key)];
    } else if (isPlainObject(node) && Object.hasOwn(node, key)) {
      node = node[key];
    } else {
      return undefined;
    }
  }
  return node;
}

function readDotPath(node: Record<string, unknown>, segments: readonly string[]): unknown {
  for (let take = segments.length; take > 0; take -= 1) {
    const key = segments.slice(0, take).join('.');
    if (!Object.hasOwn(node, key)) continue;
    const value = node[key];
    if (take === segments.length) return value;
    return isPlainObject(value) ? readDotPath(value, segments.slice(take)) : undefined;
  }
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Whether a claim value can be compared with patterns at all: strings, numbers, booleans, and
 * arrays (whose scalar elements are compared). Objects and null cannot, and count as absent, as in
 * Infisical ("token has no … field"). Unlike Infisical, `false`, `0` and `""` are present values.
 */
export function isMatchableClaim(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || Array.isArray(value);
}

/**
 * Whether a claim value satisfies one pattern. Strings match exactly or by glob; numbers and
 * booleans match the pattern that is exactly their JSON text (`1`, `true`, `false`; no globs, no
 * `01` or `1.0`); an array matches when any of its scalar elements does.
 */
export function claimMatches(value: unknown, pattern: string): boolean {
  if (typeof value === 'string') return matchesPattern(value, pattern);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value) === pattern;
  if (Array.isArray(value)) return value.some((element) => !Array.isArray(element) && claimMatches(element, pattern));
  return false;
}
