import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { AssertionError } from '../core/assert.ts';
import { Rng } from '../core/prng.ts';
import { isFailedAnswer, nextStep, planRequest, recordCallAnswer, recordWorkDone, startRequest } from './call-plan.ts';
import type { CallAnswer, PlanStep, RequestPlan } from './call-plan.ts';

const calls = [
  { url: 'http://details:9080/', method: 'GET' },
  { url: 'http://reviews:9080/', method: 'GET' },
];

function plan(overrides: Partial<RequestPlan> = {}): RequestPlan {
  return { calls, serviceTimeUs: 2_000, fails: false, errorStatus: 500, ...overrides };
}

/** Drives a plan to its answer with the given dependency answers; returns every step seen. */
function run(requestPlan: RequestPlan, answers: readonly CallAnswer[]): PlanStep[] {
  const progress = startRequest(requestPlan);
  const steps: PlanStep[] = [];
  for (;;) {
    const step = nextStep(progress);
    steps.push(step);
    if (step.kind === 'respond') return steps;
    if (step.kind === 'call') recordCallAnswer(progress, step.index, answers[step.index] ?? { status: 200 });
    else recordWorkDone(progress);
  }
}

test('calls go out in order, then the work, then a 200', (t) => {
  t.deepEqual(run(plan(), [{ status: 200 }, { status: 200 }]), [
    { kind: 'call', index: 0, call: calls[0] },
    { kind: 'call', index: 1, call: calls[1] },
    { kind: 'work', durationUs: 2_000 },
    { kind: 'respond', status: 200, reason: 'ok' },
  ]);
});

test('an app without dependencies works, then answers', (t) => {
  t.deepEqual(run(plan({ calls: [] }), []), [
    { kind: 'work', durationUs: 2_000 },
    { kind: 'respond', status: 200, reason: 'ok' },
  ]);
});

test('a failed dependency (5xx) stops the calls and the app answers its error status after working', (t) => {
  t.deepEqual(run(plan(), [{ status: 503 }]), [
    { kind: 'call', index: 0, call: calls[0] },
    { kind: 'work', durationUs: 2_000 },
    { kind: 'respond', status: 500, reason: 'dependency-failed' },
  ]);
});

test('no response at all (reset, refused) is a failure; a 4xx is not', (t) => {
  t.true(isFailedAnswer({ status: null }));
  t.true(isFailedAnswer({ status: 500 }));
  t.false(isFailedAnswer({ status: 404 }));
  t.false(isFailedAnswer({ status: 499 }));
  const steps = run(plan(), [{ status: 404 }, { status: null }]);
  t.deepEqual(steps.at(-1), { kind: 'respond', status: 500, reason: 'dependency-failed' });
  t.is(steps.filter((step) => step.kind === 'call').length, 2);
});

test('the app’s own failure does not skip its calls', (t) => {
  const steps = run(plan({ fails: true, errorStatus: 503 }), []);
  t.is(steps.filter((step) => step.kind === 'call').length, 2);
  t.deepEqual(steps.at(-1), { kind: 'respond', status: 503, reason: 'app-error' });
});

test('answers for the wrong call, or work before the calls end, are bugs', (t) => {
  const progress = startRequest(plan());
  t.throws(() => recordCallAnswer(progress, 1, { status: 200 }), { instanceOf: AssertionError });
  t.throws(() => recordWorkDone(progress), { instanceOf: AssertionError });
  t.throws(() => recordCallAnswer(progress, 0, { status: 42 }), { instanceOf: AssertionError });
  recordCallAnswer(progress, 0, { status: 200 });
  recordCallAnswer(progress, 1, { status: 200 });
  recordWorkDone(progress);
  t.throws(() => recordWorkDone(progress), { instanceOf: AssertionError });
});

testProp('steps: the calls up to the first failure, in order, then work, then respond',
  [fc.array(fc.option(fc.integer({ min: 100, max: 599 }), { nil: null }), { minLength: 0, maxLength: 6 }), fc.boolean()],
  (t, statuses, fails) => {
    const manyCalls = statuses.map((_, index) => ({ url: `http://dep-${index}/`, method: 'GET' }));
    const steps = run(plan({ calls: manyCalls, fails }), statuses.map((status) => ({ status })));
    const firstFailure = statuses.findIndex((status) => status === null || status >= 500);
    const expectedCalls = firstFailure < 0 ? statuses.length : firstFailure + 1;
    t.deepEqual(steps.filter((step) => step.kind === 'call').map((step) => step.kind === 'call' ? step.index : -1),
      Array.from({ length: expectedCalls }, (_, index) => index));
    t.is(steps.at(-2)?.kind, 'work');
    const last = steps.at(-1);
    const expectedStatus = firstFailure >= 0 || fails ? 500 : 200;
    t.true(last?.kind === 'respond' && last.status === expectedStatus);
  });

testProp('planRequest takes its two draws up front and copies the calls', [fc.nat()], (t, seed) => {
  const app = { serviceTime: { entries: [{ durationUs: 1_000, weight: 1 }, { durationUs: 9_000, weight: 1 }] }, errorRatePpm: 500_000, errorStatus: 502, calls };
  const a = planRequest(app, Rng.fromSeed(seed));
  const b = planRequest(app, Rng.fromSeed(seed));
  t.deepEqual(a, b);
  t.not(a.calls, app.calls);
  t.deepEqual(a.calls, calls);
  t.is(a.errorStatus, 502);
});
