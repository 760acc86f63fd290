/**
 * The part of HCL (version 1, the dialect Vault policies are written in) that policies use:
 * `#`, `//` and `/* *\/` comments; `key = value` attributes; `key "label" … { body }` blocks;
 * double-quoted strings; lists `[a, b,]`; nested objects; numbers and booleans (accepted by the
 * syntax only so that a misplaced one gets a precise error later). Heredocs and interpolation are not
 * supported: nothing in a policy needs them.
 */
import { quote, type Position } from './parse_error.js';
import { Scanner } from './scanner.js';
import { MAX_NESTING, type ListNode, type ObjectEntry, type ObjectNode, type SyntaxNode } from './syntax_tree.js';

type TokenKind = 'string' | 'identifier' | 'number' | '{' | '}' | '[' | ']' | '=' | ',' | 'end';

interface Token {
  readonly kind: TokenKind;
  /** The decoded value of a string, the text of an identifier or number, the symbol otherwise. */
  readonly text: string;
  readonly at: Position;
}

const PUNCTUATION = new Set(['{', '}', '[', ']', '=', ',']);
const NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

export function parseHcl(text: string): ObjectNode {
  return new HclParser(text).document();
}

class HclParser {
  readonly #lexer: Lexer;
  #token: Token;
  #depth = 0;

  constructor(text: string) {
    this.#lexer = new Lexer(text);
    this.#token = this.#lexer.next();
  }

