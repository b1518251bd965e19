import test from 'ava';
import { StalledRunError } from '../core/loop.ts';
import { describeStall } from './stalled-run.ts';
import type { Scenario } from './scenario.ts';

const scenario = { traffic: [{ name: 'load', from: 'default/client' }] } as unknown as Scenario;

test('a stuck traffic entry is named with its source and what to change; another event by its kind', (t) => {
  t.regex(describeStall(new StalledRunError(2_000_000, { kind: 'arrival', traffic: 0 }), scenario),
    /^the run cannot advance: traffic "load" \(from default\/client\) sends again and again at 2s without virtual time passing .*Give it a thinkTime or a lower rate/);
  t.regex(describeStall(new StalledRunError(0, { kind: 'fault-tick', index: 3 }), scenario), /the last of "fault-tick" events/);
});

test('a crawling run names the virtual second, the budget and the actor: a closed-loop caller through its exchange, or a request by source and URL', (t) => {
  const closed = { kind: 'attempt', exchange: { traffic: 0, sourceLabel: 'default/client', request: { url: 'http://web/' } } };
  t.regex(describeStall(new StalledRunError(3_250_000, closed, 'density', 200_000_000), scenario),
    /^the run crawls: more than 200,000,000 events in the virtual second from 3s to 4s, the last of traffic "load" \(from default\/client\)\. .*Lower that traffic's rate or concurrency/);
  const inner = { kind: 'app-done', exchange: { traffic: null, sourceLabel: 'default/web', request: { url: 'http://db/' } } };
  t.regex(describeStall(new StalledRunError(0, inner, 'density', 10), scenario), /the last of a request from default\/web to http:\/\/db\/ \("app-done" events\)/);
});
