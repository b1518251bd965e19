/**
 * Services (Kubernetes Services and ServiceEntry hosts) and their endpoints.
 *
 * Rules:
 * - A Kubernetes Service is `name.ns.svc.<suffix>`; `clusterIP: None` makes it headless; ExternalName
 *   keeps its target; cluster IPs not given are allocated from the service CIDR.
 * - Endpoints of a Service with a selector are the ready pods (and WorkloadEntries, as Istio selects
 *   them too) in its namespace whose labels match; a named targetPort is looked up in each pod's
 *   container ports and a pod without that name gives no endpoint (as EndpointSlices do).
 * - A ServiceEntry gives one service per host. Endpoints: its inline `endpoints` (ports mapped by port
 *   name, else the service port; mesh-capable, `proxy: sidecar`, when their tlsMode is istio), or, with
 *   `workloadSelector`, matching pods and WorkloadEntries in its namespace; with `resolution: DNS`/`DNS_ROUND_ROBIN` and no endpoints, the host itself on each port;
 *   `resolution: NONE` has none (traffic goes to the original destination).
 *
 * Not modelled: EndpointSlice topology hints, publishNotReadyAddresses, Service `externalIPs`.
 */
import { addTo } from '../core/group.ts';
import { compareBy } from '../core/compare.ts';
import type { AnyResource, Resource } from '../config/resource.ts';
import { serviceSelects, matchesLabels } from '../config/selectors.ts';
import type { Labels } from '../config/selectors.ts';
import { AddressAllocator } from './addresses.ts';
import { parseProtocol, servicePortProtocol } from '../config/protocol.ts';
import { serviceHostname } from './model.ts';
import { parseTimestampUs } from '../config/timestamp.ts';
import type { EndpointInfo, MeshSettings, PodInfo, ServiceInfo, ServicePort, WorkloadInfo } from './model.ts';

export function buildServices(resources: readonly AnyResource[], settings: MeshSettings): ServiceInfo[] {
  const allocator = new AddressAllocator(settings.serviceCidr, 11);
  for (const r of resources) {
    if (r.kind === 'Service' && typeof r.spec.clusterIP === 'string' && r.spec.clusterIP !== 'None' && r.spec.clusterIP !== '') allocator.reserve(r.spec.clusterIP);
  }
  const out: ServiceInfo[] = [];
  const kube = resources.filter((r): r is Resource<'Service'> => r.kind === 'Service');
  for (const r of [...kube].sort(compareBy<Resource<'Service'>>((s) => s.namespace, (s) => s.name))) out.push(kubeService(r, settings, allocator));
  for (const r of resources) if (r.kind === 'ServiceEntry') out.push(...serviceEntryServices(r));
  return out.sort(compareBy<ServiceInfo>((s) => s.hostname, (s) => s.namespace, (s) => s.kind));
}

function kubeService(r: Resource<'Service'>, settings: MeshSettings, allocator: AddressAllocator): ServiceInfo {
  const spec = r.spec;
  const type = spec.type ?? 'ClusterIP';
  const headless = spec.clusterIP === 'None';
  const kind = type === 'ExternalName' ? 'ExternalName' : headless ? 'Headless' : (type as ServiceInfo['kind']);
  // An empty clusterIP means "allocate one", as an absent one does.
  const address = kind === 'ExternalName' || headless ? null : spec.clusterIP !== undefined && spec.clusterIP !== '' ? spec.clusterIP : allocator.allocate();
  const ports: ServicePort[] = (spec.ports ?? []).map((p) => ({
    name: p.name ?? '',
    port: p.port,
    targetPort: p.targetPort ?? p.port,
    protocol: servicePortProtocol(p.port, p.name ?? '', p.protocol ?? 'TCP', p.appProtocol),
  }));
  const exportTo = r.annotations['networking.istio.io/exportTo'];
  return {
    hostname: serviceHostname(r.name, r.namespace, settings.domainSuffix),
    namespace: r.namespace,
    name: r.name,
    kind,
    address,
    ports,
    selector: spec.selector as Labels | undefined,
    externalName: spec.externalName ?? null,
    resolution: kind === 'ExternalName' ? 'DNS' : headless ? 'NONE' : 'STATIC',
    location: 'MESH_INTERNAL',
    exportTo: exportTo === undefined ? ['*'] : exportTo.split(',').map((s) => s.trim()),
    source: { kind: 'Service', namespace: r.namespace, name: r.name },
    ...createdOf(r),
  };
}

