/**
 * Vault's `strutil.RemoveDuplicates`: how provider, client and assignment lists are stored —
 * trimmed, empty items dropped, optionally lower-cased, deduplicated and sorted (byte order).
 */
export function removeDuplicates(items: readonly string[], lowercase: boolean): string[] {
  const kept = new Set<string>();
  for (const item of items) {
    const trimmed = item.trim();
    if (trimmed !== '') kept.add(lowercase ? trimmed.toLowerCase() : trimmed);
  }
  return [...kept].sort(compareBytes);
}

/** Go's string order: byte-wise over UTF-8. */
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
