// The bad-input corpus: one file per mistake users make in Kubernetes/Istio manifests, each with the exact
// diagnostics `validate` must give for it. One ava test per case file (title = the file name).
//
// Case file format (conformance/bad-input/NN-short-description.yaml): the manifest(s) as a user would write
// them, preceded by a header of comment lines. Every leading line that starts with `#` is a header line and
// must be one of:
//
//   # expect: <severity> <code> <line>:<column> [<Kind> <namespace>/<name>: ]<message>
//   # known-bug: <what is wrong>
//
// - One `# expect:` line per diagnostic, in the order validateManifests returns them (file, line, column,
//   code, message). The resource part is written exactly as the CLI prints it (formatResourceRef, then
//   `: `) and is left out when the diagnostic has no resource (e.g. a YAML syntax error); the message is
//   exactly the produced one. Line and column are 1-based and count the header lines.
// - Infos: a case that lists no `info` diagnostic is compared without the produced infos (most cases live in
//   namespace `default`, which has no istio-injection label, so IST0102 would be noise); a case that lists
//   at least one `info` is compared against every produced diagnostic, infos included.
// - The produced list (after that filter) must equal the expected list exactly, and every case expects at
//   least one diagnostic: an input that produces none is not a bad input.
// - `# known-bug:` marks a case whose expectation is what meshsim should say but does not yet; it runs as
//   `test.failing` and explains the bug. When the bug is fixed ava reports the case as unexpectedly passing:
//   then delete the `# known-bug:` line.
//
// Independent of the expectation, every produced diagnostic (infos too) must have a non-empty hint, the
// case's path as its file, and a line and column > 0.
//
// At the end, the `meshsim validate` command is run end to end on a few cases (exit codes, output shapes).
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCorpusCase } from './corpus-case.ts';
import type { CorpusCase } from './corpus-case.ts';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { formatResourceRef, validateManifests } from '../sim/index.ts';
import type { Diagnostic } from '../sim/index.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const CASE_DIR = 'conformance/bad-input';
const CASE_NAME = /^\d{2}-[a-z0-9-]+\.yaml$/;

type Case = CorpusCase;

function readCase(name: string): Case {
  return readCorpusCase(repoRoot, CASE_DIR, name);
}

/** A diagnostic as an `# expect:` line writes it (without the prefix). */
function formatExpectation(d: Diagnostic): string {
  const resource = d.resource === null ? '' : `${formatResourceRef(d.resource)}: `;
  return `${d.severity} ${d.code} ${d.line}:${d.column} ${resource}${d.message}`;
}

function checkCase(t: ExecutionContext, c: Case): void {
  t.deepEqual(c.headerErrors, [], 'the header has lines the format does not know');
  t.true(c.expected.length > 0, 'a bad-input case must expect at least one diagnostic');
  const { diagnostics } = validateManifests([{ path: c.path, text: c.text }]);
  const withInfos = c.expected.some((e) => e.startsWith('info '));
  const produced = diagnostics.filter((d) => withInfos || d.severity !== 'info').map(formatExpectation);
  t.deepEqual(produced, [...c.expected]);
  for (const d of diagnostics) {
    const where = formatExpectation(d);
    t.not(d.hint.trim(), '', `empty hint: ${where}`);
    t.is(d.file, c.path, `wrong file: ${where}`);
    t.true(d.line > 0, `no line: ${where}`);
    t.true(d.column > 0, `no column: ${where}`);
  }
}

const names = readdirSync(path.join(repoRoot, CASE_DIR)).filter((n) => n.endsWith('.yaml')).sort();

test('the corpus has at least 30 cases, named NN-short-description.yaml with unique numbers', (t) => {
  t.true(names.length >= 30, `only ${names.length} cases`);
  t.deepEqual(names.filter((n) => !CASE_NAME.test(n)), []);
  const numbers = names.map((n) => n.slice(0, 2));
  t.deepEqual(numbers.filter((n, i) => numbers.indexOf(n) !== i), []);
});

for (const name of names) {
  const c = readCase(name);
  if (c.knownBug === null) {
    test(name, (t) => checkCase(t, c));
  } else {
    // Known bug (see the `# known-bug:` line of the case file); expected to fail until it is fixed.
    test.failing(name, (t) => checkCase(t, c));
  }
}

// --- the CLI end to end --------------------------------------------------------------------------------

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function meshsim(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['cli/main.ts', ...args], { cwd: repoRoot, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

const STACK_FRAME = /^ {4}at /m;
const ERROR_CASE = '14-weight-as-string.yaml';
const WARNING_CASE = '28-virtual-service-host-not-found.yaml';

/** `file:line:col: severity CODE` of a case's first expectation, as the CLI prints it. */
function cliPrefix(name: string): string {
  const c = readCase(name);
  const m = /^(\w+) (\w+) (\d+:\d+) /.exec(c.expected[0] ?? '');
  if (m === null) throw new Error(`${name} has no expectation`);
  return `${c.path}:${m[3]}: ${m[1]} ${m[2]} `;
}

test('cli: an error case exits 2 and prints file:line:col: error CODE, without a stack', async (t) => {
  const run = await meshsim('validate', `${CASE_DIR}/${ERROR_CASE}`);
  t.is(run.code, 2, run.stderr);
  t.true(run.stdout.includes(cliPrefix(ERROR_CASE)), run.stdout);
  t.true(run.stdout.includes(`: error MS0101 `), run.stdout);
  t.false(STACK_FRAME.test(run.stderr), run.stderr);
});

test('cli: a warnings-only case exits 0, and 2 with --strict', async (t) => {
  const [plain, strict] = await Promise.all([
    meshsim('validate', `${CASE_DIR}/${WARNING_CASE}`),
    meshsim('validate', '--strict', `${CASE_DIR}/${WARNING_CASE}`),
  ]);
  t.is(plain.code, 0, plain.stderr);
  t.true(plain.stdout.includes(cliPrefix(WARNING_CASE)), plain.stdout);
  t.false(STACK_FRAME.test(plain.stderr), plain.stderr);
  t.is(strict.code, 2, strict.stderr);
  t.false(STACK_FRAME.test(strict.stderr), strict.stderr);
});

test('cli: --json prints the diagnostics and a summary as JSON', async (t) => {
  const run = await meshsim('validate', '--json', `${CASE_DIR}/${ERROR_CASE}`);
  t.is(run.code, 2, run.stderr);
  t.false(STACK_FRAME.test(run.stderr), run.stderr);
  const parsed = JSON.parse(run.stdout) as { diagnostics: Diagnostic[]; summary: Record<string, number> };
  t.true('diagnostics' in parsed && 'summary' in parsed);
  const c = readCase(ERROR_CASE);
  t.deepEqual(parsed.diagnostics, validateManifests([{ path: c.path, text: c.text }]).diagnostics);
  t.is(parsed.summary['errors'], 1);
  t.is(parsed.summary['files'], 1);
});

test('cli: a path that does not exist exits 2 with one line on stderr, without a stack', async (t) => {
  const missing = `${CASE_DIR}/no-such-file.yaml`;
  const run = await meshsim('validate', missing);
  t.is(run.code, 2);
  t.is(run.stdout, '');
  t.true(run.stderr.startsWith(`meshsim: cannot read ${missing}`), run.stderr);
  t.is(run.stderr.trimEnd().split('\n').length, 1, run.stderr);
  t.false(STACK_FRAME.test(run.stderr), run.stderr);
});
