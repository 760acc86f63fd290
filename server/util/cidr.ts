/**
 * IP addresses and CIDR ranges for trusted-IP checks and trusted proxies. IPv4, IPv6 and
 * IPv4-mapped IPv6 (`::ffff:10.0.0.1`) are handled; a mapped address matches IPv4 ranges, so
 * a dual-stack socket never lets a client slip past an IPv4 rule.
 */
import { isIPv4, isIPv6 } from 'node:net';

export interface Cidr {
  readonly family: 4 | 6;
  readonly base: bigint;
  readonly bits: number;
  readonly text: string;
}

/** The address as a (family, number) pair; IPv4-mapped IPv6 addresses become IPv4. */
export function parseIp(address: string): { family: 4 | 6; value: bigint } | undefined {
  let text = address.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  const zone = text.indexOf('%');
  if (zone !== -1) text = text.slice(0, zone);
  if (isIPv4(text)) return { family: 4, value: ipv4ToBigInt(text) };
  if (!isIPv6(text)) return undefined;
  const value = ipv6ToBigInt(text);
  if (value >> 32n === 0xffffn) return { family: 4, value: value & 0xffffffffn };
  return { family: 6, value };
}

export function parseCidr(text: string): Cidr | undefined {
  const [addr, bitsText, extra] = text.trim().split('/');
  if (addr === undefined || extra !== undefined) return undefined;
  const ip = parseIp(addr);
  if (!ip) return undefined;
  // A mapped IPv6 CIDR (::ffff:10.0.0.0/104) is expressed in IPv6 bits; convert to IPv4 bits.
  const mapped = ip.family === 4 && isIPv6(addr.replace(/^\[|\]$/g, ''));
  const width = ip.family === 4 ? 32 : 128;
  let bits = bitsText === undefined ? width : /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : NaN;
  if (mapped && bitsText !== undefined) bits -= 96;
  if (!Number.isInteger(bits) || bits < 0 || bits > width) return undefined;
  const mask = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(width - bits);
  return { family: ip.family, base: ip.value & mask, bits, text: text.trim() };
}

export function cidrContains(cidr: Cidr, address: string): boolean {
  const ip = parseIp(address);
  if (!ip || ip.family !== cidr.family) return false;
  const width = cidr.family === 4 ? 32 : 128;
  const mask = cidr.bits === 0 ? 0n : ((1n << BigInt(cidr.bits)) - 1n) << BigInt(width - cidr.bits);
  return (ip.value & mask) === cidr.base;
}

export function anyCidrContains(cidrs: readonly Cidr[], address: string): boolean {
  return cidrs.some((c) => cidrContains(c, address));
}

/** Canonical text of an address (mapped IPv4 shown as IPv4), for logs and comparisons. */
export function canonicalIp(address: string): string {
  const ip = parseIp(address);
  if (!ip) return address;
  if (ip.family === 4) return [24n, 16n, 8n, 0n].map((s) => String((ip.value >> s) & 0xffn)).join('.');
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((ip.value >> BigInt(i * 16)) & 0xffffn).toString(16));
  return groups.join(':').replace(/\b(?:0:){2,}/, ':').replace(/^0::/, '::').replace(/:{3,}/, '::');
}

function ipv4ToBigInt(text: string): bigint {
  return text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function ipv6ToBigInt(text: string): bigint {
  let head = text;
  let tailV4: bigint | undefined;
  const lastColon = text.lastIndexOf(':');
  const maybeV4 = text.slice(lastColon + 1);
  if (isIPv4(maybeV4)) {
    tailV4 = ipv4ToBigInt(maybeV4);
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [left = '', right] = head.split('::');
  const leftParts = left === '' ? [] : left.split(':');
  const rightParts = right === undefined || right === '' ? [] : right.split(':');
  const missing = 8 - leftParts.length - rightParts.length;
  const parts = right === undefined ? leftParts : [...leftParts, ...Array<string>(missing).fill('0'), ...rightParts];
  let value = parts.reduce((acc, part) => (acc << 16n) | BigInt(parseInt(part, 16)), 0n);
  if (tailV4 !== undefined) value = (value & ~0xffffffffn) | tailV4;
  return value;
}
