/**
 * The tree both policy syntaxes (HCL and JSON) parse into, before any policy meaning is applied.
 * Every node keeps where it started so that later checks can point at the offending text.
 * HCL blocks become nested objects, as in HCL itself: `path "a" { … }` is `{ path: { a: { … } } }`.
 */
import type { Position } from './parse_error.js';

export type SyntaxNode = StringNode | ScalarNode | ListNode | ObjectNode;

export interface StringNode {
  readonly kind: 'string';
  readonly value: string;
  readonly at: Position;
}

/** Numbers, booleans and null: never valid in a Lanyard policy, kept only to say what was found. */
export interface ScalarNode {
  readonly kind: 'number' | 'boolean' | 'null';
  readonly at: Position;
}

export interface ListNode {
  readonly kind: 'list';
  readonly items: readonly SyntaxNode[];
  readonly at: Position;
}

/** Entries keep their order and their duplicates: deciding what a duplicate means is not the parser's job. */
export interface ObjectNode {
  readonly kind: 'object';
  readonly entries: readonly ObjectEntry[];
  readonly at: Position;
}

export interface ObjectEntry {
  readonly key: string;
  readonly at: Position;
  readonly value: SyntaxNode;
}

/** Nesting deeper than this is refused, so hostile input cannot exhaust the stack. */
export const MAX_NESTING = 32;

export function describe(node: SyntaxNode): string {
  switch (node.kind) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    case 'null':
      return 'null';
    case 'list':
      return 'a list';
    case 'object':
      return 'a block';
  }
}
