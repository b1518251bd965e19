// Tests for sim/faults/fault-runner.ts, driven by hand through a fake world (FaultHooks) that keeps a
// virtual clock, records every hook call and runs scheduled ticks in time order.
import test from 'ava';
import { Rng } from '../core/prng.ts';
import { Links } from '../network/links.ts';
import { FaultRunner } from './fault-runner.ts';
import type { ChurnCandidates, FaultHooks } from './fault-runner.ts';
import type { FaultSpec } from './fault-plan.ts';

const FOREVER = Number.MAX_SAFE_INTEGER;
const WEB = 'shop/web';
const DB = 'shop/db';

type Call = readonly [atUs: number, hook: string, ...args: unknown[]];

interface Pending {
  readonly atUs: number;
  readonly seq: number;
  readonly kind: 'start' | 'tick';
  readonly fault: number;
}

/** A world that only keeps time: records the hooks called, runs starts and ticks in (time, order) order. */
class FakeWorld implements FaultHooks {
  nowUs = 0;
  readonly calls: Call[] = [];
  /** What churnCandidates answers at an instant. */
  candidates: (namespace: string | null, nowUs: number) => readonly string[] = () => [];
  private readonly pending: Pending[] = [];
  private seq = 0;

  /** A timeline step: fault `index` starts at `atUs`. */
  startAt(atUs: number, index: number): void {
    this.pending.push({ atUs, seq: this.seq++, kind: 'start', fault: index });
  }

  schedule(delayUs: number, fault: number): void {
    if (!Number.isSafeInteger(delayUs) || delayUs < 0) throw new Error(`bad delay ${delayUs}`);
    this.pending.push({ atUs: this.nowUs + delayUs, seq: this.seq++, kind: 'tick', fault });
  }

  /** Ticks still waiting, as [atUs, fault]. */
  scheduled(): [number, number][] {
    return this.pending.filter((p) => p.kind === 'tick').map((p) => [p.atUs, p.fault]);
  }

  /** Runs everything due up to `untilUs` (all of it when omitted); returns how many steps ran. */
  run(runner: FaultRunner, untilUs = FOREVER, stepsMax = 1_000_000): number {
    let steps = 0;
    for (;;) {
      this.pending.sort((a, b) => a.atUs - b.atUs || a.seq - b.seq);
      const next = this.pending[0];
      if (next === undefined || next.atUs > untilUs) return steps;
      if (++steps > stepsMax) throw new Error('the fault runner keeps scheduling');
      this.pending.shift();
      this.nowUs = next.atUs;
      if (next.kind === 'start') runner.start(next.fault);
      else runner.tick(next.fault);
    }
  }

  istiod(up: boolean): void {
    this.calls.push([this.nowUs, 'istiod', up]);
  }
  nack(workload: string, untilUs: number): void {
    this.calls.push([this.nowUs, 'nack', workload, untilUs]);
  }
  failPods(workload: string, pods: number): void {
    this.calls.push([this.nowUs, 'failPods', workload, pods]);
  }
  churnCandidates(namespace: string | null): ChurnCandidates {
    this.calls.push([this.nowUs, 'churnCandidates', namespace]);
    const list = this.candidates(namespace, this.nowUs);
    return { length: list.length, at: (i) => list[i]! };
  }
  deletePod(pod: string, drainUs: number): void {
    this.calls.push([this.nowUs, 'deletePod', pod, drainUs]);
  }
  /** What churnServices answers. */
  services: readonly string[] = [];
  churnServices(namespace: string | null): readonly string[] {
    this.calls.push([this.nowUs, 'churnCandidates', namespace]);
    return this.services.filter((s) => namespace === null || s.startsWith(`${namespace}/`));
  }
  applyConfig(text: string): void {
    this.calls.push([this.nowUs, 'applyConfig', text]);
  }
  xdsReachable(workload: string, reachable: boolean): void {
    this.calls.push([this.nowUs, 'xdsReachable', workload, reachable]);
  }
  node(name: string, state: string): void {
    this.calls.push([this.nowUs, 'node', name, state]);
  }

