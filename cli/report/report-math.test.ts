import test from 'ava';
import {
  compareText, decimal, durationText, isSuccess, outcomeOf, pairOf, percentText, percentile, shortHost, splitWorkload,
} from './report-math.ts';

test('decimal prints integers scaled exactly, without float noise or trailing zeros', (t) => {
  t.is(decimal(1500, 3), '1.5');
  t.is(decimal(100_000, 6), '0.1');
  t.is(decimal(300_000, 6), '0.3');
  t.is(decimal(0, 3), '0');
  t.is(decimal(7, 6), '0.000007');
  t.is(decimal(-2_500, 3), '-2.5');
  t.is(decimal(123_456_789_012, 6), '123456.789012');
});

test('durationText picks µs, ms or s with one decimal', (t) => {
  t.is(durationText(850), '850 µs');
  t.is(durationText(12_345), '12.3 ms');
  t.is(durationText(1_000_000), '1 s');
  t.is(durationText(30_000_000), '30 s');
});

test('percentText rounds down so an imperfect rate never reads 100%', (t) => {
  t.is(percentText(999_999, 1_000_000), '99.999%');
  t.is(percentText(1, 3), '33.333%');
  t.is(percentText(5, 5), '100%');
  t.is(percentText(0, 0), '-');
});

test('percentile is nearest-rank and does not reorder its input', (t) => {
  const values = [50, 10, 40, 20, 30];
  t.is(percentile(values, 50), 30);
  t.is(percentile(values, 99), 50);
  t.is(percentile(values, 1), 10);
  t.is(percentile([], 50), undefined);
  t.deepEqual(values, [50, 10, 40, 20, 30]);
  t.is(percentile(Array.from({ length: 100 }, (_, i) => i + 1), 99), 99);
});

test('success is a status that is not 5xx; resets (0) and 5xx fail', (t) => {
  t.true(isSuccess(200));
  t.true(isSuccess(404));
  t.false(isSuccess(0));
  t.false(isSuccess(503));
  t.false(isSuccess(500));
  t.true(isSuccess(600));
});

test('pairs use the routed service, falling back to the answering workload', (t) => {
  t.is(pairOf({ source: 'shop/frontend', destination: 'unknown', destinationService: 'catalog.shop.svc.cluster.local' }), 'shop/frontend → catalog.shop');
  t.is(pairOf({ source: 'external', destination: 'shop/web', destinationService: 'unknown' }), 'external → shop/web');
  t.is(shortHost('example.com'), 'example.com');
  t.is(outcomeOf({ code: 503, flags: 'NC' }), '503 NC');
});

test('splitWorkload maps anything but NS/WORKLOAD to unknown', (t) => {
  t.deepEqual(splitWorkload('shop/frontend'), ['shop', 'frontend']);
  t.deepEqual(splitWorkload('external'), ['unknown', 'unknown']);
  t.deepEqual(splitWorkload('/x'), ['unknown', 'unknown']);
  t.deepEqual(splitWorkload('x/'), ['unknown', 'unknown']);
});

test('compareText is code-unit order', (t) => {
  t.deepEqual(['b', 'B', 'a', 'é'].sort(compareText), ['B', 'a', 'b', 'é']);
});
