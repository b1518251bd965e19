// The loop's watchdog: an actor that reschedules itself at the same instant forever stops the run
// with StalledRunError (carrying the event), while time that advances never trips it.
import test from 'ava';
import { EventLoop, STALL_EVENTS, StalledRunError } from './loop.ts';

test('more than STALL_EVENTS events in a row at one instant throw StalledRunError with the event', (t) => {
  const loop = new EventLoop<{ kind: string }>((event, l) => { l.schedule(0, event); });
  loop.schedule(5, { kind: 'spin' });
  const error = t.throws(() => loop.runUntil(10), { instanceOf: StalledRunError }) as StalledRunError<{ kind: string }>;
  t.is(error.atUs, 5);
  t.deepEqual(error.event, { kind: 'spin' });
  t.is(loop.eventsRunTotal, STALL_EVENTS);
});

test('as many events spread over instants never trip it', (t) => {
  let n = 0;
  const loop = new EventLoop<number>((_event, l) => {
    n += 1;
    if (n < STALL_EVENTS + 10) l.schedule(n % 1000 === 0 ? 1 : 0, n);
  });
  loop.schedule(0, 0);
  t.notThrows(() => loop.run());
  t.is(n, STALL_EVENTS + 10);
});

test('more events in one whole virtual second than the density budget throw StalledRunError with reason density', (t) => {
  // An actor that reschedules itself a microsecond later: time advances, but crawls.
  const loop = new EventLoop<{ kind: string }>((event, l) => { l.schedule(1, event); }, 5_000);
  loop.schedule(2_000_000, { kind: 'crawl' });
  const error = t.throws(() => loop.runUntil(3_000_000), { instanceOf: StalledRunError }) as StalledRunError<{ kind: string }>;
  t.is(error.reason, 'density');
  t.is(error.limit, 5_000);
  t.is(error.atUs, 2_000_000 + 5_000, 'the 5,001st event of the second starting at 2 s');
  t.deepEqual(error.event, { kind: 'crawl' });
});

test('the density budget counts each whole virtual second afresh', (t) => {
  // 4,000 events a second for five seconds, under a budget of 5,000: never trips.
  const loop = new EventLoop<number>((n, l) => { if (n < 20_000) l.schedule(250, n + 1); }, 5_000);
  loop.schedule(0, 0);
  t.notThrows(() => loop.run());
  t.is(loop.eventsRunTotal, 20_001);
});
