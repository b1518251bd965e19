// A whole probe: one request walked through the compiled config of every proxy on its path
// (ProbeSession, what `meshsim probe` runs), on the bookinfo example and on the 1,000-service
// generated mesh.
//
// Job: build the mesh and a ProbeSession as cli/commands/probe.ts does (seeded Rng, no JWT
// verifier, a fixed clock), probe once untimed (which generates and caches the configs of the
// proxies on the path), then time probes in that steady state.
//
// Invariants: the untimed probe must answer 200 from the expected workload, or the run fails; the
// clock is a fixed number (the probe compares numbers only), so runs are repeatable.
//
// Not modelled: the first probe's cost (config generation, timed in config-generation.ts), --count
// aggregation and output formatting.
import { ProbeSession, Rng } from '../../sim/index.ts';
import type { Mesh, ProbeRequest } from '../../sim/index.ts';
import { bookinfoMesh, generatedMesh } from './generated-mesh.ts';
import type { MicroGroup, MicroSuite, MicroTask } from './micro-suite.ts';

const FIXED_NOW_SECONDS = 1_700_000_000;

interface ProbeCase {
  readonly name: string;
  /** Probes per timed call: a few ms, so one scavenge is a small part of a sample. */
  readonly perCall: number;
  readonly mesh: () => Mesh;
  readonly request: ProbeRequest;
  readonly workload: string;
}

const CASES: readonly ProbeCase[] = [
  {
    name: 'bookinfo', perCall: 200, mesh: bookinfoMesh, workload: 'reviews',
    request: { from: 'default/productpage-v1', url: 'http://reviews:9080/reviews/1', headers: {} },
  },
  {
    name: '1000-svc', perCall: 80, mesh: () => generatedMesh(1000), workload: 'svc-0999',
    request: { from: 'ns-00/svc-0000', url: 'http://svc-0999.ns-09:8080/items?page=2', headers: {} },
  },
];

function probeGroup(c: ProbeCase): MicroGroup {
  return {
    name: `probe/${c.name}`,
    taskNames: ['steady'],
    prepare(): MicroTask[] {
      const session = new ProbeSession(c.mesh(), Rng.fromSeed(1), { nowSeconds: FIXED_NOW_SECONDS });
      const first = session.probe(c.request);
      if ('error' in first) throw new Error(`probe/${c.name}: ${first.error}`);
      if (first.status !== 200 || first.destination?.workload.startsWith(c.workload) !== true) {
        throw new Error(`probe/${c.name}: status ${first.status}, destination ${first.destination?.workload ?? 'none'}; expected 200 from ${c.workload}`);
      }
      return [{
        name: 'steady', ops: c.perCall, report: { kind: 'time', unit: 'µs/op' },
        note: `ProbeSession.probe ${c.request.from} → ${c.request.url}, configs cached`,
        run: () => {
          let ok = 0;
          for (let i = 0; i < c.perCall; i += 1) {
            const result = session.probe(c.request);
            if (!('error' in result) && result.status === 200) ok += 1;
          }
          return ok;
        },
      }];
    },
  };
}

export const probeSuite: MicroSuite = {
  name: 'probe',
  groups: () => CASES.map(probeGroup),
};
