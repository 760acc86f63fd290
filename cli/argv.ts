/**
 * Vault's CLI writes long options with one dash (`-format=json`, `-method=userpass`); commander
 * expects two. Rewrite single-dash long options to double-dash before parsing, leaving short flags
 * (`-h`, `-f`), a lone `-` (stdin) and everything after `--` alone.
 */
export function normaliseArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  let passthrough = false;
  for (const arg of argv) {
    if (passthrough) out.push(arg);
    else if (arg === '--') {
      passthrough = true;
      out.push(arg);
    } else if (/^-[a-zA-Z][a-zA-Z0-9-]+(=.*)?$/s.test(arg)) out.push(`-${arg}`);
    else out.push(arg);
  }
  return out;
}
