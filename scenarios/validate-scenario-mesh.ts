/**
 * The manifests a scenario names, checked as `meshsim validate` checks them: the t=0 mesh as a whole,
 * then each timeline `apply` against the mesh as it stands after the steps before it.
 *
 * Job: run validateManifests (sim/analysis) on the t=0 sources (files, inline manifests, the generated
 * topology); for each step that applies manifests, report the per-resource diagnostics of its sources
 * and the analyzers' findings about them in the mesh accumulated so far; collect what the manifests
 * define (workloads, namespaces, resources) for the reference checks.
 *
 * Invariants: every diagnostic points into a file the user can open (inline manifests point into the
 * scenario file); a diagnostic is reported once even when a file is applied twice; re-applying a
 * resource in a step replaces it (as `kubectl apply` does) and is not reported as a duplicate.
 *
 * Not modelled: deletes, scaling and namespace labels of earlier steps in the analysis of later ones
 * (a step is analysed against t=0 plus every earlier apply); timing (a VirtualService applied before
 * its DestinationRule in the same step is fine here and a race in the run).
 */
import { CODES, MESH_SETTINGS_DEFAULT, loadManifests, validateManifests } from '../sim/index.ts';
import type { Diagnostic, ManifestSource, MeshSettings } from '../sim/index.ts';
import type { MeshInventory } from './check-references.ts';

export interface ScenarioMeshInput {
  readonly scenarioFile: string;
  readonly initial: readonly ManifestSource[];
  /** The sources of each step that applies manifests, in timeline order. */
  readonly applies: readonly (readonly ManifestSource[])[];
  readonly rootNamespace?: string;
  readonly trustDomain?: string;
}

export interface ScenarioMeshResult {
  readonly diagnostics: Diagnostic[];
  readonly inventory: MeshInventory;
}

export function validateScenarioMesh(input: ScenarioMeshInput): ScenarioMeshResult {
  // The options the run's own check (sim/world/mesh.ts loadMesh) uses when the scenario sets no root
  // namespace, so that check is this one's answer.
  const settings: MeshSettings | undefined = input.rootNamespace === undefined && input.trustDomain === undefined ? undefined : {
    ...MESH_SETTINGS_DEFAULT,
    ...(input.rootNamespace === undefined ? {} : { rootNamespace: input.rootNamespace }),
    ...(input.trustDomain === undefined ? {} : { trustDomain: input.trustDomain }),
  };
  const workloads = new Map<string, string>();
  const namespaces = new Set<string>();
  const resources = new Set<string>();
  const diagnostics = new Map<string, Diagnostic>();
  const add = (d: Diagnostic): void => {
    diagnostics.set(JSON.stringify(d), d);
  };
  const absorb = (result: ReturnType<typeof validateManifests>): void => {
    for (const w of result.topology.workloads) if (!workloads.has(`${w.namespace}/${w.name}`)) workloads.set(`${w.namespace}/${w.name}`, w.kind);
    for (const n of result.topology.namespaces) namespaces.add(n.name);
    for (const r of result.allResources) resources.add(r.namespace === '' ? `${r.kind} ${r.name}` : `${r.kind} ${r.namespace}/${r.name}`);
  };
  const initial = validateManifests(input.initial, settings === undefined ? {} : { settings });
  initial.diagnostics.forEach(add);
  absorb(initial);
  const applied: ManifestSource[] = [...input.initial];
  for (const step of input.applies) {
    loadManifests(step).diagnostics.forEach(add);
    applied.push(...step);
    const result = validateManifests(applied, settings === undefined ? {} : { settings });
    const owned = (d: Diagnostic) => step.some((source) => owns(source, d, input.scenarioFile));
    result.diagnostics.filter((d) => d.code !== CODES.duplicateResource && owned(d)).forEach(add);
    absorb(result);
  }
  return { diagnostics: [...diagnostics.values()], inventory: { workloads, namespaces, resources } };
}

/** The diagnostic points into `source`: its file, and for an inline manifest its lines of the scenario file. */
function owns(source: ManifestSource, d: Diagnostic, scenarioFile: string): boolean {
  if (d.file !== source.path) return false;
  if (source.path !== scenarioFile) return true;
  const first = source.text.length - source.text.replace(/^\n+/, '').length + 1;
  const last = first + source.text.slice(first - 1).split('\n').length - 1;
  return d.line >= first && d.line <= last;
}
