/**
 * Everything one proxy holds, as one value: listeners, route configurations, clusters and endpoints
 * (the xDS resource types), with a version per push. This is the contract between the control plane
 * (which produces it) and the proxy engine (which reads nothing else).
 *
 * Invariants: data only, JSON-safe; maps are keyed by resource name; every cluster named by a route
 * either exists here or its absence is the point (503 NC during rollouts).
 *
 * Not modelled: secrets (SDS) and per-type versions (they arrive with pushes in time).
 */
import type { ClusterLoadAssignment, Cluster } from './cluster.ts';
import type { Listener } from './listener.ts';
import type { RouteConfiguration } from './route.ts';
import type { WorkloadSecurity } from './security.ts';

export type ProxyType = 'sidecar' | 'router';

export interface ProxyIdentity {
  /** `<pod>.<namespace>`, as Istio names proxies. */
  readonly id: string;
  readonly type: ProxyType;
  readonly namespace: string;
  readonly workload: string;
  readonly pod: string;
  readonly ip: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The proxy's own locality, `region/zone/subzone` (its node's); absent: unknown. */
  readonly locality?: string;
}

export interface ProxyConfig {
  readonly proxy: ProxyIdentity;
  readonly version: string;
  readonly listeners: readonly Listener[];
  readonly routes: Readonly<Record<string, RouteConfiguration>>;
  readonly clusters: Readonly<Record<string, Cluster>>;
  readonly endpoints: Readonly<Record<string, ClusterLoadAssignment>>;
  /** What the proxy enforces on traffic it receives: a sidecar's inbound, a gateway's listeners. */
  readonly security: WorkloadSecurity | null;
}
