// The routing conformance suite: every case of every `*.yaml` beside this file, run against the
// simulator, plus properties that hold for any mesh (fast-check). A case marked `knownBug` is a place
// where the simulator differs from Istio/Envoy; it runs as test.failing, so the suite passes while the
// bug exists and flags the case the day it is fixed (then drop the knownBug).
import { fileURLToPath } from 'node:url';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { caseFiles, loadRoutingFile } from './load-cases.ts';
import type { RoutingCase, RoutingFile } from './load-cases.ts';
import { FileMeshes, isProbeError, normalizeExpect, observeSplit, probeOnce, project } from './run-case.ts';
import type { ProbeOutcome } from './run-case.ts';
import { registerProperties } from './properties.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const files: RoutingFile[] = caseFiles(here).map(loadRoutingFile);

test('the suite has cases in every area', (t) => {
  const total = files.reduce((n, f) => n + f.cases.length, 0);
  t.true(files.length >= 9, `${files.length} files`);
  t.true(total >= 80, `${total} cases`);
});

for (const file of files) {
  const meshes = new FileMeshes(file);

  test(`${file.area}: the manifests load without unexpected errors`, (t) => {
    const errors = loadErrorsOf(meshes).map((d) => `${d.line}:${d.column} ${d.code} ${d.message}`);
    const unexpected = errors.filter((e) => !file.loadErrors.some((known) => e.includes(known.contains)));
    t.deepEqual(unexpected, []);
    for (const known of file.loadErrors.filter((k) => k.why !== undefined)) {
      t.true(errors.some((e) => e.includes(known.contains)), `expected the error "${known.contains}": ${known.why}`);
    }
  });

  for (const known of file.loadErrors.filter((k) => k.knownBug !== undefined)) {
    test.failing(`${file.area}: Istio accepts what the manifests hold (${known.contains})`, (t) => {
      const errors = loadErrorsOf(meshes).map((d) => `${d.code} ${d.message}`);
      t.deepEqual(errors.filter((e) => e.includes(known.contains)), []);
    });
  }

  for (const c of file.cases) {
    const run = c.knownBug === undefined ? test : test.failing;
    run(`${file.area}: ${c.name}`, (t) => {
      checkCase(t, meshes, c);
    });
  }
}

function loadErrorsOf(meshes: FileMeshes) {
  return meshes.meshFor(undefined).diagnostics.filter((d) => d.severity === 'error');
}

function checkCase(t: ExecutionContext, meshes: FileMeshes, c: RoutingCase): void {
  const mesh = meshes.meshFor(c.mesh);
  const expected = normalizeExpect(c.expect);
  if (Object.keys(expected).length > 0) {
    const outcome = probeOnce(mesh, c);
    t.deepEqual(project(outcome, c.expect), expected, `${c.rule}\n${describe(outcome)}`);
  }
  if (c.expect.split !== undefined) {
    const split = observeSplit(mesh, c);
    t.deepEqual(split.off, [], `${c.rule}\nshares over ${c.count} probes: ${JSON.stringify(split.shares)}`);
  }
}

/** The probe's answer and its path, for the failure message. */
function describe(outcome: ProbeOutcome): string {
  if (isProbeError(outcome)) return `ProbeError: ${outcome.error} (${outcome.hint})`;
  const hops = outcome.trace.map((h) => `  ${h.direction} ${h.proxy}: ${h.reason}`);
  return [`status ${outcome.status}, flags [${outcome.flags.join(',')}], destination ${JSON.stringify(outcome.destination)}`, ...hops].join('\n');
}

registerProperties(files);