/** The creation time Istio orders services by (model.Service CreationTime), when the manifest writes one. */
function createdOf(r: AnyResource): { createdUs?: number } {
  const us = r.creationTimestamp === null ? null : parseTimestampUs(r.creationTimestamp);
  return us === null ? {} : { createdUs: us };
}

function serviceEntryServices(r: Resource<'ServiceEntry'>): ServiceInfo[] {
  const spec = r.spec;
  const ports: ServicePort[] = (spec.ports ?? []).map((p) => ({
    name: p.name ?? '',
    port: p.number,
    targetPort: p.targetPort ?? p.number,
    protocol: parseProtocol(p.protocol ?? ''),
  }));
  return (spec.hosts ?? []).map((host) => ({
    hostname: host,
    namespace: r.namespace,
    name: r.name,
    kind: 'ServiceEntry' as const,
    // Istio gives every host every address (convertServices); the first is the one traffic is sent to.
    address: spec.addresses?.[0] ?? null,
    ...((spec.addresses ?? []).length > 1 ? { addresses: spec.addresses } : {}),
    ports,
    selector: spec.workloadSelector?.labels as Labels | undefined,
    externalName: null,
    resolution: spec.resolution ?? 'NONE',
    location: spec.location ?? 'MESH_EXTERNAL',
    exportTo: spec.exportTo ?? ['*'],
    source: { kind: 'ServiceEntry', namespace: r.namespace, name: r.name },
    ...createdOf(r),
  }));
}

export function buildEndpoints(services: readonly ServiceInfo[], workloads: readonly WorkloadInfo[], pods: readonly PodInfo[], resources: readonly AnyResource[]): EndpointInfo[] {
  const workloadByKey = new Map(workloads.map((w) => [`${w.namespace}/${w.name}/${w.kind}`, w]));
  const entries = new Map<string, Resource<'ServiceEntry'>>();
  for (const r of resources) if (r.kind === 'ServiceEntry') entries.set(`${r.namespace}/${r.name}`, r);
  const candidates = new ReadyPodIndex(pods);
  const out: EndpointInfo[] = [];
  for (const service of services) {
    if (service.kind === 'ServiceEntry') {
      out.push(...serviceEntryEndpoints(service, entries.get(`${service.namespace}/${service.name}`)!, pods, workloadByKey));
      continue;
    }
    if (service.kind === 'ExternalName') continue;
    for (const pod of candidates.of(service.namespace, service.selector)) {
      if (!serviceSelects(service.selector, pod.labels)) continue;
      const workload = workloadByKey.get(`${pod.namespace}/${pod.workload}/${pod.workloadKind}`)!;
      for (const port of service.ports) {
        // A WorkloadEntry maps the service port's name to its own port, whatever targetPort says
        // (Istio serviceInstanceFromWorkloadInstance / findServiceTargetPort).
        const entryPort = pod.workloadKind === 'WorkloadEntry' ? workload.containerPorts.find((p) => p.name === port.name)?.port : undefined;
        const target = entryPort ?? resolveTargetPort(port.targetPort, workload);
        if (target !== null) out.push(podEndpoint(service, port.port, pod, target));
      }
    }
  }
  return out;
}

/** Ready pods by namespace and by each `key=value` label, in their given order: a selector's candidates without a scan of every pod. */
class ReadyPodIndex {
  private readonly byNamespace = new Map<string, PodInfo[]>();
  private readonly byLabel = new Map<string, PodInfo[]>();

  constructor(pods: readonly PodInfo[]) {
    for (const pod of pods) {
      if (!pod.ready) continue;
      addTo(this.byNamespace, pod.namespace, pod);
      for (const [k, v] of Object.entries(pod.labels)) addTo(this.byLabel, `${pod.namespace}\u0000${k}=${v}`, pod);
    }
  }

