// The supervisor of `meshsim run` (supervise.ts): its stderr filter, its progress pipe, its verdict,
// and, end to end, a run whose heap fills before the memory guard's first sample (V8's fatal error in
// the child) ending with the guard's message and exit code 5.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { BarReplay, childProgressWriter, FatalReportFilter, progressLine, ProgressReader, remoteBar, SUPERVISED_ENV, verdict } from './supervise.ts';
import { EXIT } from './user-error.ts';
import type { ProgressBar } from './progress-bar.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

const V8_REPORT = [
  '',
  '<--- Last few GCs --->',
  '[4242:0x5d1e0c0]     3120 ms: Mark-Compact 250.1 (258.6) -> 249.8 (258.9) MB, 310.2 / 0.0 ms  (average mu = 0.1) allocation failure',
  '',
  '<--- JS stacktrace --->',
  '',
  'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
  '----- Native stack trace -----',
  '',
].join('\n');

test('stderr passes through line by line until V8 starts its fatal report, which is held back', (t) => {
  let shown = '';
  const filter = new FatalReportFilter((text) => { shown += text; });
  filter.write('warning: one\nwarn');
  t.is(shown, 'warning: one\n', 'a partial line waits for its end');
  filter.write('ing: two\n');
  // The report arrives split in the middle of its marker line.
  const at = V8_REPORT.indexOf('Last few');
  filter.write(V8_REPORT.slice(0, at));
  filter.write(V8_REPORT.slice(at));
  filter.end();
  t.is(shown, 'warning: one\nwarning: two\n', 'the blank line before the report is held with it');
  t.regex(filter.held, /JavaScript heap out of memory/);
  t.notRegex(shown, /FATAL|Last few GCs/);
});

test('without a fatal report everything passes, a last line without newline included', (t) => {
  let shown = '';
  const filter = new FatalReportFilter((text) => { shown += text; });
  filter.write('a\n\nb');
  filter.end();
  t.is(shown, 'a\n\nb');
  t.is(filter.held, '');
});

test('the progress pipe keeps what is simulated and the last sample, across split writes', (t) => {
  const reader = new ProgressReader();
  const text = progressLine('what', 'The run of big (big.yaml)') + progressLine('at', 1_000_000, 2 ** 30, 4 * 2 ** 30) + progressLine('at', 2_500_000, 3 * 2 ** 30, 4 * 2 ** 30);
  reader.write(text.slice(0, 40));
  reader.write(text.slice(40));
  t.deepEqual(reader.progress, { what: 'The run of big (big.yaml)', nowUs: 2_500_000, usedBytes: 3 * 2 ** 30, limitBytes: 4 * 2 ** 30 });
  reader.write('at\tnot-a-number\t1\t2\ngarbage\n');
  t.is(reader.progress.nowUs, 2_500_000, 'a malformed line changes nothing');
  t.is(progressLine('what', 'tab\there'), 'what\ttab here\n');
});

