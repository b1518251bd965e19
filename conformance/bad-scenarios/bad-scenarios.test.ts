// The bad-scenario corpus: one file per mistake users make in scenario files, each with the exact
// diagnostics loadScenario must give for it. One ava test per case file (title = the file name).
//
// Case file format (conformance/bad-scenarios/NN-short-description.yaml), as conformance/bad-input/: the
// scenario as a user would write it, preceded by a header of comment lines, each one of:
//
//   # expect: <severity> <code> <line>:<column> <message>
//   # known-bug: <what is wrong>
//
// - A scenario diagnostic's message starts with the field it is about (`spec.timeline[0].at: …`), so an
//   expectation reads `error MS0405 12:7 spec.timeline[0].at: 1m30s is not before …`; manifest diagnostics
//   (inline manifests, timeline applies) are written as conformance/bad-input writes them, without the
//   resource part. Line and column are 1-based and count the header lines.
// - The produced list (infos left out unless the case lists one) must equal the expected list exactly, in
//   loadScenario's order (file, line, column, code, message); every case expects at least one diagnostic;
//   the scenario loads exactly when no error is expected.
// - `# known-bug:` runs the case as `test.failing`; delete the line when the bug is fixed.
//
// Independent of the expectation, every diagnostic must have a non-empty hint, a line and column > 0, a
// file inside this folder, and (for the scenario's own MS04xx codes) a message that starts with its field.
//
// The cases share a small mesh, mesh/bookinfo.yaml, which must load without a warning.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCorpusCase } from '../corpus-case.ts';
import type { CorpusCase } from '../corpus-case.ts';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import type { Diagnostic } from '../../sim/index.ts';
import { loadScenario, loadScenarioText } from '../../scenarios/load-scenario.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const CASE_DIR = 'conformance/bad-scenarios';
const CASE_NAME = /^\d{2}-[a-z0-9-]+\.yaml$/;

type Case = CorpusCase;

function readCase(name: string): Case {
  return readCorpusCase(repoRoot, CASE_DIR, name);
}

/** A diagnostic as an `# expect:` line writes it (without the prefix). */
function formatExpectation(d: Diagnostic): string {
  return `${d.severity} ${d.code} ${d.line}:${d.column} ${d.message}`;
}

function checkCase(t: ExecutionContext, c: Case): void {
  t.deepEqual(c.headerErrors, [], 'the header has lines the format does not know');
  t.true(c.expected.length > 0, 'a bad-scenario case must expect at least one diagnostic');
  const { scenario, diagnostics } = loadScenario(c.path);
  const withInfos = c.expected.some((e) => e.startsWith('info '));
  const produced = diagnostics.filter((d) => withInfos || d.severity !== 'info').map(formatExpectation);
  t.deepEqual(produced, [...c.expected]);
  const errorExpected = c.expected.some((e) => e.startsWith('error '));
  t.is(scenario === null, errorExpected, errorExpected ? 'a scenario with errors must not load' : 'a scenario with only warnings must load');
  for (const d of diagnostics) {
    const where = formatExpectation(d);
    t.not(d.hint.trim(), '', `empty hint: ${where}`);
    t.true(d.line > 0 && d.column > 0, `no line or column: ${where}`);
    t.true(d.file.startsWith(`${CASE_DIR}/`), `a file outside the corpus: ${d.file}`);
    if (d.code.startsWith('MS04') && d.field !== '') t.true(d.message.startsWith(`${d.field}: `), `the message does not start with its field: ${where}`);
  }
}

const names = readdirSync(path.join(repoRoot, CASE_DIR)).filter((n) => n.endsWith('.yaml')).sort();

test('the corpus has at least 15 cases, named NN-short-description.yaml with unique numbers', (t) => {
  t.true(names.length >= 15, `only ${names.length} cases`);
  t.deepEqual(names.filter((n) => !CASE_NAME.test(n)), []);
  const numbers = names.map((n) => n.slice(0, 2));
  t.deepEqual(numbers.filter((n, i) => numbers.indexOf(n) !== i), []);
});

test('the shared mesh loads without an error or a warning, so every finding comes from its case', (t) => {
  const text = 'apiVersion: meshsim.io/v1alpha1\nkind: Scenario\nmetadata: {name: ok}\nspec:\n  duration: 60s\n  manifests: [{path: mesh}]\n';
  const { scenario, diagnostics } = loadScenarioText(`${CASE_DIR}/ok.yaml`, text);
  t.deepEqual(diagnostics.filter((d) => d.severity !== 'info').map(formatExpectation), []);
  t.not(scenario, null);
});

for (const name of names) {
  const c = readCase(name);
  if (c.knownBug === null) test(name, (t) => checkCase(t, c));
  else test.failing(name, (t) => checkCase(t, c));
}
