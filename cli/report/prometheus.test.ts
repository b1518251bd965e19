import test from 'ava';
import { fixtureRecord, emptyRecord } from './fixture.ts';
import { counterFamily, escapeHelp, escapeLabelValue, histogramFamily, prometheusText, secondsHistogram } from './prometheus.ts';
import type { RunRecord } from '../../sim/index.ts';

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL_VALUE = '"(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
const LABELS = `\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=${LABEL_VALUE})(?:,[a-zA-Z_][a-zA-Z0-9_]*=${LABEL_VALUE})*\\}`;
const VALUE = '(?:[-+]?(?:\\d+(?:\\.\\d+)?(?:[eE][-+]?\\d+)?|Inf)|NaN)';
const SAMPLE = new RegExp(`^(${NAME})(${LABELS})? (${VALUE})$`);
const HELP = new RegExp(`^# HELP (${NAME}) (?:[^\\\\\\n]|\\\\[\\\\n])*$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);

interface Sample { name: string; labels: string; value: number }

/**
 * A strict reader of the text format: every line is HELP, TYPE or a sample; each family is declared
 * once, TYPE before its samples; histogram samples are _bucket (with le), _sum or _count; buckets rise
 * and end at +Inf equal to _count. Returns the samples, or throws saying which line is wrong.
 */
function readExposition(text: string): Sample[] {
  if (!text.endsWith('\n')) throw new Error('must end with a line feed');
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const samples: Sample[] = [];
  text.slice(0, -1).split('\n').forEach((line, i) => {
    const where = `line ${i + 1}: ${line}`;
    const help = HELP.exec(line);
    const type = TYPE.exec(line);
    const sample = SAMPLE.exec(line);
    if (help !== null) {
      if (helps.has(help[1]!)) throw new Error(`second HELP, ${where}`);
      helps.add(help[1]!);
    } else if (type !== null) {
      if (types.has(type[1]!)) throw new Error(`second TYPE, ${where}`);
      types.set(type[1]!, type[2]!);
    } else if (sample !== null) {
      const name = sample[1]!;
      const family = types.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '');
      const kind = types.get(family);
      if (kind === undefined) throw new Error(`sample before its TYPE, ${where}`);
      if (kind === 'histogram' && family === name) throw new Error(`bare histogram sample, ${where}`);
      if (name.endsWith('_bucket') && !/[{,]le="[^"]+"\}$/.test(sample[2] ?? '')) throw new Error(`bucket without le, ${where}`);
      samples.push({ name, labels: sample[2] ?? '', value: Number(sample[3]) });
    } else {
      throw new Error(`not HELP, TYPE or a sample, ${where}`);
    }
  });
  checkHistograms(samples, types);
  return samples;
}

function checkHistograms(samples: readonly Sample[], types: ReadonlyMap<string, string>): void {
  for (const [family, kind] of types) {
    if (kind !== 'histogram') continue;
    const series = new Map<string, Sample[]>();
    for (const s of samples.filter((x) => x.name === `${family}_bucket`)) {
      const key = s.labels.replace(/,?le="[^"]+"\}$/, '}');
      series.set(key, [...(series.get(key) ?? []), s]);
    }
    for (const [key, buckets] of series) {
      for (let i = 1; i < buckets.length; i++) {
        if (buckets[i]!.value < buckets[i - 1]!.value) throw new Error(`${family}${key}: buckets fall`);
      }
      const last = buckets.at(-1)!;
      if (!last.labels.endsWith('le="+Inf"}')) throw new Error(`${family}${key}: no +Inf bucket last`);
      const labels = key === '{}' ? '' : key;
      const count = samples.find((s) => s.name === `${family}_count` && s.labels === labels);
      if (count?.value !== last.value) throw new Error(`${family}${key}: +Inf ${last.value} but _count ${count?.value}`);
      if (!samples.some((s) => s.name === `${family}_sum` && s.labels === labels)) throw new Error(`${family}${key}: no _sum`);
    }
  }
}

const sum = (samples: readonly Sample[], name: string, labelPart = ''): number =>
  samples.filter((s) => s.name === name && s.labels.includes(labelPart)).reduce((n, s) => n + s.value, 0);

test('metrics.prom is valid text exposition with Istio names, and its totals match the record', (t) => {
  const record = fixtureRecord();
  const samples = readExposition(prometheusText(record));
  t.is(sum(samples, 'istio_requests_total'), record.requests.reduce((n, r) => n + r.count, 0));
  t.is(sum(samples, 'istio_requests_total', 'response_flags="NC"'), 24);
  t.is(sum(samples, 'istio_requests_total', 'response_code="0",response_flags="UF,URX"'), 3);
  t.is(sum(samples, 'istio_request_duration_milliseconds_count'), record.latencies.reduce((n, h) => n + h.count, 0));
  t.is(sum(samples, 'pilot_xds_pushes', 'type="eds"'), 180);
  t.is(sum(samples, 'pilot_xds_pushes', 'type="cds"'), 120);
  t.is(sum(samples, 'pilot_total_xds_rejects'), 1);
  t.is(sum(samples, 'pilot_push_triggers', 'type="endpoint"'), 6);
  t.is(sum(samples, 'pilot_proxy_convergence_time_count'), record.convergence.length);
  t.is(sum(samples, 'pilot_debounce_time_count'), record.pushes.length);
  t.is(sum(samples, 'pilot_debounce_time_bucket', 'le="0.1"'), 3, 'the three debounces of exactly 100 ms fall in le="0.1" (110 ms does not)');
  const names = new Set(samples.map((s) => s.name.replace(/_(bucket|sum|count)$/, '')));
  for (const name of ['istio_requests_total', 'istio_request_duration_milliseconds', 'pilot_xds_pushes', 'pilot_proxy_convergence_time',
    'pilot_proxy_queue_time', 'pilot_debounce_time', 'pilot_total_xds_rejects', 'pilot_push_triggers']) t.true(names.has(name), name);
});

test('Istio labels: source reporter, workloads split from NS/WORKLOAD, external and unknown as "unknown"', (t) => {
  const text = prometheusText(fixtureRecord());
  t.regex(text, /^istio_requests_total\{reporter="source",source_workload="frontend",source_workload_namespace="shop",destination_workload="catalog-v1",destination_workload_namespace="shop",destination_service="catalog\.shop\.svc\.cluster\.local",response_code="200",response_flags="-"\} 2090$/m);
  t.regex(text, /^istio_requests_total\{reporter="source",source_workload="unknown",source_workload_namespace="unknown",destination_workload="unknown",destination_workload_namespace="unknown",destination_service="unknown",response_code="404",response_flags="NR"\} 5$/m);
  t.regex(text, /^istio_request_duration_milliseconds_bucket\{[^}]*destination_workload="catalog-v1"[^}]*,le="0\.5"\} 0$/m);
  t.regex(text, /^istio_request_duration_milliseconds_sum\{[^}]*destination_workload="catalog-v1"[^}]*\} 16720$/m);
});

test('label values and HELP text are escaped as the format says', (t) => {
  t.is(escapeLabelValue('a"b\\c\nd'), 'a\\"b\\\\c\\nd');
  t.is(escapeHelp('x\\y\nz "q"'), 'x\\\\y\\nz "q"');
  const record: RunRecord = { ...fixtureRecord() };
  const odd = { ...record.requests[0]!, destinationService: 'we"ird\\host\nname' };
  const text = prometheusText({ ...record, requests: [odd] });
  t.true(text.includes('destination_service="we\\"ird\\\\host\\nname"'));
  t.notThrows(() => readExposition(text));
});

test('the reader this file checks with rejects what it should (it can fail)', (t) => {
  t.throws(() => readExposition('x{a="b"} 1\n'), { message: /before its TYPE/ });
  t.throws(() => readExposition('# TYPE x counter\nx{a="b\\q"} 1\n'), { message: /not HELP/ });
  t.throws(() => readExposition('# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n'), { message: /fall/ });
  t.throws(() => readExposition('# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 3\n'), { message: /_count 3/ });
  t.throws(() => readExposition('# TYPE x counter\nx 1'), { message: /line feed/ });
});

test('families: counters sum equal label sets; histograms bucket µs into second bounds inclusively', (t) => {
  t.deepEqual(counterFamily('c', 'h', [{ labels: [['t', 'b']], value: 1 }, { labels: [['t', 'a']], value: 2 }, { labels: [['t', 'b']], value: 3 }]),
    ['# HELP c h', '# TYPE c counter', 'c{t="a"} 2', 'c{t="b"} 4']);
  const h = secondsHistogram([100_000, 100_001, 2_500_000], [0.1, 1, 3]);
  t.deepEqual(h.cumulative, [1, 2, 3]);
  t.is(h.sum, '2.700001');
  t.deepEqual(histogramFamily('h', 'x', [h]).slice(2), ['h_bucket{le="0.1"} 1', 'h_bucket{le="1"} 2', 'h_bucket{le="3"} 3', 'h_bucket{le="+Inf"} 3', 'h_sum 2.700001', 'h_count 3']);
});

test('an empty run still writes every family, with zero counts', (t) => {
  const samples = readExposition(prometheusText(emptyRecord()));
  t.is(sum(samples, 'pilot_total_xds_rejects'), 0);
  t.is(sum(samples, 'pilot_proxy_convergence_time_count'), 0);
});