  certificates(workload: string, valid: boolean): void {
    this.calls.push([this.nowUs, 'certificates', workload, valid]);
  }

  /** The calls other than churnCandidates (the questions), in order. */
  actions(): Call[] {
    return this.calls.filter((c) => c[1] !== 'churnCandidates');
  }
}

function setup(faults: readonly (FaultSpec | undefined)[], seed = 1) {
  const world = new FakeWorld();
  const links = new Links(Rng.fromSeed(seed).fork('network'));
  const runner = new FaultRunner(faults, world, links, Rng.fromSeed(seed).fork('faults'));
  return { world, links, runner };
}

function churn(ratePerSecond: number, durationUs: number, namespace: string | null = null, drainUs = 5_000_000): FaultSpec {
  return { kind: 'pod-churn', ratePerSecond, durationUs, namespace, drainUs };
}

test('an istiod outage with a duration takes istiod down, then brings it back at its end', (t) => {
  const { world, runner } = setup([undefined, { kind: 'istiod-outage', durationUs: 5_000 }]);
  world.startAt(1_000, 1);
  world.run(runner, 5_999);
  t.deepEqual(world.calls, [[1_000, 'istiod', false]]);
  world.run(runner);
  t.deepEqual(world.calls, [[1_000, 'istiod', false], [6_000, 'istiod', true]]);
});

test('an istiod outage of duration 0 never ends', (t) => {
  const { world, runner } = setup([{ kind: 'istiod-outage', durationUs: 0 }]);
  world.startAt(1_000, 0);
  world.run(runner);
  t.deepEqual(world.calls, [[1_000, 'istiod', false]]);
  t.deepEqual(world.scheduled(), []);
});

test('a proxy NACK fault tells the world until when the proxies NACK', (t) => {
  const { world, runner } = setup([{ kind: 'proxy-nack', workload: WEB, durationUs: 3_000 }, { kind: 'proxy-nack', workload: DB, durationUs: 0 }]);
  world.startAt(2_000, 0);
  world.startAt(2_500, 1);
  world.run(runner);
  t.deepEqual(world.calls, [[2_000, 'nack', WEB, 5_000], [2_500, 'nack', DB, FOREVER]]);
});

test('a pod failure fails the pods at once', (t) => {
  const { world, runner } = setup([{ kind: 'pod-failure', workload: WEB, pods: 2 }]);
  world.startAt(700, 0);
  world.run(runner);
  t.deepEqual(world.calls, [[700, 'failPods', WEB, 2]]);
});

test('pod churn deletes about rate × duration pods (Poisson, fixed seed), none at or after its end', (t) => {
  const { world, runner } = setup([churn(20, 50_000_000)], 3);
  world.candidates = () => ['shop/a', 'shop/b', 'shop/c'];
  world.startAt(1_000_000, 0);
  world.run(runner);
  const deletions = world.calls.filter((c) => c[1] === 'deletePod');
  // Expected 1000, σ ≈ 31.6: allow about 3σ.
  t.true(deletions.length > 900 && deletions.length < 1_100, `${deletions.length} deletions`);
  t.true(deletions.every(([at]) => at > 1_000_000 && at < 51_000_000), 'every deletion inside (start, end)');
  t.deepEqual(world.scheduled(), [], 'nothing left scheduled after the end');
  // Gaps are exponential: their mean is 1/rate = 50 ms.
  const times = deletions.map(([at]) => at);
  const meanGapUs = (times[times.length - 1]! - times[0]!) / (times.length - 1);
  t.true(Math.abs(meanGapUs - 50_000) < 5_000, `mean gap ${meanGapUs} µs`);
});

