/**
 * Lookups into a Topology by key: a service by host name or address, a pod by IP, a service's
 * endpoints. They answer exactly what a scan of the lists in order answers (the first match), in
 * constant time, so a request in a run costs the same in a mesh of 10 services as in one of 10,000.
 *
 * Invariants: a Topology and its lists are immutable values, so each index is built once per list (on
 * first use) and kept in a WeakMap keyed by the list itself: derived data that dies with the list,
 * never state a world can observe. A topology rebuilt for a pod change keeps its `services` list, so
 * the service indexes survive pod churn. The owner of a changing topology (the run's cluster state) may
 * lend its own up-to-date index for the pod and endpoint lists it hands out (`lendPodIndex`,
 * `lendEndpointIndex`), and takes it back (`recallPodIndex`, `recallEndpointIndex`) before its state
 * moves on; a list whose index was recalled builds its own on its next lookup, so an answer always
 * matches a scan of the list asked.
 *
 * Not modelled: nothing; this is an access path, not a model.
 */
import { groupBy } from '../core/group.ts';
import type { EndpointInfo, PodInfo, ServiceInfo } from './model.ts';

interface ServiceIndex {
  readonly byHostname: ReadonlyMap<string, ServiceInfo>;
  /** Services that are not ServiceEntries, by cluster IP (kube-proxy's view). */
  readonly kubeByAddress: ReadonlyMap<string, ServiceInfo>;
  /** Any service by address, ServiceEntries included. */
  readonly byAddress: ReadonlyMap<string, ServiceInfo>;
  /** ServiceEntries with a wildcard host (`*.example.com`), in list order. */
  readonly wildcardEntries: readonly ServiceInfo[];
}

const serviceIndexes = new WeakMap<readonly ServiceInfo[], ServiceIndex>();
/** What a lookup needs of an index: an answer by key. */
interface Index<T> {
  get(key: string): T | undefined;
}

const podIndexes = new WeakMap<readonly PodInfo[], Index<PodInfo>>();
const endpointIndexes = new WeakMap<readonly EndpointInfo[], { ofPort(hostname: string, namespace: string, port: number): readonly EndpointInfo[] }>();

/** The key of a service port's endpoints. */
export function endpointPortKey(hostname: string, namespace: string, port: number): string {
  return `${hostname}\n${namespace}\n${port}`;
}

/** Endpoints grouped by `endpointPortKey`, each group in list order. */
export function endpointsByPortKey(endpoints: readonly EndpointInfo[]): Map<string, EndpointInfo[]> {
  return groupBy(endpoints, (e) => endpointPortKey(e.service, e.serviceNamespace, e.servicePort));
}

/**
 * The owner of `pods` answers their lookups from its own index (which must answer as a scan of the
 * list would) until it calls `recallPodIndex`.
 */
export function lendPodIndex(pods: readonly PodInfo[], byIp: (ip: string) => PodInfo | undefined): void {
  podIndexes.set(pods, { get: byIp });
}

/** The same for an endpoint list, until `recallEndpointIndex`. */
export function lendEndpointIndex(endpoints: readonly EndpointInfo[], ofPort: (hostname: string, namespace: string, port: number) => readonly EndpointInfo[]): void {
  endpointIndexes.set(endpoints, { ofPort });
}

/** The lent index of this list is withdrawn: lookups build their own from the list. */
export function recallPodIndex(pods: readonly PodInfo[]): void {
  podIndexes.delete(pods);
}

/** The same for an endpoint list. */
export function recallEndpointIndex(endpoints: readonly EndpointInfo[]): void {
  endpointIndexes.delete(endpoints);
}

function serviceIndex(services: readonly ServiceInfo[]): ServiceIndex {
  let index = serviceIndexes.get(services);
  if (index !== undefined) return index;
  const byHostname = new Map<string, ServiceInfo>();
  const kubeByAddress = new Map<string, ServiceInfo>();
  const byAddress = new Map<string, ServiceInfo>();
  const wildcardEntries: ServiceInfo[] = [];
  for (const service of services) {
    if (!byHostname.has(service.hostname)) byHostname.set(service.hostname, service);
    if (service.address !== null) {
      if (!byAddress.has(service.address)) byAddress.set(service.address, service);
      if (service.kind !== 'ServiceEntry' && !kubeByAddress.has(service.address)) kubeByAddress.set(service.address, service);
    }
    if (service.kind === 'ServiceEntry' && service.hostname.startsWith('*')) wildcardEntries.push(service);
  }
  index = { byHostname, kubeByAddress, byAddress, wildcardEntries };
  serviceIndexes.set(services, index);
  return index;
}

/** The first service with this exact host name, else the first wildcard ServiceEntry whose host covers it. */
export function serviceByHost(services: readonly ServiceInfo[], host: string): ServiceInfo | null {
  const index = serviceIndex(services);
  const exact = index.byHostname.get(host);
  if (exact !== undefined) return exact;
  return index.wildcardEntries.find((s) => host.endsWith(s.hostname.slice(1))) ?? null;
}

/** The first service whose address is `address`; `kubernetesOnly` skips ServiceEntries. */
export function serviceByAddress(services: readonly ServiceInfo[], address: string, kubernetesOnly: boolean): ServiceInfo | null {
  const index = serviceIndex(services);
  return (kubernetesOnly ? index.kubeByAddress : index.byAddress).get(address) ?? null;
}

/** The first pod with this IP. */
export function podByIp(pods: readonly PodInfo[], ip: string): PodInfo | undefined {
  let index = podIndexes.get(pods);
  if (index === undefined) {
    const built = new Map<string, PodInfo>();
    for (const pod of pods) if (!built.has(pod.ip)) built.set(pod.ip, pod);
    podIndexes.set(pods, built);
    index = built;
  }
  return index.get(ip);
}

/** The endpoints of one service port (by hostname, namespace and port), in list order. */
export function endpointsOfPort(endpoints: readonly EndpointInfo[], hostname: string, namespace: string, port: number): readonly EndpointInfo[] {
  let index = endpointIndexes.get(endpoints);
  if (index === undefined) {
    const built = endpointsByPortKey(endpoints);
    index = { ofPort: (h, ns, port) => built.get(endpointPortKey(h, ns, port)) ?? [] };
    endpointIndexes.set(endpoints, index);
  }
  return index.ofPort(hostname, namespace, port);
}
