/**
 * Workloads and their pods, from Deployments, StatefulSets, DaemonSets, bare Pods and WorkloadEntries.
 *
 * Rules: replicas default to 1 (Deployment, StatefulSet); a DaemonSet runs one pod per node; the service
 * account defaults to `default`; sidecar injection as injection.ts decides; a pod is a gateway proxy
 * when it is the proxy itself (`istio-proxy` container run as `router`, or the `gateway` injection
 * template). Pod names follow the controllers' shapes (`name-<hash>-<suffix>`, `name-0`, `name-<suffix>`)
 * with deterministic hashes instead of random ones. Pod IPs come from `status.podIP` for a bare Pod
 * when given, else from the pod CIDR in (namespace, name) order.
 *
 * Not modelled: readiness probes and rollout state (every pod is ready); init containers; node placement.
 */
import { hashString } from '../core/hash.ts';
import { compareBy } from '../core/compare.ts';
import type { AnyResource, Resource } from '../config/resource.ts';
import type { Labels } from '../config/selectors.ts';
import { AddressAllocator } from './addresses.ts';
import { decideInjection } from './injection.ts';
import { podLocality } from './placement.ts';
import { spiffeIdentity } from './model.ts';
import type { ContainerPort, MeshSettings, NamespaceInfo, PodInfo, ProxyKind, WorkloadInfo } from './model.ts';

type PodSpecLike = {
  serviceAccountName?: string;
  serviceAccount?: string;
  hostNetwork?: boolean;
  containers?: { name?: string; args?: string[]; ports?: { name?: string; containerPort: number; protocol?: string }[] }[];
};

type TemplateLike = { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: PodSpecLike };

export function buildWorkloads(resources: readonly AnyResource[], namespaces: ReadonlyMap<string, NamespaceInfo>, settings: MeshSettings): WorkloadInfo[] {
  const out: WorkloadInfo[] = [];
  for (const r of resources) {
    switch (r.kind) {
      case 'Deployment':
      case 'StatefulSet':
      case 'DaemonSet': {
        const template = (r.spec.template ?? {}) as TemplateLike;
        const replicas = r.kind === 'DaemonSet' ? settings.nodeCount : (r.spec as { replicas?: number }).replicas ?? 1;
        out.push(podWorkload(r, template, replicas, namespaces, settings));
        break;
      }
      case 'Pod':
        out.push(podWorkload(r, { metadata: { labels: { ...r.labels }, annotations: { ...r.annotations } }, spec: r.spec as PodSpecLike }, 1, namespaces, settings));
        break;
      case 'WorkloadEntry':
        out.push(workloadEntry(r, settings));
        break;
      default:
        break;
    }
  }
  return out.sort(compareBy<WorkloadInfo>((w) => w.namespace, (w) => w.name, (w) => w.kind));
}

function podWorkload(r: AnyResource, template: TemplateLike, replicas: number, namespaces: ReadonlyMap<string, NamespaceInfo>, settings: MeshSettings): WorkloadInfo {
  const labels: Labels = template.metadata?.labels ?? {};
  const annotations: Labels = template.metadata?.annotations ?? {};
  const spec: PodSpecLike = template.spec ?? {};
  const serviceAccount = spec.serviceAccountName ?? spec.serviceAccount ?? 'default';
  const gateway = isGatewayProxy(spec, annotations, labels);
  const decision = decideInjection({
    namespace: r.namespace,
    namespaceLabels: namespaces.get(r.namespace)?.labels ?? {},
    podLabels: labels,
    podAnnotations: annotations,
    hostNetwork: spec.hostNetwork === true,
    revisions: settings.revisions,
  });
  const proxy: ProxyKind = gateway ? 'gateway' : decision.injected ? 'sidecar' : 'none';
  return {
    kind: r.kind as WorkloadInfo['kind'],
    namespace: r.namespace,
    name: r.name,
    labels,
    annotations,
    serviceAccount,
    identity: spiffeIdentity(settings.trustDomain, r.namespace, serviceAccount),
    replicas,
    proxy,
    injectionReason: gateway ? 'the pod is an Istio gateway proxy' : decision.reason,
    containerPorts: containerPorts(spec),
    source: { kind: r.kind, namespace: r.namespace, name: r.name },
  };
}

/**
 * A gateway proxy, as Istio recognises one: the gateway injection template, the gateways istioctl
 * installs (labels `istio: ingressgateway` / `istio: egressgateway`), or an `istio-proxy` container run
 * as a router.
 */
function isGatewayProxy(spec: PodSpecLike, annotations: Labels, labels: Labels): boolean {
  if (annotations['inject.istio.io/templates'] === 'gateway') return true;
  if (labels['istio'] === 'ingressgateway' || labels['istio'] === 'egressgateway') return true;
  return (spec.containers ?? []).some((c) => c.name === 'istio-proxy' && (c.args ?? []).includes('router'));
}

