/** Go's quoting, for messages that must read exactly like Vault's. */

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const CONTROL_ESCAPES: Readonly<Record<string, string>> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
};

/**
 * Go's `%q` (strconv.Quote), for messages that must read exactly like Vault's: printable Unicode
 * stays as is, anything else becomes a Go escape.
 */
export function goQuote(text: string): string {
  let quoted = '"';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '"' || char === '\\') quoted += `\\${char}`;
    else if (PRINTABLE.test(char)) quoted += char;
    else if (code >= 0xd800 && code <= 0xdfff) quoted += '\ufffd'; // a lone surrogate: Go sees U+FFFD
    else if (CONTROL_ESCAPES[char] !== undefined) quoted += CONTROL_ESCAPES[char];
    else if (code < 0x80) quoted += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code < 0x10000) quoted += `\\u${code.toString(16).padStart(4, '0')}`;
    else quoted += `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return `${quoted}"`;
}
