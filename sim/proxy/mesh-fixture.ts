/**
 * A small sidecar config in the shape Istio generates, for engine tests and examples: the `sleep`
 * client's view of `reviews` (port 9080, subsets v1..v3), `mysql` (TCP 3306, its own IP:port
 * listener) and everything else through virtualOutbound to PassthroughCluster.
 *
 * Layout: listener 0.0.0.0_9080 → route configuration "9080" → virtual hosts
 * `reviews.default.svc.cluster.local:9080` (routes supplied by the caller) and `allow_any` (`*` →
 * PassthroughCluster); 10.96.0.20_3306 → tcp_proxy to mysql; virtualOutbound → PassthroughCluster.
 * Subset v3 has no endpoints (503 UH); v1 has two, v2 one.
 *
 * Invariants: pure; fresh objects per call.
 *
 * Not modelled: inbound listeners, mTLS, other namespaces' short names.
 */
import { PASSTHROUGH_CLUSTER, outboundClusterName } from '../xds/cluster.ts';
import type { Listener } from '../xds/listener.ts';
import type { ProxyConfig } from '../xds/proxy-config.ts';
import type { Route, RouteConfiguration } from '../xds/route.ts';
import {
  assignment, blackholeCluster, cluster, endpoint, forwardAction, httpListener, passthroughCluster, proxyConfig, route,
  routeConfiguration, tcpListener, virtualHost, virtualOutbound,
} from './fixtures.ts';

export const REVIEWS_HOST = 'reviews.default.svc.cluster.local';
export const REVIEWS_VIP = '10.96.0.10';
export const MYSQL_HOST = 'mysql.default.svc.cluster.local';
export const MYSQL_VIP = '10.96.0.20';
export const reviewsCluster = (subset = ''): string => outboundClusterName(9080, subset, REVIEWS_HOST);
export const MYSQL_CLUSTER = outboundClusterName(3306, '', MYSQL_HOST);

export function reviewsDefaultRoute(): Route {
  return route('default', forwardAction(reviewsCluster()));
}

export function meshRouteConfiguration(reviewsRoutes: readonly Route[]): RouteConfiguration {
  return routeConfiguration('9080', [
    virtualHost(`${REVIEWS_HOST}:9080`, [REVIEWS_HOST, 'reviews', 'reviews.default', 'reviews.default.svc', REVIEWS_VIP], reviewsRoutes),
    virtualHost('allow_any', ['*'], [route('allow_any', forwardAction(PASSTHROUGH_CLUSTER))]),
  ]);
}

export interface MeshOptions {
  readonly reviewsRoutes?: readonly Route[];
  readonly extraListeners?: readonly Listener[];
  readonly extraRoutes?: readonly RouteConfiguration[];
  readonly lbPolicy?: 'ROUND_ROBIN' | 'RANDOM' | 'LEAST_REQUEST';
  readonly virtualOutboundCluster?: string;
}

export function meshConfig(options: MeshOptions = {}): ProxyConfig {
  const lbPolicy = options.lbPolicy ?? 'ROUND_ROBIN';
  const reviews = (subset: string) => cluster(reviewsCluster(subset), { lbPolicy, serviceHost: REVIEWS_HOST, servicePort: 9080, subset });
  const pod = (address: string, version: string) => endpoint(address, 9080, { pod: `reviews-${version}-${address.slice(-1)}`, workload: `reviews-${version}`, labels: { version } });
  const v1 = [pod('10.1.0.1', 'v1'), pod('10.1.0.2', 'v1')];
  const v2 = [pod('10.1.0.3', 'v2')];
  return proxyConfig({
    listeners: [
      httpListener(9080), tcpListener(MYSQL_VIP, 3306, MYSQL_CLUSTER), virtualOutbound(options.virtualOutboundCluster),
      ...(options.extraListeners ?? []),
    ],
    routes: [meshRouteConfiguration(options.reviewsRoutes ?? [reviewsDefaultRoute()]), ...(options.extraRoutes ?? [])],
    clusters: [
      reviews(''), reviews('v1'), reviews('v2'), reviews('v3'), passthroughCluster(), blackholeCluster(),
      cluster(MYSQL_CLUSTER, { serviceHost: MYSQL_HOST, servicePort: 3306, upstreamProtocol: 'tcp' }),
    ],
    endpoints: [
      assignment(reviewsCluster(), [...v1, ...v2]), assignment(reviewsCluster('v1'), v1), assignment(reviewsCluster('v2'), v2),
      assignment(reviewsCluster('v3'), []), assignment(MYSQL_CLUSTER, [endpoint('10.2.0.1', 3306, { pod: 'mysql-0' })]),
    ],
  });
}
