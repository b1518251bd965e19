/**
 * A generated mesh for scale scenarios: `spec.topology` (namespaces, services, pods per service, port)
 * turned into plain Kubernetes manifests, so the rest of meshsim reads it like any other input.
 *
 * Job: read and check `spec.topology`; generate Namespaces labelled `istio-injection: enabled`, and per
 * service a ServiceAccount, a Service (one `http` port) and a Deployment (labels `app` and
 * `version: v1`, its own service account) of `podsPerService` replicas.
 *
 * Invariants: names are deterministic and sort in creation order: namespaces `ns-00`…, services
 * `svc-0000`… (zero-padded to at least 2 and 4 digits, wider when the count needs it); service i lives
 * in namespace i mod `namespaces`; the same spec gives byte-identical text.
 *
 * Not modelled: call graphs between generated services (describe them with `spec.apps`), several ports
 * or versions per service, StatefulSets, resources other than these four kinds.
 */
import type { ManifestSource } from '../sim/index.ts';
import type { FieldReader } from './field-reader.ts';
import type { FieldPath } from './parse-scenario-text.ts';

export interface TopologySpec {
  readonly namespaces: number;
  readonly services: number;
  readonly podsPerService: number;
  /** The container and Service port, named `http`. */
  readonly port: number;
}

export const TOPOLOGY_FIELDS = ['namespaces', 'services', 'podsPerService', 'port'] as const;
export const TOPOLOGY_DEFAULTS = { namespaces: 1, podsPerService: 1, port: 8080 } as const;
const SERVICES_MAX = 100_000;
const NAMESPACES_MAX = 10_000;
const PODS_PER_SERVICE_MAX = 1_000;

export function readTopology(reader: FieldReader, at: FieldPath, value: unknown): TopologySpec | null {
  const obj = reader.object(at, value, TOPOLOGY_FIELDS, ['services']);
  if (obj === null) return null;
  const namespaces = reader.integer([...at, 'namespaces'], obj['namespaces'], { min: 1, max: NAMESPACES_MAX, fallback: TOPOLOGY_DEFAULTS.namespaces });
  const services = reader.integer([...at, 'services'], obj['services'], { min: 1, max: SERVICES_MAX });
  const podsPerService = reader.integer([...at, 'podsPerService'], obj['podsPerService'], { min: 0, max: PODS_PER_SERVICE_MAX, fallback: TOPOLOGY_DEFAULTS.podsPerService });
  const port = reader.integer([...at, 'port'], obj['port'], { min: 1, max: 65_535, fallback: TOPOLOGY_DEFAULTS.port });
  if (namespaces === null || services === null || podsPerService === null || port === null) return null;
  return { namespaces, services, podsPerService, port };
}

/** The generated names: namespaces in order, then each service with its namespace. */
export function topologyNames(spec: TopologySpec): { namespaces: string[]; services: { namespace: string; name: string }[] } {
  const namespaces = Array.from({ length: spec.namespaces }, (_, i) => numbered('ns', i, spec.namespaces, 2));
  const services = Array.from({ length: spec.services }, (_, i) => ({
    namespace: namespaces[i % spec.namespaces]!,
    name: numbered('svc', i, spec.services, 4),
  }));
  return { namespaces, services };
}

function numbered(prefix: string, index: number, count: number, minDigits: number): string {
  return `${prefix}-${String(index).padStart(Math.max(minDigits, String(count - 1).length), '0')}`;
}

/** The manifests, as one multi-document source named `path` (by convention `<scenario file>#topology`). */
export function generateTopology(spec: TopologySpec, path: string): ManifestSource {
  const names = topologyNames(spec);
  const documents: string[] = names.namespaces.map((ns) =>
    `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n  labels: {istio-injection: enabled}\n`);
  for (const { namespace, name } of names.services) {
    const meta = `name: ${name}, namespace: ${namespace}`;
    const labels = `{app: ${name}, version: v1}`;
    documents.push(`apiVersion: v1\nkind: ServiceAccount\nmetadata: {${meta}}\n`);
    documents.push(`apiVersion: v1
kind: Service
metadata: {${meta}, labels: {app: ${name}}}
spec:
  selector: {app: ${name}}
  ports: [{name: http, port: ${spec.port}, targetPort: ${spec.port}}]
`);
    documents.push(`apiVersion: apps/v1
kind: Deployment
metadata: {${meta}, labels: ${labels}}
spec:
  replicas: ${spec.podsPerService}
  selector: {matchLabels: ${labels}}
  template:
    metadata: {labels: ${labels}}
    spec:
      serviceAccountName: ${name}
      containers: [{name: app, image: meshsim/app:v1, ports: [{containerPort: ${spec.port}}]}]
`);
  }
  return { path, text: documents.join('---\n') };
}
