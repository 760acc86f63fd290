/** A cursor over policy text that knows its line and column, shared by the HCL and JSON parsers. */
import { PolicyParseError, type Position } from './parse_error.js';

export class Scanner {
  readonly #text: string;
  #offset = 0;
  #line = 1;
  #column = 1;

  constructor(text: string) {
    this.#text = text;
  }

  get atEnd(): boolean {
    return this.#offset >= this.#text.length;
  }

  /** The code unit `ahead` places on, or '' past the end. */
  peek(ahead = 0): string {
    return this.#text.charAt(this.#offset + ahead);
  }

  /** Consume one code unit and return it ('' at the end). */
  next(): string {
    const char = this.#text.charAt(this.#offset);
    if (char === '') return char;
    this.#offset++;
    if (char === '\n') {
      this.#line++;
      this.#column = 1;
    } else if (!isLowSurrogateOfPair(this.#text, this.#offset - 1)) {
      // The second half of a surrogate pair is the same character: columns count characters.
      this.#column++;
    }
    return char;
  }

  position(): Position {
    return { line: this.#line, column: this.#column };
  }

  fail(problem: string, at: Position = this.position()): never {
    throw new PolicyParseError(problem, at);
  }
}

function isLowSurrogateOfPair(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  if (code < 0xdc00 || code > 0xdfff || index === 0) return false;
  const before = text.charCodeAt(index - 1);
  return before >= 0xd800 && before <= 0xdbff;
}
