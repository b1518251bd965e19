/**
 * Names a scenario uses (workloads, namespaces, resources to delete) checked against the mesh its
 * manifests describe, so a typo is a diagnostic at the field, not a silent run with no traffic.
 *
 * Job: read `NS/WORKLOAD` fields (and `external` where a client may come from outside), remember every
 * name with the field that wrote it, and once the manifests are known, report each name that nothing
 * defines, saying what does exist (the nearest names, the workloads of that namespace).
 *
 * Invariants: best effort and never stricter than a cluster: a name counts as existing if the t=0 mesh,
 * the generated topology, Istio's install (istio-system, the ingress gateway) or any manifest a timeline
 * step applies defines it, whenever that happens; references are reported in the order they were read.
 *
 * Not modelled: whether the name exists at the moment the step runs (a workload deleted earlier, or
 * applied later, still counts); hosts in URLs (the run resolves them as the probe does).
 */
import { CODES } from '../sim/index.ts';
import type { ResourceKey } from '../sim/index.ts';
import { nearest } from './field-reader.ts';
import type { FieldReader } from './field-reader.ts';
import type { FieldPath } from './parse-scenario-text.ts';

/** What a workload is named for: scaling and restarting need a controller that does them. */
export type WorkloadUse = 'client' | 'app' | 'scale' | 'restart' | 'fault' | 'filter';

export type Reference =
  | { readonly type: 'workload'; readonly at: FieldPath; readonly name: string; readonly use: WorkloadUse }
  | { readonly type: 'namespace'; readonly at: FieldPath; readonly name: string }
  | { readonly type: 'resource'; readonly at: FieldPath; readonly key: ResourceKey };

/** What the scenario's manifests define, over the whole run. */
export interface MeshInventory {
  /** `ns/name` → the workload's kind (Deployment, StatefulSet, DaemonSet, Pod, WorkloadEntry). */
  readonly workloads: ReadonlyMap<string, string>;
  readonly namespaces: ReadonlySet<string>;
  /** `Kind ns/name` (`Kind name` for cluster-scoped kinds). */
  readonly resources: ReadonlySet<string>;
}

const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const WORKLOAD_REF = new RegExp(`^${LABEL}/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$`);
const SCALABLE = ['Deployment', 'StatefulSet'];
const RESTARTABLE = ['Deployment', 'StatefulSet', 'DaemonSet'];

/** `NS/WORKLOAD` (or `external` when `external`); a well-formed name is remembered for checking. */
export function readWorkloadRef(reader: FieldReader, refs: Reference[], at: FieldPath, value: unknown,
  use: WorkloadUse, external = false): string | null {
  const name = reader.string(at, value);
  if (name === null) return null;
  if (external && name === 'external') return name;
  if (!WORKLOAD_REF.test(name)) {
    reader.error(CODES.scenarioInvalidValue, at, `"${name}" is not a workload reference of the form NS/WORKLOAD.`,
      `Name the workload by its namespace and name, e.g. default/reviews-v1${external ? ', or write external for a client outside the cluster' : ''}.`);
    return null;
  }
  refs.push({ type: 'workload', at, name, use });
  return name;
}

export function resourceKeyText(key: ResourceKey): string {
  return key.namespace === '' ? `${key.kind} ${key.name}` : `${key.kind} ${key.namespace}/${key.name}`;
}

export function checkReferences(reader: FieldReader, refs: readonly Reference[], mesh: MeshInventory): void {
  for (const ref of refs) {
    if (ref.type === 'workload') checkWorkload(reader, ref.at, ref.name, ref.use, mesh);
    else if (ref.type === 'namespace') checkNamespace(reader, ref.at, ref.name, mesh);
    else checkResource(reader, ref.at, ref.key, mesh);
  }
}

function checkWorkload(reader: FieldReader, at: FieldPath, name: string, use: WorkloadUse, mesh: MeshInventory): void {
  const kind = mesh.workloads.get(name);
  if (kind === undefined) {
    const all = [...mesh.workloads.keys()].sort();
    const near = nearest(name, all, 3);
    const namespace = name.split('/')[0]!;
    const inNamespace = all.filter((w) => w.startsWith(`${namespace}/`)).map((w) => w.slice(namespace.length + 1));
    const exists = inNamespace.length > 0
      ? `workloads in ${namespace}: ${listed(inNamespace)}`
      : `namespace ${namespace} has none; namespaces with workloads: ${listed([...new Set(all.map((w) => w.split('/')[0]!))])}`;
    reader.error(CODES.scenarioReferenceNotFound, at,
      `no workload ${name} in the scenario's manifests${near.length > 0 ? ` (did you mean ${near.join(' or ')}?)` : ''}.`,
      `Name a Deployment, StatefulSet, DaemonSet or Pod of the manifests or topology as NS/NAME (${exists}).`);
    return;
  }
  const allowed = use === 'scale' ? SCALABLE : use === 'restart' ? RESTARTABLE : null;
  if (allowed !== null && !allowed.includes(kind)) {
    reader.error(CODES.scenarioConstraint, at, `${name} is a ${kind}, which cannot be ${use === 'scale' ? 'scaled' : 'restarted'}.`,
      `Name a ${allowed.join(' or ')}; to change a ${kind}, apply a new manifest for it in a timeline step.`);
  }
}

function checkNamespace(reader: FieldReader, at: FieldPath, name: string, mesh: MeshInventory): void {
  if (mesh.namespaces.has(name)) return;
  const near = nearest(name, [...mesh.namespaces], 3);
  reader.error(CODES.scenarioReferenceNotFound, at,
    `no namespace ${name} in the scenario's manifests${near.length > 0 ? ` (did you mean ${near.join(' or ')}?)` : ''}.`,
    `Name a namespace the manifests declare or use (${listed([...mesh.namespaces].sort())}).`);
}

function checkResource(reader: FieldReader, at: FieldPath, key: ResourceKey, mesh: MeshInventory): void {
  const text = resourceKeyText(key);
  if (mesh.resources.has(text)) return;
  const sameKind = [...mesh.resources].filter((r) => r.startsWith(`${key.kind} `)).sort();
  const near = nearest(text, sameKind, 3);
  reader.error(CODES.scenarioReferenceNotFound, at,
    `no ${text} in the scenario's manifests${near.length > 0 ? ` (did you mean ${near.join(' or ')}?)` : ''}, so there is nothing to delete.`,
    sameKind.length > 0
      ? `Name a resource the manifests define by kind, namespace and name (${listed(sameKind.map((r) => r.slice(key.kind.length + 1)))}).`
      : `The manifests define no ${key.kind}; check the kind, or apply the resource before deleting it.`);
}

/** Up to 8 names, then how many more. */
function listed(names: readonly string[]): string {
  if (names.length === 0) return 'none';
  const shown = names.slice(0, 8).join(', ');
  return names.length > 8 ? `${shown} and ${names.length - 8} more` : shown;
}
