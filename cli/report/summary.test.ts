import test from 'ava';
import { emptyRecord, fixtureRecord } from './fixture.ts';
import { SUMMARY_ROWS_MAX, formatSummary, shellWord, summarizeRun } from './summary.ts';

test('the summary says seed, duration, outcomes, pairs worst first, convergence and each verdict', (t) => {
  const text = formatSummary(fixtureRecord(), 'reports/fixture');
  const lines = text.split('\n');
  t.true(lines.includes('seed        7'));
  t.true(lines.includes('duration    30 s simulated, 123456 events, trace 9f3a1c0de5b7'));
  t.true(lines.includes('requests    4500 total, 4473 succeeded (99.4%), 27 failed'));
  t.true(lines.includes("   503  NC                   24"));
  t.regex(text, /^ {2}shop\/frontend → catalog\.shop +99\.2% {2}\(2976\/3000\)$/m);
  const worst = lines.findIndex((l) => l.includes('→ catalog.shop'));
  const better = lines.findIndex((l) => l.includes('→ reviews.shop'));
  t.true(worst > 0 && worst < better, 'worst pair first');
  t.true(lines.includes('pushes      6 (4 full, 2 incremental), 180 proxy updates, 1 NACKed'));
  t.regex(text, /^convergence sent p50 [\d.]+ ms, p99 [\d.]+ ms; ACK p50 [\d.]+ ms, p99 [\d.]+ ms; 1 never answered$/m);
  t.true(lines.includes('assertions  1 passed, 1 failed'));
  t.true(lines.includes('  PASS  no NC after the DestinationRule: 0 requests flagged NC from 13 s to 30 s (expected == 0).'));
  t.regex(text, /^ {2}FAIL {2}frontend → catalog success .*: success rate of shop\/frontend → catalog was 99\.2%/m);
  t.true(lines.includes("replay      meshsim run 'scenarios/fixture & <canary>.yaml' --seed 7"));
  t.true(lines.includes('report      reports/fixture/report.html (CSV, metrics.prom beside it)'));
  t.notRegex(text, /\u001b\[/, 'no colour codes');
  t.true(text.endsWith('\n'));
});

test('the summary numbers agree with the record', (t) => {
  const record = fixtureRecord();
  const s = summarizeRun(record);
  t.is(s.requests, record.requests.reduce((n, r) => n + r.count, 0));
  t.is(s.outcomes.reduce((n, o) => n + o.requests, 0), s.requests);
  t.is(s.pairs.reduce((n, p) => n + p.requests, 0), s.requests);
  t.is(s.convergenceAckUs.count + s.convergenceAckUs.unanswered, record.convergence.length);
  t.deepEqual(s.outcomes.map((o) => `${o.code} ${o.flags}`), ['200 -', '503 NC', '404 NR', '0 UF,URX']);
});

test('an empty run and a passing run say so, with no replay line', (t) => {
  const empty = formatSummary(emptyRecord());
  t.true(empty.includes('requests    0 total, 0 succeeded (-), 0 failed'));
  t.true(empty.includes('assertions  none'));
  t.false(empty.includes('convergence'));
  t.false(empty.includes('report '));
  const record = fixtureRecord();
  const passing = formatSummary({ ...record, assertions: record.assertions.filter((a) => a.passed) });
  t.false(passing.includes('replay'));
  t.true(passing.includes('assertions  1 passed, 0 failed'));
});

test('long lists are cut with a pointer to the CSV', (t) => {
  const base = fixtureRecord();
  const template = base.requests[0]!;
  const requests = Array.from({ length: SUMMARY_ROWS_MAX + 3 }, (_, i) => ({ ...template, source: `ns/client-${String(i).padStart(2, '0')}`, code: 500 + i }));
  const text = formatSummary({ ...base, requests });
  t.true(text.includes('… 3 more outcomes in requests.csv'));
  t.true(text.includes('… 3 more pairs in requests.csv'));
});

test('the same record gives the same summary', (t) => {
  t.is(formatSummary(fixtureRecord(), 'x'), formatSummary(fixtureRecord(), 'x'));
});

test('shellWord quotes only what a shell would split or expand', (t) => {
  t.is(shellWord('scenarios/a-b_c.yaml'), 'scenarios/a-b_c.yaml');
  t.is(shellWord("it's here.yaml"), "'it'\\''s here.yaml'");
  t.is(shellWord('$HOME/x'), "'$HOME/x'");
});
