// Tests for sim/network/links.ts: fault windows, delay per affected end, partitions by peer, loss draws
// from the seeded stream (none when no loss applies), and determinism.
import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { Rng, ratio } from '../core/prng.ts';
import { Links } from './links.ts';
import type { LinkFault, LinkPeer } from './links.ts';

const A = 'shop/web';
const B = 'shop/db';
const C = 'shop/cache';
const FOREVER = Number.MAX_SAFE_INTEGER;
const SEED = 7;

function fault(workloads: readonly string[], peer: LinkPeer, overrides: Partial<LinkFault> = {}): LinkFault {
  return { workloads: new Set(workloads), peer, fromUs: 0, untilUs: FOREVER, delayUs: 0, lossPpm: 0, partition: false, ...overrides };
}

function links(faults: readonly LinkFault[], rng = Rng.fromSeed(SEED).fork('network')): Links {
  const l = new Links(rng);
  for (const f of faults) l.add(f);
  return l;
}

/** The next 32-bit draw of a stream: two streams that agree here are (practically) at the same place. */
function nextDraw(rng: Rng): number {
  return rng.intInclusive(0, 2 ** 32 - 1);
}

test('a fault applies in [from, until): not before from, from on, not at until', (t) => {
  const l = links([fault([A], '*', { fromUs: 1_000, untilUs: 2_000, delayUs: 50, lossPpm: 1_000_000, partition: true })]);
  t.is(l.delayUs(A, B, 999), 0);
  t.is(l.delayUs(A, B, 1_000), 50);
  t.is(l.delayUs(A, B, 1_999), 50);
  t.is(l.delayUs(A, B, 2_000), 0);
  t.false(l.partitioned(A, B, 999));
  t.true(l.partitioned(A, B, 1_000));
  t.true(l.partitioned(A, B, 1_999));
  t.false(l.partitioned(A, B, 2_000));
  t.false(l.lost(A, B, 999));
  t.true(l.lost(A, B, 1_000));
  t.true(l.lost(A, B, 1_999));
  t.false(l.lost(A, B, 2_000));
  t.is(l.istiodHealsAtUs(A, 999), null);
  t.is(l.istiodHealsAtUs(A, 1_500), 2_000);
  t.is(l.istiodHealsAtUs(A, 2_000), null);
});

test('delay is added once per affected end, either way round', (t) => {
  const one = links([fault([A], '*', { delayUs: 100 })]);
  t.is(one.delayUs(A, B, 0), 100);
  t.is(one.delayUs(B, A, 0), 100);
  t.is(one.delayUs(B, C, 0), 0, 'a link that touches none of the workloads');
  const both = links([fault([A, B], '*', { delayUs: 100 })]);
  t.is(both.delayUs(A, B, 0), 200, 'both ends delayed');
  t.is(both.delayUs(B, A, 0), 200);
  t.is(both.delayUs(A, C, 0), 100);
  t.is(both.delayUs(null, null, 0), 0);
});

test('delays of several faults add up', (t) => {
  const l = links([
    fault([A], '*', { delayUs: 100 }),
    fault([A], '*', { delayUs: 30 }),
    fault([B], '*', { delayUs: 7 }),
    fault([A], '*', { delayUs: 1_000, fromUs: 10 }),
  ]);
  t.is(l.delayUs(A, C, 0), 130);
  t.is(l.delayUs(A, B, 0), 137);
  t.is(l.delayUs(A, B, 10), 1_137, 'the later fault joins from its start');
  t.is(l.delayUs(C, B, 0), 7);
});

test("peer '*' covers every peer: other workloads, istiod and the outside (null)", (t) => {
  const l = links([fault([A], '*', { delayUs: 25, partition: true })]);
  for (const peer of [B, 'istiod', null]) {
    t.is(l.delayUs(A, peer, 0), 25, `delay to ${peer}`);
    t.is(l.delayUs(peer, A, 0), 25, `delay from ${peer}`);
    t.true(l.partitioned(A, peer, 0), `cut to ${peer}`);
    t.true(l.partitioned(peer, A, 0), `cut from ${peer}`);
  }
  t.is(l.istiodHealsAtUs(A, 0), FOREVER);
  t.false(l.partitioned(B, C, 0));
  t.false(l.partitioned(B, null, 0));
  t.false(l.partitioned(B, 'istiod', 0));
  t.is(l.istiodHealsAtUs(B, 0), null);
});

