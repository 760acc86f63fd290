/**
 * Identity templating in path patterns, e.g. `identity/entity/id/{{identity.entity.id}}`.
 * Lanyard supports the two directives its default policy needs. A pattern is checked when the policy
 * is written and expanded when an ACL is built for a caller.
 */
import type { AclContext } from './types.js';

const DIRECTIVES = {
  'identity.entity.id': (context: AclContext) => context.entityId,
  // Entity names are case-insensitive, and ACL paths carry them lower-cased (http/canonical_path.ts).
  'identity.entity.name': (context: AclContext) => context.entityName?.toLowerCase(),
} as const;

type Directive = keyof typeof DIRECTIVES;

const OPEN = '{{';
const CLOSE = '}}';

/** Why the templating in a pattern is unusable, or undefined when it is fine (or absent). */
export function templateProblem(pattern: string): string | undefined {
  let rest = pattern;
  for (;;) {
    const open = rest.indexOf(OPEN);
    if (rest.slice(0, open === -1 ? undefined : open).includes(CLOSE)) return 'unbalanced "{{" and "}}"';
    if (open === -1) return undefined;
    const close = rest.indexOf(CLOSE, open + OPEN.length);
    const inside = close === -1 ? '' : rest.slice(open + OPEN.length, close);
    if (close === -1 || inside.includes(OPEN)) return 'unbalanced "{{" and "}}"';
    if (!isDirective(inside.trim())) {
      return `unsupported template "{{${inside.trim()}}}": Lanyard supports only {{identity.entity.id}} and {{identity.entity.name}}`;
    }
    rest = rest.slice(close + CLOSE.length);
  }
}

export function isTemplated(pattern: string): boolean {
  return pattern.includes(OPEN);
}

/**
 * The pattern with the caller's values in place, or undefined when the rule cannot apply to this
 * caller: a value is missing (a token without an entity) or would change the pattern's shape.
 * Vault drops such rules the same way. A value holding `*` or `+` would turn into a wildcard, and
 * one holding `/` would reach into other paths; Vault refuses the first and, by default, allows
 * the second. Lanyard refuses both: names in Lanyard paths are single segments anyway.
 * Expects a pattern that passed templateProblem.
 */
export function expandTemplate(pattern: string, context: AclContext): string | undefined {
  let result = '';
  let rest = pattern;
  for (let open = rest.indexOf(OPEN); open !== -1; open = rest.indexOf(OPEN)) {
    const close = rest.indexOf(CLOSE, open + OPEN.length);
    const value = DIRECTIVES[rest.slice(open + OPEN.length, close).trim() as Directive](context);
    if (typeof value !== 'string' || value === '' || /[*+/]/.test(value)) return undefined;
    result += rest.slice(0, open) + value;
    rest = rest.slice(close + CLOSE.length);
  }
  return result + rest;
}

function isDirective(name: string): name is Directive {
  return Object.hasOwn(DIRECTIVES, name);
}
