/**
 * Compiled upstream clusters and their endpoints, as Envoy's CDS and EDS carry them.
 *
 * Cluster names follow Istio: `outbound|<port>|<subset>|<fqdn>`, `inbound|<port>||`,
 * `PassthroughCluster`, `BlackHoleCluster`, `InboundPassthroughCluster`.
 *
 * Invariants: data only; endpoints of a cluster are sorted by (address, port).
 *
 * Not modelled: connection-pool and outlier settings (they arrive with resilience), TLS contexts
 * (with security), health checks, locality priorities.
 */

import type { UpstreamTls } from './security.ts';

export type ClusterDiscovery = 'EDS' | 'STRICT_DNS' | 'LOGICAL_DNS' | 'ORIGINAL_DST' | 'STATIC';
export type LbPolicy = 'ROUND_ROBIN' | 'LEAST_REQUEST' | 'RANDOM' | 'RING_HASH' | 'MAGLEV' | 'CLUSTER_PROVIDED';

export interface Cluster {
  readonly name: string;
  readonly discovery: ClusterDiscovery;
  readonly lbPolicy: LbPolicy;
  /** The service host this cluster stands for ('' for passthrough/blackhole). */
  readonly serviceHost: string;
  readonly servicePort: number;
  readonly subset: string;
  /** Protocol Envoy speaks upstream: http1, http2 or tcp. */
  readonly upstreamProtocol: 'http1' | 'http2' | 'tcp';
  /** The TLS the client originates to this cluster's endpoints (DestinationRule or auto mTLS). */
  readonly tls?: UpstreamTls;
}

export interface LbEndpoint {
  readonly address: string;
  readonly port: number;
  readonly weight: number;
  /** Where the endpoint runs, for traces and outcomes; '' when outside the mesh. */
  readonly pod: string;
  readonly workload: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly healthy: boolean;
  /**
   * Istio's `security.istio.io/tlsMode` endpoint label: `istio` when the endpoint runs a sidecar that
   * takes mTLS, `disabled` otherwise (auto mTLS reads it). Absent means `disabled`.
   */
  readonly tlsMode?: 'istio' | 'disabled';
}

export interface ClusterLoadAssignment {
  readonly clusterName: string;
  readonly endpoints: readonly LbEndpoint[];
}

export const PASSTHROUGH_CLUSTER = 'PassthroughCluster';
export const BLACKHOLE_CLUSTER = 'BlackHoleCluster';
export const INBOUND_PASSTHROUGH_CLUSTER = 'InboundPassthroughCluster';

export function outboundClusterName(port: number, subset: string, host: string): string {
  return `outbound|${port}|${subset}|${host}`;
}

export function inboundClusterName(port: number): string {
  return `inbound|${port}||`;
}
