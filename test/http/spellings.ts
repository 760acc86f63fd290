/**
 * Other spellings of a request path: what a client might send, or an attacker try, to reach the
 * resource of `path` under a name that an ACL rule written for `path` does not match.
 */

/**
 * Every single-step respelling of `path` (which starts with `/`), without duplicates or `path`
 * itself. Segments equal to `fixedCase` keep their letter case: they are names that the store
 * keeps case-sensitively, so another case names another resource, not the same one.
 */
export function respellings(path: string, fixedCase?: string): string[] {
  const out = new Set<string>();
  const segments = path.slice(1).split('/');
  const join = (parts: readonly string[]): string => `/${parts.join('/')}`;
  const recase = (segment: string, change: (s: string) => string): string => (segment === fixedCase ? segment : change(segment));

  // Letter case: each segment in capitals, in title case, and every segment at once.
  out.add(join(segments.map((s) => recase(s, (t) => t.toUpperCase()))));
  segments.forEach((_segment, i) => {
    out.add(join(segments.map((s, j) => (j === i ? recase(s, (t) => t.toUpperCase()) : s))));
    out.add(join(segments.map((s, j) => (j === i ? recase(s, (t) => t.charAt(0).toUpperCase() + t.slice(1)) : s))));
  });
  // Percent-encoding of each character in turn (both hex cases), and of the whole last segment.
  for (let i = 1; i < path.length; i++) {
    const hex = path.charCodeAt(i).toString(16).padStart(2, '0');
    out.add(`${path.slice(0, i)}%${hex}${path.slice(i + 1)}`);
    out.add(`${path.slice(0, i)}%${hex.toUpperCase()}${path.slice(i + 1)}`);
  }
  const last = segments[segments.length - 1] ?? '';
  out.add(join([...segments.slice(0, -1), [...last].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('')]));
  // Separators: doubled, dot segments, dot-dot detours, backslashes, `;` parameters, trailing slashes.
  for (let i = 1; i < segments.length; i++) {
    const before = segments.slice(0, i);
    const after = segments.slice(i);
    out.add(`${join(before)}//${after.join('/')}`);
    out.add(`${join(before)}/./${after.join('/')}`);
    out.add(`${join(before)}/x/../${after.join('/')}`);
    out.add(`${join(before)}\\${after.join('/')}`);
    out.add(`${join(before)}%2f${after.join('/')}`);
    out.add(`${join(before)}%2F${after.join('/')}`);
    out.add(`${join(before)};x=1/${after.join('/')}`);
  }
  out.add(`${path};`);
  out.add(`${path};x=1`);
  out.add(`${path}/`);
  out.add(`${path}//`);
  out.add(`${path}/.`);
  out.add(`${path}%20`);
  out.add(`${path}%00`);
  out.delete(path);
  return [...out];
}

/** A small deterministic generator (mulberry32), so that a failure can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` spellings made by applying two or three single steps in a row. */
export function combinedRespellings(path: string, count: number, random: () => number, fixedCase?: string): string[] {
  const out = new Set<string>();
  for (let n = 0; n < count * 4 && out.size < count; n++) {
    let current = path;
    const steps = 2 + Math.floor(random() * 2);
    for (let s = 0; s < steps; s++) {
      const options = respellings(current, fixedCase);
      current = options[Math.floor(random() * options.length)] ?? current;
    }
    if (current !== path) out.add(current);
  }
  return [...out];
}
