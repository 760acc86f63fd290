import { describe, expect, it } from '@jest/globals';
import { clientIp } from '../../server/http/client_ip.js';
import { canonicalIp, cidrContains, parseCidr, type Cidr } from '../../server/util/cidr.js';

const cidr = (text: string): Cidr => {
  const parsed = parseCidr(text);
  if (!parsed) throw new Error(`bad cidr ${text}`);
  return parsed;
};

describe('CIDR matching', () => {
  it.each([
    ['10.0.0.0/8', '10.1.2.3', true],
    ['10.0.0.0/8', '11.0.0.1', false],
    ['10.0.0.0/8', '::ffff:10.9.9.9', true],
    ['192.168.1.7', '192.168.1.7', true],
    ['192.168.1.7', '192.168.1.8', false],
    ['0.0.0.0/0', '8.8.8.8', true],
    ['2001:db8::/32', '2001:db8:1::1', true],
    ['2001:db8::/32', '2001:db9::1', false],
    ['::1/128', '::1', true],
    ['::/0', '10.0.0.1', false],
    ['::ffff:10.0.0.0/104', '10.2.3.4', true],
  ])('%s contains %s → %s', (range, address, expected) => {
    expect(cidrContains(cidr(range), address)).toBe(expected);
  });

  it.each(['10.0.0.0/33', '::/129', 'foo', '10.0.0.0/8/1', '1.2.3.4/-1', ''])('rejects %s', (text) => {
    expect(parseCidr(text)).toBeUndefined();
  });

  it('canonicalises mapped addresses', () => {
    expect(canonicalIp('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(canonicalIp('2001:db8:0:0:0:0:0:1')).toBe('2001:db8::1');
  });
});

describe('client address through trusted proxies', () => {
  const proxies = [cidr('10.0.0.0/8')];
  it('ignores X-Forwarded-For from an untrusted peer', () => {
    expect(clientIp('203.0.113.5', '1.1.1.1', proxies)).toBe('203.0.113.5');
  });
  it('takes the first untrusted hop from the right', () => {
    expect(clientIp('10.0.0.1', '6.6.6.6, 198.51.100.7, 10.0.0.2', proxies)).toBe('198.51.100.7');
  });
  it('never uses what a client prepended', () => {
    expect(clientIp('10.0.0.1', 'evil, 198.51.100.7', proxies)).toBe('198.51.100.7');
  });
  it('ignores the header when no proxy is configured', () => {
    expect(clientIp('::ffff:127.0.0.1', '1.2.3.4', [])).toBe('127.0.0.1');
  });
});
