import test from 'ava';
import { StalledRunError } from '../core/loop.ts';
import { describeStall } from './stalled-run.ts';
import type { Scenario } from './scenario.ts';

const scenario = { traffic: [{ name: 'load', from: 'default/client' }] } as unknown as Scenario;

test('a stuck traffic entry is named with its source and what to change; another event by its kind', (t) => {
  t.regex(describeStall(new StalledRunError(2_000_000, { kind: 'arrival', traffic: 0 }), scenario),
    /^the run cannot advance: traffic "load" \(from default\/client\) sends again and again at 2s without virtual time passing .*Give it a thinkTime or a lower rate/);
  t.regex(describeStall(new StalledRunError(0, { kind: 'fault-tick', index: 3 }), scenario), /the last a "fault-tick" event/);
});
