/**
 * Deterministic IPv4 address allocation from a CIDR, for pod IPs and Service cluster IPs that the
 * manifests do not give. Addresses are handed out in order, skipping reserved ones (the network address,
 * the first host address, and any address a manifest fixed), so the same inputs get the same addresses.
 *
 * Defaults (kind's): pods from 10.244.0.0/16, Services from 10.96.0.0/12 starting after 10.96.0.10
 * (kube-dns).
 *
 * Not modelled: IPv6 and dual stack; per-node pod CIDRs.
 */
import { assert } from '../core/assert.ts';

export const POD_CIDR_DEFAULT = '10.244.0.0/16';
export const SERVICE_CIDR_DEFAULT = '10.96.0.0/12';

export function parseIpv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
}

export function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

export function parseCidr(text: string): { base: number; prefixLength: number } | null {
  const [address, prefix, extra] = text.split('/');
  if (extra !== undefined || address === undefined || prefix === undefined || !/^\d{1,2}$/.test(prefix)) return null;
  const base = parseIpv4(address);
  const prefixLength = Number(prefix);
  if (base === null || prefixLength > 32) return null;
  const size = 2 ** (32 - prefixLength);
  return { base: base - (base % size), prefixLength };
}

export function cidrContains(cidr: string, ip: string): boolean {
  const range = parseCidr(cidr);
  const value = parseIpv4(ip);
  if (range === null || value === null) return false;
  const size = 2 ** (32 - range.prefixLength);
  return value >= range.base && value < range.base + size;
}

export class AddressAllocator {
  private readonly base: number;
  private readonly size: number;
  private next: number;
  private readonly taken = new Set<number>();

  constructor(cidr: string, firstOffset = 2) {
    const range = parseCidr(cidr);
    assert(range !== null, `invalid CIDR ${cidr}`);
    this.base = range.base;
    this.size = 2 ** (32 - range.prefixLength);
    this.next = firstOffset;
  }

  /** Marks an address as used (one a manifest fixed), so it is never handed out. */
  reserve(ip: string): void {
    const value = parseIpv4(ip);
    if (value !== null) this.taken.add(value);
  }

  allocate(): string {
    while (this.next < this.size - 1) {
      const candidate = this.base + this.next;
      this.next += 1;
      if (!this.taken.has(candidate)) {
        this.taken.add(candidate);
        return formatIpv4(candidate);
      }
    }
    assert(false, 'address range exhausted');
  }
}
