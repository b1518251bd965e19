// The security conformance suite: mTLS migration and authorization cases (`*.yaml` beside this file),
// in the routing suite's format (conformance/routing/README.md) with three more expectations: `mtls`,
// `authzDecision` and `authzPolicy`. Cases come from Istio's own tasks and simulation tests.
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { caseFiles, loadRoutingFile } from '../routing/load-cases.ts';
import type { RoutingFile } from '../routing/load-cases.ts';
import { FileMeshes, normalizeExpect, probeOnce, project } from '../routing/run-case.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const files: RoutingFile[] = caseFiles(here).map(loadRoutingFile);

test('the security suite has mTLS and authorization cases', (t) => {
  t.true(files.some((f) => f.area === 'mtls-migration'));
  t.true(files.some((f) => f.area === 'authorization'));
});

for (const file of files) {
  const meshes = new FileMeshes(file);
  test(`${file.area}: the manifests load without errors`, (t) => {
    const errors = meshes.meshFor(undefined).diagnostics.filter((d) => d.severity === 'error');
    t.deepEqual(errors.map((d) => `${d.line}:${d.column} ${d.code} ${d.message}`), []);
  });
  for (const c of file.cases) {
    const run = c.knownBug === undefined ? test : test.failing;
    run(`${file.area}: ${c.name}`, (t) => {
      const outcome = probeOnce(meshes.meshFor(c.mesh), c);
      t.deepEqual(project(outcome, c.expect), normalizeExpect(c.expect), c.rule);
    });
  }
}
