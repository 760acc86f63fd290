import picomatch from 'picomatch';

/**
 * The glob dialect of bound subjects, audiences and claims: Infisical's, i.e. a value matches a
 * pattern when it equals the pattern or when picomatch (default options, POSIX separators) says
 * so. That makes `/` a segment separator: `*` and `?` never cross it, `**` crosses it only when it
 * is a whole segment, and braces, classes, extglobs and a leading `!` (negation) are all active.
 * Matching is case-sensitive. verifier/README.md has examples.
 */

type Matcher = (value: string) => boolean;

// Patterns come from configuration, so the set is small; the bound only guards against misuse.
const MAX_COMPILED = 2000;
const compiled = new Map<string, Matcher>();

function matcherFor(pattern: string): Matcher {
  let matcher = compiled.get(pattern);
  if (matcher === undefined) {
    matcher = picomatch(pattern, { windows: false });
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    compiled.set(pattern, matcher);
  }
  return matcher;
}

/** Whether `value` equals `pattern` or matches it as a glob. Never throws for a valid pattern. */
export function matchesPattern(value: string, pattern: string): boolean {
  return value === pattern || matcherFor(pattern)(value);
}

/** Why `pattern` cannot be used (empty, or rejected by picomatch), or undefined when it can. */
export function patternProblem(pattern: string): string | undefined {
  if (pattern === '') return 'empty pattern';
  try {
    matcherFor(pattern);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * An Infisical comma list ("a, b,c") as its entries: split on every comma, each entry trimmed,
 * empty entries dropped. A literal comma cannot be expressed in this form (use `?` in the glob);
 * `boundSubject` is never split, exactly as in Infisical.
 */
export function parsePatternList(list: string): string[] {
  return list
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}
