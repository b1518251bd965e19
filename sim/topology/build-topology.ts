/**
 * Builds the Topology from the resources in a ConfigStore (or any list): namespaces (declared ones and
 * the ones resources live in), services, workloads, pods and endpoints.
 *
 * Invariants: pure; the result does not depend on the order of `resources`.
 *
 * Not modelled: see model.ts.
 */
import { compareBy } from '../core/compare.ts';
import type { AnyResource } from '../config/resource.ts';
import type { Labels } from '../config/selectors.ts';
import { MESH_SETTINGS_DEFAULT } from './model.ts';
import type { MeshSettings, NamespaceInfo, Topology } from './model.ts';
import { buildEndpoints, buildServices } from './services.ts';
import { buildPods, buildWorkloads } from './workloads.ts';

/**
 * `namespaceLabels` adds labels to namespaces as `kubectl label namespace` would (e.g. to inject
 * `default` as Istio's tasks ask before deploying bookinfo), over what the manifests declare.
 */
export function buildTopology(input: readonly AnyResource[], settings: MeshSettings = MESH_SETTINGS_DEFAULT, namespaceLabels: Readonly<Record<string, Labels>> = {}): Topology {
  const resources = [...input].sort(compareBy<AnyResource>((r) => r.kind, (r) => r.namespace, (r) => r.name));
  const namespaces = buildNamespaces(resources).map((n) => (namespaceLabels[n.name] === undefined ? n : { ...n, labels: { ...n.labels, ...namespaceLabels[n.name] } }));
  const byName = new Map(namespaces.map((n) => [n.name, n]));
  const services = buildServices(resources, settings);
  const workloads = buildWorkloads(resources, byName, settings);
  const pods = buildPods(workloads, resources, settings);
  const endpoints = buildEndpoints(services, workloads, pods, resources);
  return { settings, namespaces, services, workloads, pods, endpoints };
}

function buildNamespaces(resources: readonly AnyResource[]): NamespaceInfo[] {
  const out = new Map<string, NamespaceInfo>();
  for (const r of resources) {
    if (r.kind === 'Namespace') out.set(r.name, { name: r.name, labels: r.labels, declared: true });
  }
  for (const r of resources) {
    if (r.namespace !== '' && !out.has(r.namespace)) out.set(r.namespace, { name: r.namespace, labels: {}, declared: false });
  }
  return [...out.values()].sort(compareBy<NamespaceInfo>((n) => n.name));
}
