// The meshes the micro benchmarks share: generated ones of 100 and 1,000 services (as a scale
// scenario's `spec.topology` generates them) and the bookinfo example, each built once per process.
//
// Job: build a Mesh with sim's `buildMesh` from generated manifests (scenarios/generate-topology.ts)
// or from the files of scenarios/meshes/bookinfo, and hand out the same instance to every suite that
// asks, so the 1,000-service mesh (seconds to build) is built once per run.
//
// Invariants: generated meshes have `services / 100` namespaces (at least one), two pods per
// service (1,000 services → 2,000 sidecars: Istio's reference mesh) and port 8080; a mesh with an
// error diagnostic is refused (a benchmark of a half-built mesh would measure the wrong thing).
//
// Not modelled: meshes with VirtualServices, DestinationRules or Sidecars (the generated ones have
// none); building is never timed here (config-generation.ts times the parts that matter).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildMesh } from '../../sim/index.ts';
import type { ManifestSource, Mesh, PodInfo } from '../../sim/index.ts';
import { generateTopology } from '../../scenarios/generate-topology.ts';

export const PODS_PER_SERVICE = 2;
export const SERVICE_PORT = 8080;
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const built = new Map<string, Mesh>();

function checked(mesh: Mesh, what: string): Mesh {
  const errors = mesh.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`${what}: ${errors.length} error diagnostic(s), first: ${errors[0]!.message}`);
  return mesh;
}

/** The generated mesh of `services` services, built on first use. */
export function generatedMesh(services: number): Mesh {
  const key = `generated/${services}`;
  let mesh = built.get(key);
  if (mesh === undefined) {
    const namespaces = Math.max(1, Math.floor(services / 100));
    const source = generateTopology({ namespaces, services, podsPerService: PODS_PER_SERVICE, port: SERVICE_PORT }, 'bench#topology');
    mesh = checked(buildMesh([source]), key);
    built.set(key, mesh);
  }
  return mesh;
}

/** scenarios/meshes/bookinfo: every .yaml in the folder, in name order. */
export function bookinfoMesh(): Mesh {
  const key = 'bookinfo';
  let mesh = built.get(key);
  if (mesh === undefined) {
    const folder = path.join(repoRoot, 'scenarios/meshes/bookinfo');
    const sources: ManifestSource[] = readdirSync(folder).filter((f) => f.endsWith('.yaml')).sort()
      .map((f) => ({ path: `scenarios/meshes/bookinfo/${f}`, text: readFileSync(path.join(folder, f), 'utf8') }));
    mesh = checked(buildMesh(sources), key);
    built.set(key, mesh);
  }
  return mesh;
}

/** The first pod with a sidecar of a workload (or of the mesh, without one). */
export function sidecarPod(mesh: Mesh, namespace?: string, workload?: string): PodInfo {
  const pod = mesh.topology.pods.find((p) => p.proxy === 'sidecar' &&
    (namespace === undefined || p.namespace === namespace) && (workload === undefined || p.workload === workload));
  if (pod === undefined) throw new Error(`no sidecar pod${workload === undefined ? '' : ` of ${namespace}/${workload}`}`);
  return pod;
}

/** Drops the meshes (after the suites that use them ran). */
export function releaseMeshes(): void {
  built.clear();
}
