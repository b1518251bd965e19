// The security conformance suite (`*.yaml` beside this file): mTLS migration, authorization, JWT and
// authorization at gateways, ext_authz providers (CUSTOM), trust-domain aliases. The routing suite's
// format (conformance/routing/README.md) with the security expectations (`mtls`, `authz*`, `jwt*`) and
// inputs (`jwt`, `jwtClaims`, `extAuthz`). Cases come from Istio's own tasks and tests; the tasks walked
// by hand with Istio's samples are in WALKTHROUGH.md.
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { caseFiles, loadRoutingFile } from '../routing/load-cases.ts';
import type { RoutingFile } from '../routing/load-cases.ts';
import { FileMeshes, normalizeExpect, probeOnce, project } from '../routing/run-case.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const files: RoutingFile[] = caseFiles(here).map(loadRoutingFile);

test('the security suite has its areas', (t) => {
  const areas = files.map((f) => f.area).sort();
  for (const area of ['authorization', 'authorization-policies', 'authorization-sources', 'ext-authz', 'gateway-authorization', 'gateway-jwt', 'inbound-security', 'mtls-migration', 'peer-authentication', 'trust-domain']) {
    t.true(areas.includes(area), area);
  }
});

for (const file of files) {
  const meshes = new FileMeshes(file);
  test(`${file.area}: the manifests load without unexpected errors`, (t) => {
    const errors = meshes.meshFor(undefined).diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line}:${d.column} ${d.code} ${d.message}`);
    t.deepEqual(errors.filter((e) => !file.loadErrors.some((known) => e.includes(known.contains))), []);
    // loadErrors with `why`: Istio refuses these too, so meshsim must.
    for (const known of file.loadErrors.filter((k) => k.why !== undefined)) {
      t.true(errors.some((e) => e.includes(known.contains)), `expected the error "${known.contains}": ${known.why}`);
    }
  });
  for (const c of file.cases) {
    const run = c.knownBug === undefined ? test : test.failing;
    run(`${file.area}: ${c.name}`, (t) => {
      const outcome = probeOnce(meshes.meshFor(c.mesh), c);
      t.deepEqual(project(outcome, c.expect), normalizeExpect(c.expect), c.rule);
    });
  }
}