  document(): ObjectNode {
    const at = this.#token.at;
    const entries = this.#body();
    if (!this.#is('end')) this.#unexpected('a key');
    return { kind: 'object', entries, at };
  }

  /** Items up to a closing brace or the end; commas between items are optional, as in HCL. */
  #body(): ObjectEntry[] {
    const entries: ObjectEntry[] = [];
    while (this.#is('identifier') || this.#is('string')) {
      entries.push(this.#item());
      if (this.#is(',')) this.#advance();
    }
    return entries;
  }

  #item(): ObjectEntry {
    const key = this.#advance();
    if (this.#is('=')) {
      this.#advance();
      return { key: key.text, at: key.at, value: this.#value() };
    }
    const labels: Token[] = [];
    while (this.#is('string') || this.#is('identifier')) labels.push(this.#advance());
    if (!this.#is('{')) this.#unexpected(labels.length === 0 ? `"=" or "{" after ${quote(key.text)}` : '"{"');
    // `path "a" { … }` means { path: { a: { … } } }: each label nests one level.
    let value: SyntaxNode = this.#object();
    for (const label of [...labels].reverse()) {
      value = { kind: 'object', entries: [{ key: label.text, at: label.at, value }], at: label.at };
    }
    return { key: key.text, at: key.at, value };
  }

  #value(): SyntaxNode {
    const token = this.#token;
    switch (token.kind) {
      case 'string':
        this.#advance();
        return { kind: 'string', value: token.text, at: token.at };
      case 'number':
        this.#advance();
        return { kind: 'number', at: token.at };
      case 'identifier':
        if (token.text === 'true' || token.text === 'false') {
          this.#advance();
          return { kind: 'boolean', at: token.at };
        }
        return this.#unexpected('a value (strings must be quoted)');
      case '[':
        return this.#list();
      case '{':
        return this.#object();
      default:
        return this.#unexpected('a value');
    }
  }

  #list(): ListNode {
    const open = this.#enter();
    const items: SyntaxNode[] = [];
    while (!this.#is(']')) {
      if (this.#is('end')) this.#unclosed('[', open);
      items.push(this.#value());
      if (this.#is(',')) this.#advance();
      else if (!this.#is(']')) this.#unexpected('"," or "]"');
    }
    this.#leave();
    return { kind: 'list', items, at: open.at };
  }

  #object(): ObjectNode {
    const open = this.#enter();
    const entries = this.#body();
    if (this.#is('end')) this.#unclosed('{', open);
    if (!this.#is('}')) this.#unexpected('a key or "}"');
    this.#leave();
    return { kind: 'object', entries, at: open.at };
  }

  #enter(): Token {
    if (++this.#depth > MAX_NESTING) this.#lexer.fail(`nesting deeper than ${MAX_NESTING} levels`, this.#token.at);
    return this.#advance();
  }

  #leave(): void {
    this.#depth--;
    this.#advance();
  }

  /** A method, not a field test, so that the compiler does not keep a narrowed kind across #advance(). */
  #is(kind: TokenKind): boolean {
    return this.#token.kind === kind;
  }

  #advance(): Token {
    const token = this.#token;
    this.#token = this.#lexer.next();
    return token;
  }

  #unclosed(symbol: string, open: Token): never {
    return this.#lexer.fail(`unexpected end of input: "${symbol}" at line ${open.at.line}, column ${open.at.column} is never closed`, this.#token.at);
  }

  #unexpected(expected: string): never {
    const token = this.#token;
    const found =
      token.kind === 'end' ? 'end of input' : token.kind === 'string' ? `string ${quote(token.text)}` : quote(token.text);
    return this.#lexer.fail(`expected ${expected}, found ${found}`, token.at);
  }
}

class Lexer {
  readonly #scanner: Scanner;

  constructor(text: string) {
    this.#scanner = new Scanner(text);
  }

  fail(problem: string, at: Position): never {
    return this.#scanner.fail(problem, at);
  }

  next(): Token {
    const s = this.#scanner;
    this.#skipSpaceAndComments();
    const at = s.position();
    const char = s.peek();
    if (char === '') return { kind: 'end', text: '', at };
    if (PUNCTUATION.has(char)) {
      s.next();
      return { kind: char as TokenKind, text: char, at };
    }
    if (char === '"') return { kind: 'string', text: this.#string(), at };
    if (/[A-Za-z_]/.test(char)) return { kind: 'identifier', text: this.#word(/[\w.-]/), at };
    if (/[-\d]/.test(char)) {
      const text = this.#word(/[\w.+-]/);
      if (!NUMBER.test(text)) s.fail(`invalid number ${quote(text)}`, at);
      return { kind: 'number', text, at };
    }
    return s.fail(`unexpected character ${quote(String.fromCodePoint(codePointAt(s)))}`, at);
  }

  #word(allowed: RegExp): string {
    const s = this.#scanner;
    let text = '';
    while (allowed.test(s.peek())) text += s.next();
    return text;
  }

  #skipSpaceAndComments(): void {
    const s = this.#scanner;
    for (;;) {
      const char = s.peek();
      if (char === ' ' || char === '\t' || char === '\n' || char === '\r') {
        s.next();
      } else if (char === '#' || (char === '/' && s.peek(1) === '/')) {
        while (!s.atEnd && s.peek() !== '\n') s.next();
      } else if (char === '/' && s.peek(1) === '*') {
        const at = s.position();
        s.next();
        s.next();
        while (!(s.peek() === '*' && s.peek(1) === '/')) {
          if (s.atEnd) s.fail('unterminated block comment', at);
          s.next();
        }
        s.next();
        s.next();
      } else {
        return;
      }
    }
  }

  #string(): string {
    const s = this.#scanner;
    const at = s.position();
    s.next();
    let value = '';
    for (;;) {
      const char = s.peek();
      if (char === '' || char === '\n') s.fail('unterminated string', at);
      if (char === '"') break;
      if (char === '\\') value += this.#escape();
      else value += s.next();
    }
    s.next();
    return value;
  }

  #escape(): string {
    const s = this.#scanner;
    const at = s.position();
    s.next();
    const char = s.next();
    switch (char) {
      case '"':
      case '\\':
        return char;
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'u':
      case 'U': {
        const digits = char === 'u' ? 4 : 8;
        let hex = '';
        while (hex.length < digits && /[0-9a-fA-F]/.test(s.peek())) hex += s.next();
        const code = hex.length === digits ? Number.parseInt(hex, 16) : Number.NaN;
        if (!(code <= 0x10ffff) || (code >= 0xd800 && code <= 0xdfff)) s.fail(`invalid escape sequence ${quote(`\\${char}${hex}`)}`, at);
        return String.fromCodePoint(code);
      }
      default:
        return s.fail(`invalid escape sequence ${quote(`\\${char}`)}`, at);
    }
  }
}

/** The whole character at the cursor, so an error never shows half a surrogate pair. */
function codePointAt(s: Scanner): number {
  return `${s.peek()}${s.peek(1)}`.codePointAt(0) ?? 0;
}