  /** Every ready pod of the namespace the selector could select (a superset; the caller still matches). */
  of(namespace: string, selector: Labels | undefined): readonly PodInfo[] {
    const pairs = Object.entries(selector ?? {});
    if (pairs.length === 0) return this.byNamespace.get(namespace) ?? [];
    let best: readonly PodInfo[] | null = null;
    for (const [k, v] of pairs) {
      const list = this.byLabel.get(`${namespace}\u0000${k}=${v}`) ?? [];
      if (best === null || list.length < best.length) best = list;
    }
    return best ?? [];
  }
}

function resolveTargetPort(targetPort: number | string, workload: WorkloadInfo): number | null {
  if (typeof targetPort === 'number') return targetPort;
  if (/^\d+$/.test(targetPort)) return Number(targetPort);
  return workload.containerPorts.find((p) => p.name === targetPort)?.port ?? null;
}

function podEndpoint(service: ServiceInfo, servicePort: number, pod: PodInfo, port: number): EndpointInfo {
  return {
    service: service.hostname,
    serviceNamespace: service.namespace,
    servicePort,
    address: pod.ip,
    port,
    labels: pod.labels,
    workload: pod.workload,
    pod: pod.name,
    namespace: pod.namespace,
    identity: pod.identity,
    proxy: pod.proxy,
    ...(pod.locality === undefined ? {} : { locality: pod.locality }),
  };
}

function serviceEntryEndpoints(service: ServiceInfo, entry: Resource<'ServiceEntry'>, pods: readonly PodInfo[], workloadByKey: ReadonlyMap<string, WorkloadInfo>): EndpointInfo[] {
  const out: EndpointInfo[] = [];
  const inline = entry.spec.endpoints ?? [];
  if (service.selector !== undefined) {
    for (const pod of pods) {
      if (pod.namespace !== service.namespace || !matchesLabels(service.selector, pod.labels)) continue;
      const workload = workloadByKey.get(`${pod.namespace}/${pod.workload}/${pod.workloadKind}`)!;
      for (const port of service.ports) {
        // Istio's order for a selected workload: its port named like the ServiceEntry port, then targetPort,
        // then the port number (convertWorkloadInstanceToServiceInstance).
        const named = workload.containerPorts.find((p) => p.name === port.name)?.port;
        out.push(podEndpoint(service, port.port, pod, named ?? resolveTargetPort(port.targetPort, workload) ?? port.port));
      }
    }
  } else if (inline.length > 0) {
    for (const endpoint of inline) {
      // An inline endpoint takes Istio mTLS when labelled security.istio.io/tlsMode=istio, or when it names a
      // serviceAccount and has no such label (serviceentry conversion.go getTLSModeFromWorkloadEntry).
      const tlsMode = (endpoint.labels as Labels | undefined)?.['security.istio.io/tlsMode'] ?? (endpoint.serviceAccount === undefined || endpoint.serviceAccount === '' ? 'disabled' : 'istio');
      for (const port of service.ports) {
        const mapped = (endpoint.ports as Record<string, number> | undefined)?.[port.name];
        out.push({
          service: service.hostname, serviceNamespace: service.namespace, servicePort: port.port,
          address: endpoint.address ?? service.hostname, port: mapped ?? Number(port.targetPort),
          labels: (endpoint.labels ?? {}) as Labels, workload: '', pod: '', namespace: service.namespace,
          identity: endpoint.serviceAccount ?? null, proxy: tlsMode === 'istio' ? 'sidecar' : 'none',
        });
      }
    }
  } else if (service.resolution === 'DNS' || service.resolution === 'DNS_ROUND_ROBIN') {
    for (const port of service.ports) {
      out.push({
        service: service.hostname, serviceNamespace: service.namespace, servicePort: port.port,
        address: service.hostname, port: Number(port.targetPort), labels: {}, workload: '', pod: '',
        namespace: service.namespace, identity: null, proxy: 'none',
      });
    }
  }
  return out;
}
