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
