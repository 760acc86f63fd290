/**
 * `accessTokenTrustedIps`: the addresses a machine identity may log in from and use its tokens
 * from. Infisical's form is `[{ipAddress: "10.0.0.0/8"}, …]` and is stored parsed as
 * `{ipAddress, type, prefix}`; plain strings and comma lists are accepted too (forms, the CLI).
 *
 * Parsing is strict where Infisical's is not: a prefix must be digits only (`10.0.0.0/8abc` is
 * refused, where parseInt made it /8). Host bits may be set (`10.0.0.5/24` means 10.0.0.0/24).
 */
import { isIPv4 } from 'node:net';
import { parseCidr } from '../util/cidr.js';
import type { TrustedIp } from './types.js';

export const DEFAULT_TRUSTED_IPS: readonly TrustedIp[] = [
  { ipAddress: '0.0.0.0', type: 'ipv4', prefix: 0 },
  { ipAddress: '::', type: 'ipv6', prefix: 0 },
];

/** Infisical's message for an entry that is not an address or CIDR block. */
const INVALID_IP_MESSAGE = 'The IP is not a valid IPv4, IPv6, or CIDR block';

export type TrustedIpsInput =
  | { readonly ok: true; readonly value: TrustedIp[] }
  /** `shape`: not a list of entries at all (422); `address`: an entry is not an IP or CIDR (400). */
  | { readonly ok: false; readonly problem: 'shape' | 'empty' | 'address'; readonly message: string };

/** Reads the field's value; entries are trimmed. */
export function parseTrustedIps(input: unknown): TrustedIpsInput {
  let entries: unknown[];
  if (typeof input === 'string') entries = input.split(',');
  else if (Array.isArray(input)) entries = input;
  else return { ok: false, problem: 'shape', message: 'Expected an array of {ipAddress} objects' };

  const texts: string[] = [];
  for (const entry of entries) {
    const text = typeof entry === 'string' ? entry : isAddressObject(entry) ? entry.ipAddress : undefined;
    if (text === undefined) return { ok: false, problem: 'shape', message: 'Each entry must be {"ipAddress": "<IP or CIDR>"}' };
    if (text.trim() !== '' || typeof input !== 'string') texts.push(text.trim());
  }
  if (texts.length === 0) return { ok: false, problem: 'empty', message: 'Array must contain at least 1 element(s)' };

  const value: TrustedIp[] = [];
  for (const text of texts) {
    const parsed = toTrustedIp(text);
    if (parsed === undefined) return { ok: false, problem: 'address', message: INVALID_IP_MESSAGE };
    value.push(parsed);
  }
  return { ok: true, value };
}

/**
 * The CIDRs to bind onto an issued token. A list that admits every IPv4 and every IPv6 address
 * binds nothing, which is the same for every real client and spares the check on each use.
 */
export function boundCidrsOf(trusted: readonly TrustedIp[]): string[] {
  const everyV4 = trusted.some((entry) => entry.type === 'ipv4' && entry.prefix === 0);
  const everyV6 = trusted.some((entry) => entry.type === 'ipv6' && entry.prefix === 0);
  if (everyV4 && everyV6) return [];
  return trusted.map(cidrText);
}

function cidrText(entry: TrustedIp): string {
  return entry.prefix === undefined ? entry.ipAddress : `${entry.ipAddress}/${entry.prefix}`;
}

function toTrustedIp(text: string): TrustedIp | undefined {
  if (text === '' || parseCidr(text) === undefined) return undefined;
  const slash = text.indexOf('/');
  const address = (slash === -1 ? text : text.slice(0, slash)).replace(/^\[(.*)\]$/, '$1');
  if (address.includes('%')) return undefined; // a zone index means nothing to a remote client
  const type = isIPv4(address) ? 'ipv4' : 'ipv6';
  return slash === -1 ? { ipAddress: address, type } : { ipAddress: address, type, prefix: Number(text.slice(slash + 1)) };
}

function isAddressObject(value: unknown): value is { ipAddress: string } {
  return typeof value === 'object' && value !== null && typeof (value as { ipAddress?: unknown }).ipAddress === 'string';
}
