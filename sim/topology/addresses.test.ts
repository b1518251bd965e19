import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { AssertionError } from '../core/assert.ts';
import { AddressAllocator, POD_CIDR_DEFAULT, SERVICE_CIDR_DEFAULT, cidrContains, formatIpv4, parseCidr, parseIpv4 } from './addresses.ts';

test('parseIpv4 reads dotted quads as a 32-bit unsigned number', (t) => {
  t.is(parseIpv4('0.0.0.0'), 0);
  t.is(parseIpv4('10.244.0.1'), 10 * 2 ** 24 + 244 * 2 ** 16 + 1);
  t.is(parseIpv4('255.255.255.255'), 2 ** 32 - 1);
});

test('parseIpv4 refuses what is not an IPv4 address', (t) => {
  for (const text of ['', '1.2.3', '1.2.3.4.5', '256.0.0.1', '1.2.3.-4', '1.2.3.x', '1..3.4', '1.2.3.4 ', '::1', '1.2.3.1000']) {
    t.is(parseIpv4(text), null, JSON.stringify(text));
  }
});

test('formatIpv4 writes the top octets correctly (no sign trouble above 127.255.255.255)', (t) => {
  t.is(formatIpv4(0), '0.0.0.0');
  t.is(formatIpv4(2 ** 32 - 1), '255.255.255.255');
  t.is(formatIpv4(parseIpv4('192.168.1.10')!), '192.168.1.10');
});

testProp('formatIpv4 and parseIpv4 are inverse', [fc.integer({ min: 0, max: 2 ** 32 - 1 })], (t, value) => {
  t.is(parseIpv4(formatIpv4(value)), value);
});

testProp('parseIpv4 and formatIpv4 agree with fast-check\'s IPv4 generator', [fc.ipV4()], (t, ip) => {
  t.is(formatIpv4(parseIpv4(ip)!), ip);
});

test('parseCidr normalises the base to the network address and refuses bad prefixes', (t) => {
  t.deepEqual(parseCidr('10.96.0.0/12'), { base: parseIpv4('10.96.0.0'), prefixLength: 12 });
  t.deepEqual(parseCidr('10.100.3.7/12'), { base: parseIpv4('10.96.0.0'), prefixLength: 12 });
  t.deepEqual(parseCidr('1.2.3.4/32'), { base: parseIpv4('1.2.3.4'), prefixLength: 32 });
  t.deepEqual(parseCidr('1.2.3.4/0'), { base: 0, prefixLength: 0 });
  for (const text of ['10.0.0.0', '10.0.0.0/33', '10.0.0.0/', '10.0.0.0/x', '10.0.0/8']) t.is(parseCidr(text), null, text);
});

// A CIDR is exactly address "/" prefix-length (RFC 4632 §3.1; Go's netip.ParsePrefix refuses more),
// so "10.0.0.0/8/8" is not one.
test('parseCidr refuses text with more than one "/"', (t) => {
  t.is(parseCidr('10.0.0.0/8/8'), null);
});

test('cidrContains: the range from the network address to the broadcast address, inclusive', (t) => {
  t.true(cidrContains('10.96.0.0/12', '10.96.0.0'));
  t.true(cidrContains('10.96.0.0/12', '10.111.255.255'));
  t.false(cidrContains('10.96.0.0/12', '10.112.0.0'));
  t.false(cidrContains('10.96.0.0/12', '10.95.255.255'));
  t.true(cidrContains('0.0.0.0/0', '255.255.255.255'));
  t.true(cidrContains('1.2.3.4/32', '1.2.3.4'));
  t.false(cidrContains('1.2.3.4/32', '1.2.3.5'));
  t.false(cidrContains('bad', '1.2.3.4'));
  t.false(cidrContains('10.0.0.0/8', 'bad'));
});

testProp('cidrContains agrees with comparing the top prefixLength bits', [fc.ipV4(), fc.ipV4(), fc.integer({ min: 0, max: 32 })], (t, network, ip, prefixLength) => {
  const shift = 32 - prefixLength;
  const top = (value: number) => Math.floor(value / 2 ** shift);
  t.is(cidrContains(`${network}/${prefixLength}`, ip), top(parseIpv4(network)!) === top(parseIpv4(ip)!));
});

test('allocator: pod addresses start at .2, skipping the network address and the first host (kind defaults)', (t) => {
  const pods = new AddressAllocator(POD_CIDR_DEFAULT);
  t.deepEqual([pods.allocate(), pods.allocate(), pods.allocate()], ['10.244.0.2', '10.244.0.3', '10.244.0.4']);
});

test('allocator: service addresses start after kube-dns (10.96.0.10) when the first offset is 11', (t) => {
  const services = new AddressAllocator(SERVICE_CIDR_DEFAULT, 11);
  t.is(services.allocate(), '10.96.0.11');
});

test('allocator: reserved addresses (fixed by a manifest) are never handed out, before or after', (t) => {
  const allocator = new AddressAllocator('10.0.0.0/24');
  allocator.reserve('10.0.0.3');
  allocator.reserve('10.0.0.4');
  allocator.reserve('not an ip');
  t.deepEqual([allocator.allocate(), allocator.allocate()], ['10.0.0.2', '10.0.0.5']);
  allocator.reserve('10.0.0.7');
  t.deepEqual([allocator.allocate(), allocator.allocate()], ['10.0.0.6', '10.0.0.8']);
});

test('allocator: the sequence carries across octets and is the same for the same inputs', (t) => {
  const run = () => {
    const allocator = new AddressAllocator('10.244.0.0/16');
    allocator.reserve('10.244.1.0');
    return Array.from({ length: 256 }, () => allocator.allocate());
  };
  const first = run();
  t.deepEqual(first, run());
  t.is(first[253], '10.244.0.255');
  t.is(first[254], '10.244.1.1', '10.244.1.0 was reserved');
  t.is(new Set(first).size, first.length);
});

test('allocator: the broadcast address is never handed out; exhaustion is an assertion', (t) => {
  const allocator = new AddressAllocator('192.168.0.0/29');
  const handed = Array.from({ length: 5 }, () => allocator.allocate());
  t.deepEqual(handed, ['192.168.0.2', '192.168.0.3', '192.168.0.4', '192.168.0.5', '192.168.0.6']);
  t.throws(() => allocator.allocate(), { instanceOf: AssertionError });
});

test('allocator: an invalid CIDR is a bug (assertion)', (t) => {
  t.throws(() => new AddressAllocator('10.0.0.0/40'), { instanceOf: AssertionError });
});

testProp('allocator: every address is inside the CIDR, unique, and not reserved', [
  fc.integer({ min: 20, max: 27 }),
  fc.uniqueArray(fc.integer({ min: 0, max: 15 }), { maxLength: 6 }),
], (t, prefixLength, reservedOffsets) => {
  const cidr = `172.16.0.0/${prefixLength}`;
  const allocator = new AddressAllocator(cidr);
  const reserved = new Set(reservedOffsets.map((offset) => formatIpv4(parseIpv4('172.16.0.0')! + offset)));
  for (const ip of reserved) allocator.reserve(ip);
  const handed = Array.from({ length: 8 }, () => allocator.allocate());
  t.is(new Set(handed).size, handed.length);
  for (const ip of handed) {
    t.true(cidrContains(cidr, ip), ip);
    t.false(reserved.has(ip), ip);
    t.false(ip === '172.16.0.0' || ip === '172.16.0.1', ip);
  }
});
