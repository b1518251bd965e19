/**
 * Probe hops as readable data: what a proxy did (from its Outcome; a gateway that let a request through
 * its JWT and authorization filters says so), and what kube-proxy does for a client without a sidecar
 * (a Service address and port → one of its ready endpoints, picked at random, on the endpoint's target
 * port; a pod address goes straight to that pod).
 *
 * Not modelled: kube-proxy session affinity, externalTrafficPolicy, NodePorts.
 */
import type { Rng } from '../core/prng.ts';
import { clientUsesMtls } from '../controlplane/generate-mtls.ts';
import type { ProxyConfig } from '../xds/proxy-config.ts';
import { clusterNamed } from '../xds/proxy-config.ts';
import type { Outcome } from '../proxy/outcome.ts';
import type { LbEndpoint } from '../xds/cluster.ts';
import type { Call } from '../proxy/request.ts';
import { endpointsOfPort, podByIp, serviceByAddress } from '../topology/lookup.ts';
import type { PodInfo, Topology } from '../topology/model.ts';
import type { ProbeDestination, ProbeHop } from './probe-types.ts';
import { socketAddress } from '../proxy/match/cidr.ts';

export function outcomeHop(pod: PodInfo, outcome: Outcome, direction: ProbeHop['direction']): ProbeHop {
  const e = outcome.endpoint;
  return {
    proxy: proxyName(pod),
    direction,
    listener: outcome.listener,
    filterChain: outcome.filterChain,
    virtualHost: outcome.virtualHost,
    route: outcome.route,
    cluster: outcome.cluster,
    endpoint: e === null ? null : endpointText(e),
    flags: outcome.flags.length === 0 ? [] : [...outcome.flags],
    reason: direction === 'gateway' && outcome.kind === 'forwarded' ? `${outcome.reason}${securityNote(outcome)}` : outcome.reason,
  };
}

// An endpoint as a hop shows it (`address:port (pod)`), once per (immutable) endpoint object: every
// forwarded hop of every request names one.
const endpointTexts = new WeakMap<LbEndpoint, string>();

function endpointText(e: LbEndpoint): string {
  let text = endpointTexts.get(e);
  if (text === undefined) {
    text = `${socketAddress(e.address, e.port)}${e.pod === '' ? '' : ` (${e.pod})`}`;
    endpointTexts.set(e, text);
  }
  return text;
}

// A pod's proxy name, once per (immutable) PodInfo: every hop of every request names its proxy.
const proxyNames = new WeakMap<PodInfo, string>();

function proxyName(pod: PodInfo): string {
  let name = proxyNames.get(pod);
  if (name === undefined) {
    name = `${pod.name}.${pod.namespace}`;
    proxyNames.set(pod, name);
  }
  return name;
}

/** What a gateway's security filters let through, in one sentence ('' when it has none). */
function securityNote(outcome: Outcome): string {
  const security = outcome.security;
  if (security === undefined) return '';
  const parts: string[] = [];
  if (security.jwt != null) parts.push(`JWT ${security.jwt.outcome}${security.jwt.principal === null ? '' : ` (${security.jwt.principal})`}`);
  if (security.authz !== null) parts.push(`authorization ${security.authz.decision}${security.authz.policy === null ? '' : ` by ${security.authz.policy}`}`);
  return parts.length === 0 ? '' : ` Before routing, the gateway's filters passed it: ${parts.join('; ')}.`;
}

export interface KubeProxyChoice {
  readonly hop: ProbeHop;
  /** Where the connection goes: a pod and port, 'outside' (no pod has the address), or null (refused). */
  readonly target: { pod: PodInfo | null; port: number } | 'outside' | null;
  readonly destination: ProbeDestination | null;
}