test('pod churn picks each victim among the candidates the world lists then, uniformly, with the fault\'s drain', (t) => {
  const { world, runner } = setup([churn(50, 40_000_000, 'shop', 3_000_000)], 5);
  const listed: string[][] = [];
  world.candidates = (namespace, nowUs) => {
    const list = nowUs < 20_000_000 ? ['shop/a-1', 'shop/a-2', 'shop/b-0'] : ['shop/c-7', 'shop/c-8'];
    listed.push([String(namespace), ...list]);
    return list;
  };
  world.startAt(0, 0);
  world.run(runner);
  const deletions = world.calls.filter((c) => c[1] === 'deletePod');
  t.true(deletions.length > 1_500);
  t.true(listed.every(([namespace]) => namespace === 'shop'), 'asked for the fault\'s namespace');
  const counts = new Map<string, number>();
  for (const [at, , pod, drain] of deletions) {
    const allowed = (at < 20_000_000 ? ['shop/a-1', 'shop/a-2', 'shop/b-0'] : ['shop/c-7', 'shop/c-8']) as unknown[];
    t.true(allowed.includes(pod), `${String(pod)} at ${at}`);
    t.is(drain, 3_000_000);
    counts.set(pod as string, (counts.get(pod as string) ?? 0) + 1);
  }
  const early = deletions.filter(([at]) => at < 20_000_000).length;
  for (const pod of ['shop/a-1', 'shop/a-2', 'shop/b-0']) {
    const share = (counts.get(pod) ?? 0) / early;
    t.true(Math.abs(share - 1 / 3) < 0.06, `${pod}: ${share}`);
  }
  t.true((counts.get('shop/c-7') ?? 0) > 0 && (counts.get('shop/c-8') ?? 0) > 0);
});

test('pod churn with no candidates deletes nothing but goes on', (t) => {
  const { world, runner } = setup([churn(10, 30_000_000)], 9);
  world.candidates = (_namespace, nowUs) => (nowUs < 10_000_000 ? [] : ['shop/a']);
  world.startAt(0, 0);
  world.run(runner);
  const asked = world.calls.filter((c) => c[1] === 'churnCandidates');
  const deletions = world.calls.filter((c) => c[1] === 'deletePod');
  t.true(asked.filter(([at]) => at < 10_000_000).length > 50, 'the churn ticks while there is nothing to delete');
  t.false(deletions.some(([at]) => at < 10_000_000));
  t.true(deletions.length > 100, `${deletions.length} deletions once there are candidates`);
  t.is(deletions.length, asked.filter(([at]) => at >= 10_000_000).length, 'one deletion per tick once there are candidates');
});

test('a churn tick at or after the end of the churn deletes nothing and schedules nothing', (t) => {
  const { world, runner } = setup([churn(1_000, 1_000_000)]);
  world.candidates = () => ['shop/a'];
  world.nowUs = 0;
  runner.start(0);
  t.is(world.scheduled().length, 1);
  const before = world.calls.length;
  world.nowUs = 1_000_000;
  runner.tick(0);
  world.nowUs = 1_000_001;
  runner.tick(0);
  t.deepEqual(world.calls.slice(before), []);
  t.is(world.scheduled().length, 1, 'only the tick from the start');
  world.nowUs = 999_999;
  runner.tick(0);
  t.deepEqual(world.actions().slice(-1), [[999_999, 'deletePod', 'shop/a', 5_000_000]]);
});

test('pod churn of duration 0 goes on until the run ends', (t) => {
  const { world, runner } = setup([churn(10, 0)], 4);
  world.candidates = () => ['shop/a'];
  world.startAt(0, 0);
  world.run(runner, 100_000_000);
  const deletions = world.calls.filter((c) => c[1] === 'deletePod');
  t.true(deletions.length > 900 && deletions.length < 1_100, `${deletions.length} deletions in 100 s`);
  t.is(world.scheduled().length, 1, 'the next deletion is on its way');
});