function containerPorts(spec: PodSpecLike): ContainerPort[] {
  const ports: ContainerPort[] = [];
  for (const container of spec.containers ?? []) {
    for (const p of container.ports ?? []) ports.push({ name: p.name ?? null, port: p.containerPort, protocol: p.protocol ?? 'TCP' });
  }
  return ports;
}

function workloadEntry(r: Resource<'WorkloadEntry'>, settings: MeshSettings): WorkloadInfo {
  const serviceAccount = r.spec.serviceAccount ?? 'default';
  const ports = Object.entries(r.spec.ports ?? {}).map(([name, port]) => ({ name, port: Number(port), protocol: 'TCP' }));
  return {
    kind: 'WorkloadEntry',
    namespace: r.namespace,
    name: r.name,
    labels: (r.spec.labels ?? {}) as Labels,
    annotations: r.annotations,
    serviceAccount,
    identity: spiffeIdentity(settings.trustDomain, r.namespace, serviceAccount),
    replicas: 1,
    // A WorkloadEntry stands for a VM or external host; Istio treats it as mesh-capable (auto mTLS)
    // unless labelled otherwise (`security.istio.io/tlsMode: disabled`).
    proxy: (r.spec.labels as Labels | undefined)?.['security.istio.io/tlsMode'] === 'disabled' ? 'none' : 'sidecar',
    injectionReason: 'a WorkloadEntry is taken to run a proxy unless labelled security.istio.io/tlsMode=disabled',
    containerPorts: ports,
    source: { kind: 'WorkloadEntry', namespace: r.namespace, name: r.name },
  };
}

/** Pods for every workload; WorkloadEntries give one "pod" at their address. */
export function buildPods(workloads: readonly WorkloadInfo[], resources: readonly AnyResource[], settings: MeshSettings): PodInfo[] {
  const allocator = new AddressAllocator(settings.podCidr);
  const fixed = new Map<string, string>();
  for (const r of resources) {
    const ip = r.kind === 'Pod' ? (r.body['status'] as { podIP?: unknown } | undefined)?.podIP : r.kind === 'WorkloadEntry' ? r.spec.address : undefined;
    if (typeof ip === 'string' && ip !== '') {
      fixed.set(`${r.kind}/${r.namespace}/${r.name}`, ip);
      allocator.reserve(ip);
    }
  }
  const pods: PodInfo[] = [];
  for (const w of workloads) {
    for (let index = 0; index < w.replicas; index += 1) {
      const name = podName(w, index);
      const ip = fixed.get(`${w.kind}/${w.namespace}/${w.name}`) ?? allocator.allocate();
      const locality = podLocality(null, w.labels);
      pods.push({ name, namespace: w.namespace, workload: w.name, workloadKind: w.kind, ip, labels: w.labels, serviceAccount: w.serviceAccount, identity: w.identity, proxy: w.proxy, ready: true, ...(locality === undefined ? {} : { locality }) });
    }
  }
  return pods;
}

const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * A pod's name as its controller gives it. `templateGeneration` stands for the pod template: a rollout
 * restart changes the template, so a Deployment's new pods get a new template hash (0: as first created).
 */
export function podName(w: Pick<WorkloadInfo, 'kind' | 'namespace' | 'name'>, index: number, templateGeneration = 0, incarnation = 0): string {
  const template = templateGeneration === 0 ? `${w.namespace}/${w.name}` : `${w.namespace}/${w.name}#${templateGeneration}`;
  // A replacement of a deleted or failed pod gets a new random suffix from its ReplicaSet (incarnation);
  // a StatefulSet pod keeps its ordinal name.
  const slot = incarnation === 0 ? `${template}/${index}` : `${template}/${index}~${incarnation}`;
  switch (w.kind) {
    case 'Pod':
    case 'WorkloadEntry':
      return w.name;
    case 'StatefulSet':
      return `${w.name}-${index}`;
    case 'Deployment':
      return `${w.name}-${safeChars(template, 10)}-${safeChars(slot, 5)}`;
    case 'DaemonSet':
      return `${w.name}-${safeChars(incarnation === 0 ? `${w.namespace}/${w.name}/${index}` : `${w.namespace}/${w.name}/${index}~${incarnation}`, 5)}`;
  }
}

/**
 * Characters from Kubernetes' "safe" alphabet (used for pod-template hashes and random suffixes),
 * derived from a hash of the key instead of randomness.
 */
function safeChars(key: string, count: number): string {
  let out = '';
  let hex = '';
  for (let round = 0; out.length < count; round += 1) {
    if (hex.length < 2) hex = hashString(`${key}#${round}`);
    out += SUFFIX_ALPHABET[parseInt(hex.slice(0, 2), 16) % SUFFIX_ALPHABET.length];
    hex = hex.slice(2);
  }
  return out;
}
