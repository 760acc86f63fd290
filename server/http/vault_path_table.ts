/**
 * Which declared path a request path is, by table lookup: patterns are `/`-separated static
 * segments and `:name` parameters, bucketed by segment count and first segment, so a request is
 * compared with the few patterns of its bucket instead of every route in turn. Matching is
 * Express's for such patterns (case-sensitive, non-strict): a parameter is one non-empty segment,
 * one trailing `/` is ignored, and the first declared pattern that matches wins.
 */
export interface Matched<T> {
  readonly route: T;
  readonly params: Record<string, string>;
}

interface Entry<T> {
  readonly route: T;
  /** Per segment: the static text, or undefined for a parameter. */
  readonly statics: ReadonlyArray<string | undefined>;
  readonly names: ReadonlyArray<string | undefined>;
}

export class PathTable<T extends { readonly pattern: string }> {
  readonly #buckets = new Map<string, Array<Entry<T>>>();

  constructor(routes: readonly T[]) {
    // A pattern starts with a static segment (every Vault path does), so each has one bucket.
    for (const route of routes) {
      const segments = route.pattern.split('/').slice(1);
      const first = segments[0] ?? '';
      if (route.pattern[0] !== '/' || first === '' || first.startsWith(':')) throw new Error(`path pattern ${route.pattern} must start with a static segment`);
      if (segments.some((segment) => segment === '' || segment === ':' || /[*?()[\]{}+]/.test(segment))) {
        throw new Error(`path pattern ${route.pattern}: only static segments and :name parameters are supported`);
      }
      const entry: Entry<T> = {
        route,
        statics: segments.map((segment) => (segment.startsWith(':') ? undefined : segment)),
        names: segments.map((segment) => (segment.startsWith(':') ? segment.slice(1) : undefined)),
      };
      const key = bucketKey(segments.length, first);
      const bucket = this.#buckets.get(key);
      if (bucket === undefined) this.#buckets.set(key, [entry]);
      else bucket.push(entry);
    }
  }

  /** The first pattern that `path` (a pathname below the router's mount) matches. */
  match(path: string): Matched<T> | undefined {
    if (path[0] !== '/') return undefined;
    const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(1, -1) : path.slice(1);
    const segments = trimmed.split('/');
    const bucket = this.#buckets.get(bucketKey(segments.length, segments[0] ?? ''));
    if (bucket === undefined) return undefined;
    for (const { route, statics, names } of bucket) {
      let params: Record<string, string> | undefined = {};
      for (let i = 0; i < segments.length; i++) {
        const segment = segments[i] as string;
        const fixed = statics[i];
        if (fixed !== undefined ? segment !== fixed : segment === '') {
          params = undefined;
          break;
        }
        if (fixed === undefined) params[names[i] as string] = segment;
      }
      if (params !== undefined) return { route, params };
    }
    return undefined;
  }
}

function bucketKey(length: number, first: string): string {
  return `${length} ${first}`;
}