test("peer 'istiod' affects only the link to istiod", (t) => {
  const l = links([fault([A], 'istiod', { delayUs: 40, partition: true, untilUs: 9_000 })]);
  t.is(l.delayUs(A, 'istiod', 0), 40);
  t.is(l.delayUs(A, B, 0), 0);
  t.is(l.delayUs(A, null, 0), 0);
  t.true(l.partitioned(A, 'istiod', 0));
  t.false(l.partitioned(A, B, 0));
  t.false(l.partitioned(B, A, 0));
  t.false(l.partitioned(A, null, 0));
  t.false(l.partitioned(B, 'istiod', 0), 'another workload keeps its xDS stream');
  t.is(l.istiodHealsAtUs(A, 0), 9_000);
  t.is(l.istiodHealsAtUs(B, 0), null);
});

test('a partition between a workload and a named peer cuts that link alone, both ways', (t) => {
  const l = links([fault([A], B, { partition: true })]);
  t.true(l.partitioned(A, B, 0));
  t.true(l.partitioned(B, A, 0));
  t.false(l.partitioned(A, C, 0));
  t.false(l.partitioned(C, B, 0));
  t.false(l.partitioned(A, 'istiod', 0));
  t.false(l.partitioned(A, null, 0));
  t.is(l.istiodHealsAtUs(A, 0), null, 'the xDS stream is not cut');
});

test('istiodHealsAtUs: the latest end of the active partitions to istiod; delays and loss do not count', (t) => {
  const l = links([
    fault([A], 'istiod', { partition: true, untilUs: 5_000 }),
    fault([A], '*', { partition: true, fromUs: 100, untilUs: 8_000 }),
    fault([A], 'istiod', { delayUs: 10, lossPpm: 500_000, untilUs: 20_000 }),
  ]);
  t.is(l.istiodHealsAtUs(A, 50), 5_000);
  t.is(l.istiodHealsAtUs(A, 200), 8_000);
  t.is(l.istiodHealsAtUs(A, 6_000), 8_000);
  t.is(l.istiodHealsAtUs(A, 8_000), null);
});

test('no loss applying draws nothing from the stream', (t) => {
  const rng = Rng.fromSeed(SEED).fork('network');
  const l = links([
    fault([A], '*', { delayUs: 100 }),
    fault([A], '*', { partition: true }),
    fault([B], '*', { lossPpm: 0 }),
    fault([C], '*', { lossPpm: 1_000_000, fromUs: 5_000 }),
  ], rng);
  for (let i = 0; i < 10; i += 1) {
    t.false(l.lost(A, B, 0));
    t.false(l.lost(B, null, 0));
    t.false(l.lost(C, A, 4_999), 'before the loss starts');
  }
  t.is(nextDraw(rng), nextDraw(Rng.fromSeed(SEED).fork('network')));
});

test('an attempt over a lossy link draws exactly once, the same draw as chance(loss)', (t) => {
  const rng = Rng.fromSeed(SEED).fork('network');
  const fresh = Rng.fromSeed(SEED).fork('network');
  const l = links([fault([A], '*', { lossPpm: 400_000 })], rng);
  for (let i = 0; i < 50; i += 1) t.is(l.lost(A, B, 0), fresh.chance(ratio(400_000, 1_000_000)), `attempt ${i}`);
  t.is(nextDraw(rng), nextDraw(fresh));
});

test('a loss of 100% loses every attempt', (t) => {
  const l = links([fault([A], '*', { lossPpm: 1_000_000 })]);
  for (let i = 0; i < 1_000; i += 1) t.true(l.lost(i % 2 === 0 ? A : B, i % 2 === 0 ? B : A, i));
});

test('the share of lost attempts is close to the loss (fixed seed)', (t) => {
  const l = links([fault([A], '*', { lossPpm: 250_000 })]);
  const attempts = 20_000;
  let lost = 0;
  for (let i = 0; i < attempts; i += 1) if (l.lost(A, null, i)) lost += 1;
  // σ = sqrt(0.25 · 0.75 / 20000) ≈ 0.0031; allow 5σ.
  t.true(Math.abs(lost / attempts - 0.25) < 0.016, `lost share ${lost / attempts}`);
});

