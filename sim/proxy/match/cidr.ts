/**
 * IP addresses and CIDR prefixes, for filter-chain `prefix_ranges` (Envoy `CidrRange`).
 *
 * Rules followed: an address matches a range when its first `length` bits equal the range's; a range
 * without `/len` is a host route (/32 or /128); IPv4 never matches an IPv6 range and the reverse
 * (Envoy keeps separate v4 and v6 tries). Bits of the range address beyond `length` are ignored, as
 * Envoy's CidrRange truncates them.
 *
 * Invariants: pure; parse results are byte arrays (4 or 16 bytes), so comparisons are exact integers.
 *
 * Not modelled: IPv4-mapped IPv6 (`::ffff:10.0.0.1` is not 10.0.0.1 here, nor in Envoy's trie), zone
 * ids (`%eth0`).
 */

export interface Cidr {
  readonly bytes: readonly number[];
  readonly length: number;
}

/** Dotted-quad IPv4 or RFC 4291 IPv6 text as bytes, or null when it is neither. */
export function parseIp(text: string): number[] | null {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}

export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf('/');
  const bytes = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (bytes === null) return null;
  const bitsMax = bytes.length * 8;
  if (slash < 0) return { bytes, length: bitsMax };
  const lengthText = text.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(lengthText)) return null;
  const length = Number(lengthText);
  return length <= bitsMax ? { bytes, length } : null;
}

/** True when the address lies in the range (same family, equal leading `length` bits). */
export function cidrContains(range: Cidr, address: readonly number[]): boolean {
  if (range.bytes.length !== address.length) return false;
  const wholeBytes = Math.floor(range.length / 8);
  for (let index = 0; index < wholeBytes; index += 1) if (range.bytes[index] !== address[index]) return false;
  const restBits = range.length % 8;
  if (restBits === 0) return true;
  const mask = (0xff << (8 - restBits)) & 0xff;
  return ((range.bytes[wholeBytes] ?? 0) & mask) === ((address[wholeBytes] ?? 0) & mask);
}

function parseIpv4(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const bytes: number[] = [];
  for (const part of parts) {
    if (!/^[0-9]{1,3}$/.test(part)) return null;
    const value = Number(part);
    if (value > 255) return null;
    bytes.push(value);
  }
  return bytes;
}

function parseIpv6(text: string): number[] | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = groupsOf(halves[0] ?? '');
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? '') : [];
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...head, ...Array.from({ length: halves.length === 2 ? missing : 0 }, () => 0), ...tail];
  return groups.flatMap((group) => [group >> 8, group & 0xff]);
}

// Colon-separated 16-bit groups; a trailing dotted quad counts as two groups.
function groupsOf(text: string): number[] | null {
  if (text === '') return [];
  const parts = text.split(':');
  const groups: number[] = [];
  for (const [index, part] of parts.entries()) {
    if (index === parts.length - 1 && part.includes('.')) {
      const v4 = parseIpv4(part);
      if (v4 === null) return null;
      groups.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      continue;
    }
    if (!/^[0-9A-Fa-f]{1,4}$/.test(part)) return null;
    groups.push(Number.parseInt(part, 16));
  }
  return groups;
}

/** Envoy's Address::asString for an IP socket: `10.0.0.1:80`, `[2001:db8::1]:80` (IPv6 in brackets). */
export function socketAddress(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
