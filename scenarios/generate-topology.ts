/**
 * A generated mesh for scale scenarios: `spec.topology` (namespaces, services, pods per service, port)
 * turned into plain Kubernetes manifests, so the rest of meshsim reads it like any other input.
 *
 * Job: read and check `spec.topology`; generate Namespaces labelled `istio-injection: enabled`, and per
 * service a ServiceAccount, a Service (one `http` port) and a Deployment (labels `app` and
 * `version: v1`, its own service account) of `podsPerService` replicas; with `sidecarScoping`, a
 * Sidecar per namespace importing only its own namespace and istio-system (Istio's advice for large
 * meshes); with `traffic`, open-loop flows between the services: flow k from service k to service
 * (k + ⌊services/2⌋ + 1) mod services, so most flows cross namespaces, as Istio's load tests spread them;
 * with `sidecarScoping` to service (k + namespaces) mod services, in the same namespace.
 *
 * Invariants: names are deterministic and sort in creation order: namespaces `ns-00`…, services
 * `svc-0000`… (zero-padded to at least 2 and 4 digits, wider when the count needs it); service i lives
 * in namespace i mod `namespaces`; the same spec gives byte-identical text.
 *
 * Not modelled: call graphs between generated services (describe them with `spec.apps`), several ports
 * or versions per service, StatefulSets, resources other than these five kinds.
 */
import type { ManifestSource, TrafficSpec } from '../sim/index.ts';
import type { FieldReader } from './field-reader.ts';
import type { FieldPath } from './parse-scenario-text.ts';

export interface TopologySpec {
  readonly namespaces: number;
  readonly services: number;
  readonly podsPerService: number;
  /** The container and Service port, named `http`. */
  readonly port: number;
  /** A Sidecar per namespace: egress hosts `./*` and `istio-system/*`. */
  readonly sidecarScoping?: boolean;
  /** Generated open-loop flows: how many, each at `rate` requests per second; null: none. */
  readonly traffic?: { readonly flows: number; readonly rate: number; readonly line: number } | null;
}

export const TOPOLOGY_FIELDS = ['namespaces', 'services', 'podsPerService', 'port', 'sidecarScoping', 'traffic'] as const;
const TRAFFIC_FIELDS = ['flows', 'rate'] as const;
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
  const sidecarScoping = reader.boolean([...at, 'sidecarScoping'], obj['sidecarScoping'], { fallback: false });
  const traffic = obj['traffic'] === undefined ? null : readTopologyTraffic(reader, [...at, 'traffic'], obj['traffic'], services);
  if (namespaces === null || services === null || podsPerService === null || port === null || sidecarScoping === null) return null;
  if (obj['traffic'] !== undefined && traffic === null) return null;
  return { namespaces, services, podsPerService, port, sidecarScoping, traffic };
}

function readTopologyTraffic(reader: FieldReader, at: FieldPath, value: unknown, services: number | null): NonNullable<TopologySpec['traffic']> | null {
  const obj = reader.object(at, value, TRAFFIC_FIELDS, ['flows', 'rate']);
  if (obj === null) return null;
  const flows = reader.integer([...at, 'flows'], obj['flows'], { min: 1, max: services ?? SERVICES_MAX, unit: 'flows', rangeHint: 'Each flow starts at its own service: at most one flow per generated service.' });
  const rate = reader.integer([...at, 'rate'], obj['rate'], { min: 1, max: 1_000_000, unit: 'requests per second' });
  if (flows === null || rate === null) return null;
  return { flows, rate, line: reader.at(at).line };
}

/** The generated flows as traffic entries `flow-<k>`, each over the whole run. */
export function topologyTraffic(spec: TopologySpec, durationUs: number): TrafficSpec[] {
  if (spec.traffic === undefined || spec.traffic === null) return [];
  const { services } = topologyNames(spec);
  const { flows, rate, line } = spec.traffic;
  return Array.from({ length: flows }, (_, k) => {
    const from = services[k]!;
    // A scoped namespace sees only its own services: its flows stay in it.
    const hop = spec.sidecarScoping === true ? spec.namespaces : Math.floor(spec.services / 2) + 1;
    const to = services[(k + hop) % spec.services]!;
    return {
      name: numbered('flow', k, flows, 3), from: `${from.namespace}/${from.name}`, url: `http://${to.name}.${to.namespace}:${spec.port}/`,
      method: 'GET', headers: {}, ratePerSecond: rate, concurrency: null, thinkTimeUs: 0, streams: null, startUs: 0, endUs: durationUs, line,
    };
  });
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
  if (spec.sidecarScoping === true) {
    for (const ns of names.namespaces) {
      documents.push(`apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: default, namespace: ${ns}}\nspec:\n  egress: [{hosts: ["./*", "istio-system/*"]}]\n`);
    }
  }
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
