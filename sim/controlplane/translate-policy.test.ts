// Per-route policies on inputs validation would refuse or that are easier to state directly
// (route.go setTimeout, TranslateFault, MirrorPercent; retry/retry.go ConvertPolicy, parseRetryOn),
// plus the header operations' internal-header rules (route.go dropInternal, translateAppendHeaders).
import test from 'ava';
import { DEFAULT_RETRY_POLICY, convertRetryPolicy, mirrorPolicyPpm, mirrorPpm, translateFault, translateTimeout } from './translate-policy.ts';
import { mergeOperations, translateHeadersOperations } from './translate-headers.ts';

const cases: [rule: string, actual: () => unknown, expected: unknown][] = [
  ['route.go setTimeout: an explicit 0s is Envoy\'s "no timeout"', () => [translateTimeout('0s'), translateTimeout(undefined), translateTimeout('1.5s')], [null, null, 1_500_000]],
  ['retry.go ConvertPolicy: a retries block without attempts disables retries', () => convertRetryPolicy({ perTryTimeout: '2s' }), null],
  ['retry.go ConvertPolicy: negative attempts disable retries', () => convertRetryPolicy({ attempts: -1 }), null],
  ['retry.go ConvertPolicy: no block is the shared default policy', () => convertRetryPolicy(undefined) === DEFAULT_RETRY_POLICY, true],
  ['retry.go parseRetryOn: 1000 has no status text and stays a condition; 404 is a code',
    () => convertRetryPolicy({ attempts: 1, retryOn: 'retriable-status-codes,1000,404' })?.retryOn, ['retriable-status-codes', '1000', '404']],
  ['retry.go parseRetryOn: codes alone get retriable-status-codes', () => convertRetryPolicy({ attempts: 2, retryOn: ' 503 , 429' })?.retryOn,
    ['retriable-status-codes', '503', '429']],
  ['retry.go parseRetryOn: 599 and 306 have no Go status text', () => convertRetryPolicy({ attempts: 2, retryOn: '599,306,425' })?.retryOn,
    ['599', '306', 'retriable-status-codes', '425']],
  ['route.go TranslateFault: an exponential delay is dropped, an http2Error abort too', () => translateFault({ delay: { exponentialDelay: '1s' }, abort: { http2Error: 'x' } }), {}],
  ['route.go TranslateFault: percentage value absent inside percentage is 0', () => translateFault({ delay: { fixedDelay: '1s', percentage: {} } }), { faultDelay: { delayUs: 1_000_000, ppm: 0 } }],
  ['route.go translatePercentToFractionalPercent: values outside 0..100 are clamped (validation refuses them)',
    () => translateFault({ abort: { httpStatus: 503, percentage: { value: 150 } } }), { faultAbort: { httpStatus: 503, ppm: 1_000_000 } }],
  ['route.go MirrorPercent: mirrorPercentage beats the legacy mirrorPercent', () => mirrorPpm({ mirrorPercentage: { value: 1 }, mirrorPercent: 50 }), 10_000],
  ['route.go MirrorPercent: legacy mirrorPercent 0 means no mirror', () => mirrorPpm({ mirrorPercent: 0 }), null],
  ['route.go MirrorPercentByPolicy: absent 100%, 0 none, 0.5 → 5000 ppm', () => [mirrorPolicyPpm(undefined), mirrorPolicyPpm({ value: 0 }), mirrorPolicyPpm({ value: 0.5 })], [1_000_000, null, 5_000]],
  ['route.go dropInternal: pseudo-headers and Host (any case) are never removed', () => translateHeadersOperations({ request: { remove: [':path', 'HOST', 'x-a'] }, response: { remove: [':status', 'x-b'] } }),
    { request: { set: {}, add: {}, remove: ['x-a'] }, response: { set: {}, add: {}, remove: ['x-b'] }, authority: '' }],
  ['route.go translateAppendHeaders: Host in add is the authority when set names none; pseudo-headers never become headers',
    () => translateHeadersOperations({ request: { add: { Host: 'h.example.com', ':path': '/x', 'x-a': '1' } } }),
    { request: { set: {}, add: { 'x-a': '1' }, remove: [] }, response: { set: {}, add: {}, remove: [] }, authority: 'h.example.com' }],
  ['route.go processDestination: a destination set cancels the route\'s add of that header; two adds both reach Envoy',
    () => mergeOperations({ set: {}, add: { a: 'r', b: 'r' }, remove: ['x'] }, { set: { a: 'd' }, add: { b: 'd' }, remove: ['y'] }),
    { set: { a: 'd' }, add: { b: 'r,d' }, remove: ['x', 'y'] }],
];

for (const [rule, actual, expected] of cases) {
  test(rule, (t) => {
    t.deepEqual(actual(), expected);
  });
}
