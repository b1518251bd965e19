import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { UserError } from '../user-error.ts';
import { emptyRecord, fixtureRecord } from './fixture.ts';
import { renderReportFiles, writeReport, writeReportFiles } from './write-report.ts';
import type { RunRecord } from '../../sim/index.ts';

const FILES = ['requests.csv', 'pushes.csv', 'convergence.csv', 'proxies.csv', 'metrics.prom', 'summary.json', 'report.html'];

function scratch(t: { teardown: (f: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'meshsim-report-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const read = (dir: string): Record<string, string> =>
  Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(path.join(dir, f), 'utf8')]));

test('writeReport writes every file into the folder, creating parents, and leaves nothing beside it', (t) => {
  const root = scratch(t);
  const out = path.join(root, 'reports', 'canary');
  const written = writeReport(fixtureRecord(), out);
  t.is(written.dir, out);
  t.deepEqual(written.files, FILES);
  t.deepEqual(readdirSync(out).sort(), [...FILES].sort());
  t.deepEqual(readdirSync(path.join(root, 'reports')), ['canary'], 'no temporary folder left');
  t.true(statSync(out).isDirectory());
  const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
  t.is(summary.seed, 7);
  t.is(summary.verdicts.length, 2);
});

test('a newer report replaces an older one at the same path, stale files included', (t) => {
  const root = scratch(t);
  const out = path.join(root, 'r');
  writeReport(emptyRecord(), out);
  writeFileSync(path.join(out, 'stale.txt'), 'from an older meshsim');
  writeReport(fixtureRecord(), out);
  t.false(existsSync(path.join(out, 'stale.txt')));
  t.true(readFileSync(path.join(out, 'report.html'), 'utf8').includes('fixture canary'));
  t.deepEqual(readdirSync(root), ['r']);
});

test('a folder that is not a meshsim report is never replaced', (t) => {
  const root = scratch(t);
  const out = path.join(root, 'mine');
  mkdirSync(out);
  writeFileSync(path.join(out, 'notes.txt'), 'keep me');
  const error = t.throws(() => writeReport(fixtureRecord(), out), { instanceOf: UserError });
  t.regex(error.message, /is not a meshsim report/);
  t.is(readFileSync(path.join(out, 'notes.txt'), 'utf8'), 'keep me');
  writeFileSync(path.join(out, 'report.html'), '<html>someone else\'s</html>');
  t.throws(() => writeReport(fixtureRecord(), out), { instanceOf: UserError });
  const file = path.join(root, 'file');
  writeFileSync(file, 'x');
  t.throws(() => writeReport(fixtureRecord(), file), { instanceOf: UserError, message: /not a folder/ });
  t.deepEqual(readdirSync(root).sort(), ['file', 'mine']);
  const empty = path.join(root, 'empty');
  mkdirSync(empty);
  t.notThrows(() => writeReport(fixtureRecord(), empty), 'an empty folder is fine');
});

test('a failure while writing leaves the older report untouched and no half-written folder', (t) => {
  const root = scratch(t);
  const out = path.join(root, 'r');
  writeReport(emptyRecord(), out);
  const before = read(out);
  const files = [...renderReportFiles(fixtureRecord()).slice(0, 3), { name: 'no-such-dir/x.csv', content: 'x' }];
  t.throws(() => writeReportFiles(files, out), { code: 'ENOENT' });
  t.deepEqual(read(out), before);
  t.deepEqual(readdirSync(root), ['r']);
  const fresh = path.join(root, 'fresh');
  t.throws(() => writeReportFiles(files, fresh), { code: 'ENOENT' });
  t.false(existsSync(fresh));
  t.deepEqual(readdirSync(root), ['r']);
});

test('the same record gives byte-identical reports, also from another process', (t) => {
  const root = scratch(t);
  writeReport(fixtureRecord(), path.join(root, 'a'));
  const script = path.join(root, 'write.ts');
  const here = path.dirname(fileURLToPath(import.meta.url));
  writeFileSync(script, `import { writeReport } from ${JSON.stringify(path.join(here, 'write-report.ts'))};\n` +
    `import { fixtureRecord } from ${JSON.stringify(path.join(here, 'fixture.ts'))};\n` +
    `writeReport(fixtureRecord(), process.argv[2]);\n`);
  execFileSync(process.execPath, [script, path.join(root, 'b')], { stdio: 'pipe', env: { ...process.env, TZ: 'Pacific/Chatham', LANG: 'de_DE.UTF-8' } });
  t.deepEqual(read(path.join(root, 'b')), read(path.join(root, 'a')));
  const other = renderReportFiles({ ...fixtureRecord(), seed: 8 });
  t.notDeepEqual(other.map((f) => f.content), renderReportFiles(fixtureRecord()).map((f) => f.content), 'and a different record differs');
});

/** The order RunRecord promises: time first, then the string keys. */
function isSorted<T>(items: readonly T[], key: (item: T) => readonly (string | number)[]): boolean {
  for (let i = 1; i < items.length; i++) {
    const a = key(items[i - 1]!);
    const b = key(items[i]!);
    const j = a.findIndex((v, k) => v !== b[k]);
    if (j < 0) return false;
    if (a[j]! > b[j]!) return false;
  }
  return true;
}

test('the fixture keeps the RunRecord invariants: sorted, integers only, JSON-safe', (t) => {
  const r: RunRecord = fixtureRecord();
  t.true(isSorted(r.requests, (x) => [x.atUs, x.source, x.destination, x.destinationService, x.code, x.flags]));
  t.true(isSorted(r.latencies, (x) => [x.source, x.destination]));
  t.true(isSorted(r.pushes, (x) => [x.startUs, x.index]));
  t.true(isSorted(r.convergence, (x) => [x.push, x.proxy]));
  t.true(isSorted(r.proxies, (x) => [x.proxy]));
  t.true(isSorted(r.marks, (x) => [x.atUs, x.label]));
  t.deepEqual(JSON.parse(JSON.stringify(r)), r);
  const numbers: number[] = [];
  JSON.stringify(r, (key, v) => {
    if (key === 'boundsMs') return undefined;
    if (typeof v === 'number') numbers.push(v);
    return v;
  });
  t.deepEqual(numbers.filter((n) => !Number.isSafeInteger(n)), [], "integers only (Istio's bucket bounds aside)");
  t.false(isSorted([{ a: 2 }, { a: 1 }], (x) => [x.a]), 'the check can fail');
});
