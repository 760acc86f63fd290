/**
 * Path patterns: checking them when a policy is written, compiling them when an ACL is built, and
 * Vault's rule for which of several matching patterns wins.
 *
 * A trailing `*` makes a pattern a prefix glob; a segment that is exactly `+` matches any one
 * segment. Anything else is literal (a `+` inside a segment, like `a+b`, is a plain character).
 */
import { templateProblem } from './template.js';

/** Why a pattern is unusable, or undefined. Expects the leading `/` already removed. */
export function patternProblem(pattern: string): string | undefined {
  if (pattern === '') return 'path cannot be empty';
  if (/[\u0000-\u001f\u007f]/.test(pattern)) return 'path contains a control character';
  const template = templateProblem(pattern);
  if (template) return template;
  if (pattern.includes('+*')) return `invalid use of wildcards ('+*' is forbidden)`;
  // Vault reads a `*` before the end as a literal star, which is never what the author meant.
  if (pattern.slice(0, -1).includes('*')) return `"*" is only allowed at the end of a path; use "+" to match one segment`;
  return undefined;
}

/** Vault drops one leading `/`: paths are relative to `/v1/`. */
export function normalizePattern(pattern: string): string {
  return pattern.startsWith('/') ? pattern.slice(1) : pattern;
}

export interface CompiledPattern {
  /** Ends in `*`. */
  readonly prefix: boolean;
  /** The pattern without its trailing `*`. */
  readonly text: string;
  /** `text` split on `/`, present only when some segment is a `+` wildcard. */
  readonly segments: readonly string[] | undefined;
  /** Where the first `+` segment or the glob starts; the pattern's length for an exact pattern. */
  readonly firstWildcard: number;
  /** The literal text before the first wildcard: every matching path starts with it. */
  readonly head: string;
  /** How many segments are `+`. */
  readonly wildcards: number;
}

export function compilePattern(pattern: string): CompiledPattern {
  const prefix = pattern.endsWith('*');
  const text = prefix ? pattern.slice(0, -1) : pattern;
  const split = text.split('/');
  let wildcards = 0;
  let firstWildcard = prefix ? text.length : pattern.length;
  let offset = 0;
  for (const segment of split) {
    if (segment === '+') {
      if (wildcards === 0) firstWildcard = offset;
      wildcards++;
    }
    offset += segment.length + 1;
  }
  return {
    prefix,
    text,
    segments: wildcards > 0 ? split : undefined,
    firstWildcard,
    head: text.slice(0, firstWildcard),
    wildcards,
  };
}

export function isExact(compiled: CompiledPattern): boolean {
  return !compiled.prefix && compiled.wildcards === 0;
}

/**
 * Whether a non-exact pattern matches `path`. `parts` is `path.split('/')`, passed in so that one
 * evaluation splits the path at most once however many `+` patterns it tries.
 */
export function matches(compiled: CompiledPattern, path: string, parts: () => readonly string[]): boolean {
  // Cheap rejection first: most candidates differ from the path in their literal head.
  if (!path.startsWith(compiled.head)) return false;
  const segments = compiled.segments;
  if (segments === undefined) return true;
  const pathParts = parts();
  const last = segments.length - 1;
  if (compiled.prefix ? pathParts.length <= last : pathParts.length !== segments.length) return false;
  for (let i = 0; i <= last; i++) {
    const segment = segments[i];
    const part = pathParts[i] ?? '';
    if (segment === '+' || segment === undefined) continue;
    // In a glob, the last segment only has to start the path's segment: `a/+/b*` matches `a/x/bc/d`.
    if (compiled.prefix && i === last ? !part.startsWith(segment) : part !== segment) return false;
  }
  return true;
}

/**
 * Vault's order between two patterns that both match a path, most specific first (negative when
 * `a` wins): the later first wildcard or glob; then no glob over glob; then fewer `+` segments;
 * then the longer pattern; then the lexicographically larger one.
 */
export function comparePriority(a: CompiledPattern, b: CompiledPattern): number {
  if (a.firstWildcard !== b.firstWildcard) return b.firstWildcard - a.firstWildcard;
  if (a.prefix !== b.prefix) return a.prefix ? 1 : -1;
  if (a.wildcards !== b.wildcards) return a.wildcards - b.wildcards;
  if (a.text.length !== b.text.length) return b.text.length - a.text.length;
  return a.text < b.text ? 1 : a.text > b.text ? -1 : 0;
}
