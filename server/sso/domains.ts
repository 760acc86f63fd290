/**
 * Allowed email domains: which people the upstream IdP may sign in. The list is Infisical's comma
 * string; an empty list allows every domain.
 *
 * An entry is a domain (`example.com`: that domain only) or a wildcard (`*.example.com`: the
 * domain itself and any subdomain). Matching is case-insensitive and works on the ASCII (punycode)
 * form, so a Unicode spelling of a domain cannot dodge an entry. A wildcard matches on a label
 * boundary: `*.example.com` covers `eu.example.com` but not `evilexample.com` or
 * `example.com.evil`.
 */
import { domainToASCII } from 'node:url';

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const MAX_DOMAIN_LENGTH = 253;

export interface DomainListProblem {
  readonly entry: string;
  readonly message: string;
}

/** The list in its stored form (`a.com, *.b.org`) or the first entry that is not a domain. */
export function normaliseDomainList(entries: readonly string[]): { readonly value: string } | { readonly problem: DomainListProblem } {
  const normalised: string[] = [];
  for (const raw of entries) {
    const entry = raw.trim();
    if (entry === '') continue;
    const wildcard = entry.startsWith('*.');
    const domain = asciiDomain(wildcard ? entry.slice(2) : entry);
    if (domain === undefined) {
      return { problem: { entry, message: `"${clip(entry)}" is not a domain: use example.com or *.example.com` } };
    }
    if (wildcard && !domain.includes('.')) {
      return { problem: { entry, message: `"${clip(entry)}" would allow a whole top-level domain: name a domain such as *.example.com` } };
    }
    const value = wildcard ? `*.${domain}` : domain;
    if (!normalised.includes(value)) normalised.push(value);
  }
  return { value: normalised.join(', ') };
}

/** The entries of a stored list. */
function domainEntries(stored: string): string[] {
  return stored === '' ? [] : stored.split(', ');
}

/** Whether the domain part of `email` is allowed by the stored list. */
export function emailDomainAllowed(email: string, stored: string): boolean {
  const entries = domainEntries(stored);
  if (entries.length === 0) return true;
  const domain = emailDomain(email);
  if (domain === undefined) return false;
  return entries.some((entry) => (entry.startsWith('*.') ? domain === entry.slice(2) || domain.endsWith(entry.slice(1)) : domain === entry));
}

/** The normalised domain of an address, or undefined when it has none that could be matched. */
export function emailDomain(email: string): string | undefined {
  const at = email.lastIndexOf('@');
  if (at <= 0) return undefined;
  return asciiDomain(email.slice(at + 1));
}

/** Lowercase ASCII form of a domain name without a trailing dot; undefined when it is not one. */
function asciiDomain(text: string): string | undefined {
  const trimmed = text.endsWith('.') ? text.slice(0, -1) : text;
  if (trimmed === '' || /[\s@/*:]/.test(trimmed)) return undefined;
  const ascii = domainToASCII(trimmed.toLowerCase());
  if (ascii === '' || ascii.length > MAX_DOMAIN_LENGTH) return undefined;
  return ascii.split('.').every((label) => LABEL.test(label)) ? ascii : undefined;
}

function clip(text: string): string {
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}
