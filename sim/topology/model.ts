/**
 * The world being meshed, as data: namespaces, services with their ports and protocols, workloads and
 * their pods, and endpoints. Built from the ConfigStore by build-topology.ts; read by the control plane
 * (service registry) and by analyzers.
 *
 * Invariants: every list is sorted by a unique key (namespace, name …); pod names and IPs are
 * deterministic; an endpoint always refers to a service in `services`.
 *
 * Not modelled: nodes beyond a count, multi-cluster and networks, EndpointSlice conditions other than ready.
 */
import type { ResourceRef } from '../config/diagnostic.ts';
import type { Labels } from '../config/selectors.ts';
import type { Protocol } from '../config/protocol.ts';

export interface MeshSettings {
  readonly trustDomain: string;
  readonly rootNamespace: string;
  /** The cluster DNS suffix: services are `name.ns.svc.<domainSuffix>`. */
  readonly domainSuffix: string;
  readonly revisions: readonly string[];
  readonly podCidr: string;
  readonly serviceCidr: string;
  /** DaemonSets run one pod per node. */
  readonly nodeCount: number;
}

export const MESH_SETTINGS_DEFAULT: MeshSettings = {
  trustDomain: 'cluster.local',
  rootNamespace: 'istio-system',
  domainSuffix: 'cluster.local',
  revisions: ['default'],
  podCidr: '10.244.0.0/16',
  serviceCidr: '10.96.0.0/12',
  nodeCount: 1,
};

export interface NamespaceInfo {
  readonly name: string;
  readonly labels: Labels;
  /** False when no Namespace resource declares it and resources merely live in it. */
  readonly declared: boolean;
}

export interface ServicePort {
  readonly name: string;
  readonly port: number;
  /** Number, or a container port name resolved per pod. */
  readonly targetPort: number | string;
  readonly protocol: Protocol;
}

export type ServiceKind = 'ClusterIP' | 'Headless' | 'NodePort' | 'LoadBalancer' | 'ExternalName' | 'ServiceEntry';

export interface ServiceInfo {
  /** The host name: `name.ns.svc.cluster.local` for Kubernetes Services, the host as written for ServiceEntries. */
  readonly hostname: string;
  readonly namespace: string;
  readonly name: string;
  readonly kind: ServiceKind;
  /** Cluster IP or ServiceEntry address; null for headless, ExternalName and address-less entries. */
  readonly address: string | null;
  /** Every ServiceEntry address (IPs and CIDRs) when there are several; Istio builds a service per host and address. */
  readonly addresses?: readonly string[];
  readonly ports: readonly ServicePort[];
  /** Kubernetes Service selector, or a ServiceEntry workloadSelector; undefined: endpoints are not selected. */
  readonly selector: Labels | undefined;
  readonly externalName: string | null;
  /** ServiceEntry `resolution` (NONE, STATIC, DNS, DNS_ROUND_ROBIN); `STATIC`-like for Kubernetes. */
  readonly resolution: string;
  readonly location: 'MESH_INTERNAL' | 'MESH_EXTERNAL';
  readonly exportTo: readonly string[];
  readonly source: ResourceRef;
  /** The resource's `creationTimestamp` in µs since the epoch; absent: none written (Istio's zero time, the oldest). */
  readonly createdUs?: number;
}

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Pod' | 'WorkloadEntry';
export type ProxyKind = 'sidecar' | 'gateway' | 'none';

export interface ContainerPort {
  readonly name: string | null;
  readonly port: number;
  readonly protocol: string;
}

export interface WorkloadInfo {
  readonly kind: WorkloadKind;
  readonly namespace: string;
  readonly name: string;
  readonly labels: Labels;
  readonly annotations: Labels;
  readonly serviceAccount: string;
  readonly identity: string;
  readonly replicas: number;
  readonly proxy: ProxyKind;
  /** Why the workload has (or has no) sidecar, in the injector's terms. */
  readonly injectionReason: string;
  readonly containerPorts: readonly ContainerPort[];
  readonly source: ResourceRef;
}

export interface PodInfo {
  readonly name: string;
  readonly namespace: string;
  readonly workload: string;
  readonly workloadKind: WorkloadKind;
  readonly ip: string;
  readonly labels: Labels;
  readonly serviceAccount: string;
  readonly identity: string;
  readonly proxy: ProxyKind;
  readonly ready: boolean;
  /** Where the pod runs, `region/zone/subzone` as Istio writes it (from its node, or its `istio-locality` label); absent: unknown. */
  readonly locality?: string;
  /** The node the pod is scheduled on; absent: none modelled. */
  readonly node?: string;
}

/** A node pods are scheduled on, with its topology labels (topology.kubernetes.io/region, zone; topology.istio.io/subzone). */
export interface NodeInfo {
  readonly name: string;
  readonly region: string;
  readonly zone: string;
  readonly subzone: string;
}

export interface EndpointInfo {
  /** Hostname of the service this endpoint belongs to. */
  readonly service: string;
  readonly serviceNamespace: string;
  readonly servicePort: number;
  /** IP, or a DNS name for DNS-resolved ServiceEntries. */
  readonly address: string;
  readonly port: number;
  readonly labels: Labels;
  /** Pod or WorkloadEntry name; '' for a ServiceEntry's inline endpoint. */
  readonly workload: string;
  readonly pod: string;
  readonly namespace: string;
  readonly identity: string | null;
  /** The pod's proxy; for an inline ServiceEntry endpoint, `sidecar` when its tlsMode is istio (it takes Istio mTLS). */
  readonly proxy: ProxyKind;
  /** The pod's locality, `region/zone/subzone`; absent: unknown. */
  readonly locality?: string;
}

export interface Topology {
  readonly settings: MeshSettings;
  readonly namespaces: readonly NamespaceInfo[];
  readonly services: readonly ServiceInfo[];
  readonly workloads: readonly WorkloadInfo[];
  readonly pods: readonly PodInfo[];
  readonly endpoints: readonly EndpointInfo[];
}

export function spiffeIdentity(trustDomain: string, namespace: string, serviceAccount: string): string {
  return `spiffe://${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}

export function serviceHostname(name: string, namespace: string, domainSuffix: string): string {
  return `${name}.${namespace}.svc.${domainSuffix}`;
}