test('several faults on a link take the highest loss, not the sum', (t) => {
  const l = links([fault([A], '*', { lossPpm: 300_000 }), fault([A], B, { lossPpm: 300_000 }), fault([B], '*', { lossPpm: 100_000 })]);
  const attempts = 20_000;
  let lost = 0;
  for (let i = 0; i < attempts; i += 1) if (l.lost(A, B, i)) lost += 1;
  t.true(Math.abs(lost / attempts - 0.3) < 0.017, `lost share ${lost / attempts}`);
  const certain = links([fault([A], '*', { lossPpm: 1 }), fault([A], '*', { lossPpm: 1_000_000 })]);
  for (let i = 0; i < 200; i += 1) t.true(certain.lost(A, B, 0));
});

test('same seed, same answers; another seed, other answers', (t) => {
  const run = (seed: number) => {
    const l = links([fault([A], '*', { lossPpm: 500_000 }), fault([B], 'istiod', { lossPpm: 200_000 })], Rng.fromSeed(seed).fork('network'));
    const out: boolean[] = [];
    for (let i = 0; i < 200; i += 1) out.push(l.lost(A, C, i), l.lost(B, 'istiod', i), l.lost(B, C, i));
    return out;
  };
  t.deepEqual(run(11), run(11));
  t.notDeepEqual(run(11), run(12));
});

test('healAll ends every active fault now and cancels those still to come', (t) => {
  const l = links([
    fault([A], '*', { delayUs: 10, partition: true, untilUs: 1_000 }),
    fault([B], '*', { delayUs: 20, fromUs: 800 }),
    fault([C], '*', { delayUs: 30, untilUs: 100 }),
  ]);
  l.healAll(500);
  t.is(l.delayUs(A, null, 499), 10, 'the past is unchanged');
  t.is(l.delayUs(A, null, 500), 0);
  t.false(l.partitioned(A, null, 500));
  t.is(l.istiodHealsAtUs(A, 500), null);
  t.is(l.delayUs(B, null, 900), 0, 'a fault to come never starts');
  t.is(l.delayUs(C, null, 50), 30, 'a fault already over keeps its window');
});

const workload = fc.constantFrom(A, B, C);
const end = fc.constantFrom<string | null>(A, B, C, 'istiod', null);
const arbitraryFault = fc.record({
  workloads: fc.uniqueArray(workload, { minLength: 1, maxLength: 3 }),
  peer: fc.constantFrom<LinkPeer>('*', 'istiod', A, B, C),
  fromUs: fc.integer({ min: 0, max: 100 }),
  lengthUs: fc.integer({ min: 1, max: 100 }),
  delayUs: fc.integer({ min: 0, max: 1_000 }),
  partition: fc.boolean(),
});

testProp('delay and partitions are symmetric, and delay is the sum over active faults of delay × affected ends', [fc.array(arbitraryFault, { maxLength: 6 }), end, end, fc.integer({ min: 0, max: 220 })], (t, specs, a, b, now) => {
  const faults = specs.map((s) => fault(s.workloads, s.peer, { fromUs: s.fromUs, untilUs: s.fromUs + s.lengthUs, delayUs: s.delayUs, partition: s.partition }));
  const l = links(faults);
  t.is(l.delayUs(a, b, now), l.delayUs(b, a, now));
  t.is(l.partitioned(a, b, now), l.partitioned(b, a, now));
  const touches = (f: LinkFault, x: string | null, y: string | null) => x !== null && f.workloads.has(x) && (f.peer === '*' || f.peer === y);
  let expected = 0;
  let cut = false;
  for (const f of faults) {
    if (now < f.fromUs || now >= f.untilUs) continue;
    const ends = (touches(f, a, b) ? 1 : 0) + (b !== a && touches(f, b, a) ? 1 : 0);
    expected += ends * f.delayUs;
    if (f.partition && ends > 0) cut = true;
  }
  t.is(l.delayUs(a, b, now), expected);
  t.is(l.partitioned(a, b, now), cut);
});
