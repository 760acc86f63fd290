/**
 * A strict JSON (RFC 8259) parser producing the same tree as the HCL parser. JSON.parse would do
 * for valid input, but it keeps only the last of duplicate keys (silently dropping a rule) and its
 * errors carry no line and column.
 */
import { quote, type Position } from './parse_error.js';
import { Scanner } from './scanner.js';
import { MAX_NESTING, type ListNode, type ObjectEntry, type ObjectNode, type SyntaxNode } from './syntax_tree.js';

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

export function parseJson(text: string): ObjectNode {
  const parser: JsonParser = new JsonParser(text);
  const root = parser.document();
  if (root.kind !== 'object') parser.fail('a JSON policy must be an object', root.at);
  return root;
}

class JsonParser {
  readonly #s: Scanner;
  #depth = 0;

  constructor(text: string) {
    this.#s = new Scanner(text);
  }

  fail(problem: string, at?: Position): never {
    return this.#s.fail(problem, at);
  }

  document(): SyntaxNode {
    const value = this.#value();
    this.#skipSpace();
    if (!this.#s.atEnd) this.#unexpected('end of input');
    return value;
  }

  #value(): SyntaxNode {
    const s = this.#s;
    this.#skipSpace();
    const at = s.position();
    const char = s.peek();
    if (char === '{') return this.#object();
    if (char === '[') return this.#list();
    if (char === '"') return { kind: 'string', value: this.#string(), at };
    if (/[a-z]/.test(char)) {
      const word = this.#word();
      if (word === 'true' || word === 'false') return { kind: 'boolean', at };
      if (word === 'null') return { kind: 'null', at };
      return this.fail(`unexpected ${quote(word)}`, at);
    }
    if (/[-\d]/.test(char)) {
      const word = this.#word();
      if (!NUMBER.test(word)) this.fail(`invalid number ${quote(word)}`, at);
      return { kind: 'number', at };
    }
    return this.#unexpected('a value');
  }

  #object(): ObjectNode {
    const s = this.#s;
    const at = this.#enter();
    const entries: ObjectEntry[] = [];
    this.#skipSpace();
    if (s.peek() === '}') {
      this.#leave();
      return { kind: 'object', entries, at };
    }
    for (;;) {
      this.#skipSpace();
      const keyAt = s.position();
      if (s.peek() !== '"') this.#unexpected('a string key', at);
      const key = this.#string();
      this.#skipSpace();
      if (s.peek() !== ':') this.#unexpected('":"', at);
      s.next();
      entries.push({ key, at: keyAt, value: this.#value() });
      this.#skipSpace();
      if (s.peek() === '}') break;
      if (s.peek() !== ',') this.#unexpected('"," or "}"', at);
      s.next();
    }
    this.#leave();
    return { kind: 'object', entries, at };
  }

  #list(): ListNode {
    const s = this.#s;
    const at = this.#enter();
    const items: SyntaxNode[] = [];
    this.#skipSpace();
    if (s.peek() === ']') {
      this.#leave();
      return { kind: 'list', items, at };
    }
    for (;;) {
      items.push(this.#value());
      this.#skipSpace();
      if (s.peek() === ']') break;
      if (s.peek() !== ',') this.#unexpected('"," or "]"', at);
      s.next();
    }
    this.#leave();
    return { kind: 'list', items, at };
  }

  #enter(): Position {
    const at = this.#s.position();
    if (++this.#depth > MAX_NESTING) this.fail(`nesting deeper than ${MAX_NESTING} levels`, at);
    this.#s.next();
    return at;
  }

  #leave(): void {
    this.#depth--;
    this.#s.next();
  }

  #string(): string {
    const s = this.#s;
    const at = s.position();
    s.next();
    let value = '';
    for (;;) {
      const char = s.peek();
      if (char === '' || char === '\n') this.fail('unterminated string', at);
      if (char === '"') break;
      if (char < ' ') this.fail('control characters must be escaped in strings');
      if (char === '\\') value += this.#escape();
      else value += s.next();
    }
    s.next();
    return value;
  }

  #escape(): string {
    const s = this.#s;
    const at = s.position();
    s.next();
    const char = s.next();
    if (char === 'u') {
      let hex = '';
      while (hex.length < 4 && /[0-9a-fA-F]/.test(s.peek())) hex += s.next();
      if (hex.length < 4) this.fail(`invalid escape sequence ${quote(`\\u${hex}`)}`, at);
      return String.fromCharCode(Number.parseInt(hex, 16));
    }
    const escaped = Object.hasOwn(ESCAPES, char) ? ESCAPES[char] : undefined;
    if (escaped === undefined) this.fail(`invalid escape sequence ${quote(`\\${char}`)}`, at);
    return escaped;
  }

  #word(): string {
    const s = this.#s;
    let word = '';
    while (/[\w.+-]/.test(s.peek())) word += s.next();
    return word;
  }

  #skipSpace(): void {
    const s = this.#s;
    for (;;) {
      const char = s.peek();
      if (char !== ' ' && char !== '\t' && char !== '\n' && char !== '\r') return;
      s.next();
    }
  }

  #unexpected(expected: string, opened?: Position): never {
    const s = this.#s;
    if (s.atEnd) {
      const where = opened ? ` (opened at line ${opened.line}, column ${opened.column})` : '';
      return this.fail(`unexpected end of input, expected ${expected}${where}`);
    }
    const found = `${s.peek()}${s.peek(1)}`.codePointAt(0) ?? 0;
    return this.fail(`expected ${expected}, found ${quote(String.fromCodePoint(found))}`);
  }
}