test('the verdict: a full heap is exit 5 with the guard\'s message; a signal is 128 + its number; else the child\'s code', (t) => {
  const progress = { what: 'The run of big (big.yaml)', nowUs: 2_500_000, usedBytes: 3 * 2 ** 30, limitBytes: 4 * 2 ** 30 };
  const full = verdict(null, 'SIGABRT', V8_REPORT, progress, ['run', 'big.yaml']);
  t.is(full.code, EXIT.outOfMemory);
  t.regex(full.stderr, /^meshsim: The run of big \(big\.yaml\) outgrew memory at 2\.5 s of virtual time: the heap holds 4096 MB of the 4096 MB/);
  t.regex(full.stderr, /--max-old-space-size=8192/);
  const unnamed = verdict(134, null, V8_REPORT, { what: null, nowUs: 0, usedBytes: 0, limitBytes: 0 }, ['run', '--seed', '7', 'x.yaml']);
  t.is(unnamed.code, EXIT.outOfMemory);
  t.regex(unnamed.stderr, /^meshsim: The run of x\.yaml outgrew memory at 0\.0 s/);
  const killed = verdict(null, 'SIGKILL', '', progress, ['run', 'big.yaml']);
  t.is(killed.code, 137);
  t.regex(killed.stderr, /ended by SIGKILL \(the system may have run out of memory/);
  t.deepEqual(verdict(1, null, '', progress, ['run', 'big.yaml']), { code: 1, stderr: '' });
  t.deepEqual(verdict(4, null, 'FATAL ERROR: something else\n', progress, ['run']), { code: 4, stderr: 'FATAL ERROR: something else\n' });
});

test("the child's bar moves reach the supervisor's bar through the progress pipe", (t) => {
  const moves: string[] = [];
  const drawn = (name: string): ProgressBar => ({
    start: (total) => moves.push(`${name} start ${total}`), update: (s) => moves.push(`update ${s}`), stop: () => moves.push('stop'),
  });
  const bars = new BarReplay(drawn);
  const reader = new ProgressReader((fields) => bars.apply(fields));
  const child = remoteBar('push\tstorm', (line) => reader.write(line));
  child.start(60);
  reader.write(progressLine('at', 1_000_000, 1, 2));
  child.update(1);
  child.update(60);
  child.stop();
  child.start(5);
  bars.finish();
  t.deepEqual(moves, ['push storm start 60', 'update 1', 'update 60', 'stop', 'push storm start 5', 'stop']);
  t.is(reader.progress.nowUs, 1_000_000, 'bar lines and samples share the pipe');
});

test('a child writes progress only when supervised, and only to a pipe', async (t) => {
  t.is(childProgressWriter({}), null);
  // In a process of its own, with fd 3 absent or a pipe, as the supervisor would (or would not) give it.
  const writerIn = (fd3: 'ignore' | 'pipe', supervised: boolean) => new Promise<string>((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e',
      `import { childProgressWriter } from ${JSON.stringify(path.join(repoRoot, 'cli/supervise.ts'))}; process.stdout.write(childProgressWriter() === null ? 'none' : 'writer');`],
    { env: { ...process.env, [SUPERVISED_ENV]: supervised ? '1' : '' }, stdio: ['ignore', 'pipe', 'inherit', fd3] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    child.on('close', () => resolve(out));
  });
  t.is(await writerIn('ignore', true), 'none', 'no pipe at fd 3: nothing is written to whatever it is');
  t.is(await writerIn('pipe', false), 'none', 'not supervised');
  t.is(await writerIn('pipe', true), 'writer');
});

function meshsim(args: readonly string[], nodeFlags: readonly string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...nodeFlags, path.join(repoRoot, 'bin/meshsim.js'), ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

test('a run whose heap fills before the guard samples ends with the guard\'s message and exit 5, not V8\'s report', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'meshsim-oom-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'big.yaml');
  writeFileSync(file, [
    'apiVersion: meshsim.io/v1alpha1',
    'kind: Scenario',
    'metadata: {name: big}',
    'spec:',
    '  duration: 2s',
    '  topology: {namespaces: 10, services: 3000, podsPerService: 2, port: 8080, traffic: {flows: 10, rate: 10}}',
    '',
  ].join('\n'));
  const out = path.join(dir, 'report');
  const run = await meshsim(['run', '-q', '--out', out, file], ['--max-old-space-size=60']);
  t.is(run.code, EXIT.outOfMemory, run.stderr);
  // Named by the scenario once the child has read it, by the file before (loading may fill the heap).
  t.regex(run.stderr, /^meshsim: The run of (big \()?\S*big\.yaml\)? outgrew memory at \d+\.\d s of virtual time: the heap holds \d+ MB of the \d+ MB Node may use\. Nothing was written\./);
  t.notRegex(run.stderr, /FATAL ERROR|Last few GCs|JS stacktrace/);
  t.false(existsSync(out), 'nothing was written');
});

test('a supervised run prints what the unsupervised one does, with the same exit code', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'meshsim-supervised-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const supervised = await meshsim(['run', '-q', '--out', path.join(dir, 'a'), 'scenarios/bookinfo-canary.yaml']);
  const direct = await new Promise<{ code: number; stdout: string }>((resolve) => {
    execFile(process.execPath, [path.join(repoRoot, 'bin/meshsim.js'), 'run', '-q', '--out', path.join(dir, 'a'), 'scenarios/bookinfo-canary.yaml'],
      { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, [SUPERVISED_ENV]: '1' } }, (error, stdout) => resolve({ code: error === null ? 0 : Number(error.code), stdout }));
  });
  t.is(supervised.code, 0, supervised.stderr);
  t.is(direct.code, 0);
  t.is(supervised.stdout, direct.stdout);
});

test('SIGTERM to the supervisor ends the run in the child too, with 128 + 15', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'meshsim-sigterm-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const out = path.join(dir, 'report');
  const parent = spawn(process.execPath, [path.join(repoRoot, 'bin/meshsim.js'), 'run', '-q', '--out', out, 'scenarios/scale/reference-mesh.yaml'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  parent.stderr.setEncoding('utf8').on('data', (text: string) => { stderr += text; });
  // Long enough for the child to be running (the 10 s reference mesh takes far longer than this).
  await new Promise((resolve) => { setTimeout(resolve, 1500); });
  parent.kill('SIGTERM');
  const code = await new Promise<number | null>((resolve) => { parent.on('close', (status) => resolve(status)); });
  t.is(code, 128 + 15, stderr);
  t.regex(stderr, /ended by SIGTERM/);
  t.false(existsSync(out), 'nothing was written');
});