export function kubeProxyHop(topology: Topology, call: Call, rng: Rng, passthrough = false): KubeProxyChoice {
  const base = { proxy: 'kube-proxy', direction: 'kube-proxy' as const, listener: null, filterChain: null, virtualHost: null, route: null, cluster: null, flags: [] };
  const pod = podByIp(topology.pods, call.destinationIp);
  if (pod !== undefined) {
    return { hop: { ...base, endpoint: `${pod.ip}:${call.destinationPort} (${pod.name})`, reason: `The address is pod ${pod.namespace}/${pod.name}: the connection goes straight to it.` },
      target: { pod, port: call.destinationPort }, destination: { service: null, port: null, subset: null, workload: pod.workload, namespace: pod.namespace, pod: pod.name } };
  }
  const service = serviceByAddress(topology.services, call.destinationIp, true);
  if (service === null) {
    return { hop: { ...base, endpoint: `${call.destinationIp}:${call.destinationPort}`, reason: 'No Service or pod has this address: the connection leaves the cluster unchanged.' }, target: 'outside', destination: null };
  }
  const endpoints = endpointsOfPort(topology.endpoints, service.hostname, service.namespace, call.destinationPort);
  if (endpoints.length === 0) {
    return { hop: { ...base, endpoint: null, reason: `Service ${service.namespace}/${service.name} has no ready endpoint on port ${call.destinationPort}: kube-proxy refuses the connection.` }, target: null, destination: null };
  }
  const chosen = endpoints[rng.below(endpoints.length)]!;
  const target = topology.pods.find((p) => p.name === chosen.pod && p.namespace === chosen.namespace) ?? null;
  return {
    hop: { ...base, endpoint: `${socketAddress(chosen.address, chosen.port)}${chosen.pod === '' ? '' : ` (${chosen.pod})`}`, reason: `${passthrough ? 'The sidecar passed the connection through unchanged' : 'No sidecar on the client'}: kube-proxy sends ${service.name}.${service.namespace}:${call.destinationPort} to one of its ${endpoints.length} endpoint(s) at random; VirtualServices do not apply.` },
    target: target === null ? 'outside' : { pod: target, port: chosen.port },
    destination: { service: service.hostname, port: call.destinationPort, subset: null, workload: chosen.workload, namespace: chosen.namespace, pod: chosen.pod },
  };
}

/**
 * What a proxy puts on the wire to an endpoint of its cluster `clusterName`: Istio mTLS when the
 * cluster's TLS (or auto mTLS to an endpoint that takes it) says so; else plain text or TLS.
 */
export function transportTo(config: ProxyConfig | null, clusterName: string, endpoint: LbEndpoint): 'plaintext' | 'tls' | 'mtls' {
  const cluster = config === null ? undefined : clusterNamed(config, clusterName);
  if (cluster?.tls === undefined) return 'plaintext';
  const sidecar = endpoint.tlsMode === 'istio';
  return clientUsesMtls(cluster.tls, { sidecar, serverMode: sidecar ? 'PERMISSIVE' : 'DISABLE' });
}

/**
 * The connection a proxy opens to an endpoint of `clusterName`, from the call it forwards: the transport
 * (transportTo) and the SNI of the TLS it originates (the cluster's: `tls.sni`, or Istio mTLS's
 * `outbound_.<port>_.<subset>_.<host>`, cluster_tls.go); in plain text the call's own SNI (TLS bytes
 * of the app that tcp_proxy carries) goes on unchanged.
 */
export function upstreamConnection(config: ProxyConfig | null, clusterName: string, endpoint: LbEndpoint, call: Call, sourcePrincipal: string, sourceIp: string): Call {
  const transport = transportTo(config, clusterName, endpoint);
  if (transport === 'plaintext') return { ...call, transport, sourcePrincipal, sourceIp };
  const sni = config === null ? undefined : clusterNamed(config, clusterName)?.tls?.sni;
  if (sni !== undefined) return { ...call, transport, sourcePrincipal, sourceIp, sni };
  const { sni: _appSni, ...rest } = call;
  return { ...rest, transport, sourcePrincipal, sourceIp };
}