test('a partition from istiod cuts the xDS stream and the link, and restores both at its end', (t) => {
  const { world, links, runner } = setup([{ kind: 'network-partition', workload: WEB, peer: 'istiod', durationUs: 4_000 }]);
  world.startAt(1_000, 0);
  world.run(runner, 1_000);
  t.deepEqual(world.calls, [[1_000, 'xdsReachable', WEB, false]]);
  t.true(links.partitioned(WEB, 'istiod', 1_000));
  t.true(links.partitioned(WEB, 'istiod', 4_999));
  t.false(links.partitioned(WEB, DB, 1_000), 'only the xDS link');
  world.run(runner);
  t.deepEqual(world.calls, [[1_000, 'xdsReachable', WEB, false], [5_000, 'xdsReachable', WEB, true]]);
  t.false(links.partitioned(WEB, 'istiod', 5_000));
});

test('overlapping partitions from istiod: the stream comes back when the last one ends', (t) => {
  const { world, links, runner } = setup([
    { kind: 'network-partition', workload: WEB, peer: 'istiod', durationUs: 4_000 },
    { kind: 'network-partition', workload: WEB, peer: '*', durationUs: 8_000 },
  ]);
  world.startAt(1_000, 0);
  world.startAt(2_000, 1);
  world.run(runner);
  t.deepEqual(world.calls.filter((c) => c[3] === true), [[10_000, 'xdsReachable', WEB, true]]);
  t.true(links.partitioned(WEB, DB, 9_999));
  t.false(links.partitioned(WEB, DB, 10_000));
});

test('a partition from another workload leaves the xDS stream alone', (t) => {
  const { world, links, runner } = setup([{ kind: 'network-partition', workload: WEB, peer: DB, durationUs: 4_000 }]);
  world.startAt(0, 0);
  world.run(runner);
  t.deepEqual(world.calls, []);
  t.true(links.partitioned(WEB, DB, 0));
  t.false(links.partitioned(WEB, 'istiod', 0));
  t.false(links.partitioned(WEB, DB, 4_000));
});

test('network delay and loss become link faults for their window', (t) => {
  const { world, links, runner } = setup([
    { kind: 'network-delay', workload: WEB, delayUs: 700, durationUs: 2_000 },
    { kind: 'network-loss', workload: DB, lossPpm: 1_000_000, durationUs: 0 },
  ]);
  world.startAt(1_000, 0);
  world.startAt(1_000, 1);
  world.run(runner);
  t.is(links.delayUs(WEB, null, 1_000), 700);
  t.is(links.delayUs(WEB, 'istiod', 2_999), 700);
  t.is(links.delayUs(WEB, null, 3_000), 0);
  t.true(links.lost(DB, WEB, 1_000));
  t.true(links.lost(DB, null, 1_000_000_000), 'duration 0: until the run ends');
  t.false(links.lost(WEB, null, 1_000));
  t.deepEqual(world.calls, []);
});

test('certificate expiry invalidates the certificates, then renews them after its duration', (t) => {
  const { world, runner } = setup([{ kind: 'certificate-expiry', workload: WEB, durationUs: 60_000_000 }]);
  world.startAt(5_000_000, 0);
  world.run(runner);
  t.deepEqual(world.calls, [[5_000_000, 'certificates', WEB, false], [65_000_000, 'certificates', WEB, true]]);
});

test('heal ends the active faults now; their scheduled ends then do nothing', (t) => {
  const { world, links, runner } = setup([
    { kind: 'istiod-outage', durationUs: 10_000 },
    { kind: 'certificate-expiry', workload: WEB, durationUs: 0 },
    { kind: 'proxy-nack', workload: DB, durationUs: 10_000 },
    { kind: 'network-partition', workload: DB, peer: 'istiod', durationUs: 10_000 },
    churn(1_000, 0),
  ]);
  world.candidates = () => ['shop/a'];
  for (let i = 0; i < 5; i += 1) world.startAt(0, i);
  world.run(runner, 2_999);
  world.nowUs = 3_000;
  runner.heal();
  world.run(runner);
  t.deepEqual(world.scheduled(), [], 'the churn stopped');
  t.true(world.calls.some(([at, hook]) => at < 3_000 && hook === 'deletePod'), 'the churn ran before the heal');
  t.deepEqual(world.actions().filter(([at]) => at >= 3_000), [
    [3_000, 'istiod', true],
    [3_000, 'certificates', WEB, true],
    [3_000, 'nack', DB, 3_000],
    [3_000, 'xdsReachable', DB, true],
  ]);
  t.false(links.partitioned(DB, 'istiod', 3_000));
});

