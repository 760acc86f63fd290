/**
 * Allowed email domains: how the configured list is normalised and how an address is matched
 * (case-insensitive; `*.example.com` covers the domain and its subdomains on a label boundary,
 * not look-alikes).
 */
import { describe, expect, it } from '@jest/globals';
import { emailDomainAllowed, normaliseDomainList } from '../../server/sso/domains.js';

const stored = (entries: string[]): string => {
  const result = normaliseDomainList(entries);
  if ('problem' in result) throw new Error(result.problem.message);
  return result.value;
};

describe('the configured list', () => {
  it('is trimmed, lowercased, de-duplicated and joined with ", "', () => {
    expect(stored([' Example.COM', '*.Corp.Example.org ', '', 'example.com', 'example.com.'])).toBe('example.com, *.corp.example.org');
  });

  it('stores internationalised domains in their ASCII form', () => {
    expect(stored(['Bücher.example'])).toBe('xn--bcher-kva.example');
  });

  it.each([
    ['not a domain', 'is not a domain'],
    ['alice@example.com', 'is not a domain'],
    ['exa*mple.com', 'is not a domain'],
    ['*.', 'is not a domain'],
    ['-bad-.example.com', 'is not a domain'],
    ['*.com', 'whole top-level domain'],
  ])('refuses %j', (entry, message) => {
    const result = normaliseDomainList([entry]);
    expect('problem' in result && result.problem.message).toContain(message);
  });
});

describe('matching an address', () => {
  const list = stored(['example.com', '*.corp.example.org']);

  it.each([
    ['alice@example.com', true],
    ['ALICE@EXAMPLE.COM', true],
    ['alice@corp.example.org', true],
    ['alice@eu.corp.example.org', true],
    ['alice@a.b.corp.example.org', true],
    ['alice@sub.example.com', false],
    ['alice@evilexample.com', false],
    ['alice@example.com.evil', false],
    ['alice@evilcorp.example.org', false],
    ['alice@example.org', false],
    ['example.com', false],
    ['alice@', false],
    ['"alice@example.com"@evil.com', false],
  ])('%s → %s', (email, allowed) => {
    expect(emailDomainAllowed(email, list)).toBe(allowed);
  });

  it('allows every domain when the list is empty', () => {
    expect(emailDomainAllowed('anyone@anywhere.test', '')).toBe(true);
  });

  it('compares internationalised domains in their ASCII form', () => {
    const idn = stored(['bücher.example']);
    expect(emailDomainAllowed('reader@BÜCHER.example', idn)).toBe(true);
    expect(emailDomainAllowed('reader@xn--bcher-kva.example', idn)).toBe(true);
  });
});
