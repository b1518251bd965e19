/**
 * Compiled listeners, as Envoy's LDS carries them: where a proxy accepts connections and which filter
 * chain handles them (HTTP connection manager with a route config name, or TCP proxy to a cluster).
 *
 * Invariants: data only; filter chains are in Envoy's evaluation order.
 *
 * Not modelled: TLS inspector details and filter-chain matching on SNI/ALPN/transport (arrive with mTLS),
 * listener filters other than protocol sniffing, original-destination listeners' exact shape.
 */

export type ListenerDirection = 'outbound' | 'inbound' | 'gateway';

export type NetworkFilter =
  | { readonly kind: 'http'; readonly routeConfigName: string; readonly statPrefix: string }
  | { readonly kind: 'tcp'; readonly cluster: string; readonly statPrefix: string }
  | { readonly kind: 'tcp-weighted'; readonly clusters: readonly { readonly name: string; readonly weight: number }[]; readonly statPrefix: string };

export interface FilterChainMatch {
  /** Destination port (the virtualInbound listener's chains are per target port); absent means any. */
  readonly destinationPort?: number;
  /** Destination IP prefixes (CIDR); empty means any. */
  readonly prefixRanges: readonly string[];
  /** SNI server names; empty means any. */
  readonly serverNames: readonly string[];
  /** `http` / `tcp` for sniffed ports: which application protocol this chain takes. */
  readonly applicationProtocol?: 'http' | 'tcp';
}

export interface FilterChain {
  readonly name: string;
  readonly match: FilterChainMatch;
  readonly filter: NetworkFilter;
  /** The chain terminates TLS (a gateway's SIMPLE/MUTUAL server): HTTP is read from inside it. */
  readonly terminatesTls?: boolean;
}

export interface Listener {
  /** `0.0.0.0_9080`, `10.96.0.12_3306`, `virtualInbound`, `0.0.0.0_8080` (gateway). */
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly direction: ListenerDirection;
  readonly filterChains: readonly FilterChain[];
  readonly defaultChain: FilterChain | null;
}