test('same seed, same calls at the same instants; another seed, another churn', (t) => {
  const plan: FaultSpec[] = [
    churn(5, 60_000_000),
    { kind: 'istiod-outage', durationUs: 7_000_000 },
    churn(2, 0, 'shop'),
    { kind: 'network-partition', workload: WEB, peer: 'istiod', durationUs: 3_000_000 },
    { kind: 'certificate-expiry', workload: DB, durationUs: 9_000_000 },
  ];
  const run = (seed: number) => {
    const { world, runner } = setup(plan, seed);
    world.candidates = (namespace, nowUs) => (namespace === null ? ['a/x', 'a/y', 'shop/z'] : nowUs % 2 === 0 ? ['shop/z'] : ['shop/z', 'shop/w']);
    plan.forEach((_, i) => world.startAt(i * 1_000_000, i));
    world.run(runner, 120_000_000);
    return world.calls;
  };
  const first = run(21);
  t.true(first.filter((c) => c[1] === 'deletePod').length > 200);
  t.deepEqual(run(21), first);
  t.notDeepEqual(run(22), first);
});

test('a node failure: down at once, NotReady after the node monitor grace period, evicted after the toleration, up at its end', (t) => {
  const world = new FakeWorld();
  const runner = new FaultRunner([{ kind: 'node-failure', node: 'node-a', durationUs: 0 }], world, new Links(Rng.fromSeed(1)), Rng.fromSeed(2));
  world.startAt(1_000_000, 0);
  world.run(runner);
  t.deepEqual(world.calls, [
    [1_000_000, 'node', 'node-a', 'down'],
    [41_000_000, 'node', 'node-a', 'not-ready'],
    [341_000_000, 'node', 'node-a', 'evicted'],
  ]);
  const short = new FakeWorld();
  const back = new FaultRunner([{ kind: 'node-failure', node: 'node-a', durationUs: 10_000_000 }], short, new Links(Rng.fromSeed(1)), Rng.fromSeed(2));
  short.startAt(0, 0);
  short.run(back);
  t.deepEqual(short.calls, [[0, 'node', 'node-a', 'down'], [10_000_000, 'node', 'node-a', 'up']]);
});

test('config churn changes one Service every interval until its duration ends, alternating VirtualService and DestinationRule', (t) => {
  const { world, runner } = setup([{ kind: 'config-churn', intervalUs: 10_000_000, durationUs: 35_000_000, namespace: null }]);
  world.services = ['ns-00/svc-0000', 'ns-01/svc-0001'];
  world.startAt(0, 0);
  world.run(runner);
  const applied = world.actions().filter((c) => c[1] === 'applyConfig');
  t.deepEqual(applied.map((c) => c[0]), [10_000_000, 20_000_000, 30_000_000], 'a change at each interval inside the window, none after it');
  t.regex(String(applied[0]![2]), /kind: VirtualService[\s\S]*timeout: 10s/);
  t.regex(String(applied[1]![2]), /kind: DestinationRule[\s\S]*http1MaxPendingRequests: 1001/);
  t.regex(String(applied[2]![2]), /kind: VirtualService[\s\S]*timeout: 12s/, 'each change is a new value');
});

test('config churn limited to a namespace only picks its Services, and skips a tick with none', (t) => {
  const { world, runner } = setup([{ kind: 'config-churn', intervalUs: 1_000_000, durationUs: 3_500_000, namespace: 'ns-01' }]);
  world.services = ['ns-00/svc-0000', 'ns-01/svc-0001'];
  world.startAt(0, 0);
  world.run(runner, 1_500_000);
  world.services = ['ns-00/svc-0000'];
  world.run(runner);
  const applied = world.actions().filter((c) => c[1] === 'applyConfig');
  t.is(applied.length, 1);
  t.regex(String(applied[0]![2]), /namespace: ns-01/);
});
