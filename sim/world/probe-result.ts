/**
 * What a probe's result says besides its hops: every hop's flags once, the destination a forwarded
 * request reached (service, port and subset from the cluster name; the pod), and a gateway's JWT and
 * authorization verdicts where the destination gave none.
 *
 * Invariants: pure; a destination is one shared value per (pod, cluster name), never edited.
 *
 * Not modelled: a destination's subset or port beyond what the cluster name says (a passthrough or
 * inbound cluster names none).
 */
import type { InboundSecurity, Outcome } from '../proxy/outcome.ts';
import type { PodInfo } from '../topology/model.ts';
import type { ProbeDestination, ProbeHop, ProbeResult } from './probe-types.ts';

/** Every hop's flags, each once, in order; no list built when no hop raised one (the common case). */
export function flagsOf(trace: readonly ProbeHop[]): string[] {
  let any = false;
  for (const hop of trace) if (hop.flags.length > 0) any = true;
  return any ? [...new Set(trace.flatMap((h) => h.flags))] : [];
}

/**
 * The gateway's JWT and authorization verdicts where the destination has none; a request that ended at
 * the gateway reached no pod, so `mtls` says nothing.
 */
export function withGatewaySecurity(result: ProbeResult, security: InboundSecurity | null): ProbeResult {
  if (security === null) return result;
  const endedAtGateway = result.trace[result.trace.length - 1]?.direction === 'gateway';
  return {
    ...result,
    mtls: endedAtGateway ? null : result.mtls,
    jwt: result.jwt ?? (security.jwt == null ? null : { ...security.jwt, standIn: false }),
    authz: result.authz ?? (security.authz == null ? null : authzOf(security.authz)),
  };
}

export function authzOf(authz: NonNullable<InboundSecurity['authz']>): NonNullable<ProbeResult['authz']> {
  return { decision: authz.decision, policy: authz.policy, provider: authz.provider ?? null, reason: authz.reason };
}

// A pod's destination as reached through a cluster, once per (immutable) PodInfo and cluster name: every
// forwarded request names one.
const podDestinations = new WeakMap<PodInfo, Map<string, ProbeDestination>>();

export function destinationOf(outcome: Outcome, pod: PodInfo | null, parts: readonly string[]): ProbeDestination {
  // Written out rather than through core/group.ts entryOf: this runs for every forwarded request, and
  // a shared helper's callback call site is megamorphic.
  if (pod === null) return destinationFrom(outcome, pod, parts);
  let byCluster = podDestinations.get(pod);
  if (byCluster === undefined) podDestinations.set(pod, byCluster = new Map());
  const cluster = outcome.cluster ?? '';
  let destination = byCluster.get(cluster);
  if (destination === undefined) byCluster.set(cluster, destination = destinationFrom(outcome, pod, parts));
  return destination;
}

function destinationFrom(outcome: Outcome, pod: PodInfo | null, parts: readonly string[]): ProbeDestination {
  const outbound = parts[0] === 'outbound';
  return {
    service: outbound ? parts[3] ?? null : null,
    port: outbound ? Number(parts[1]) : null,
    subset: outbound && parts[2] !== '' ? parts[2] ?? null : null,
    workload: pod?.workload ?? '',
    namespace: pod?.namespace ?? '',
    pod: pod?.name ?? outcome.endpoint?.address ?? '',
  };
}
