/**
 * What istiod spends generating one proxy's xDS, and how big it is: serialized bytes per type
 * (`configBytes`), virtual CPU microseconds to generate and marshal a push (`generationCostUs`), and the
 * cost of building a PushContext (`pushContextInitCostUs`). Linear models over the shape of the compiled
 * config (clusters, ClusterLoadAssignments and endpoints, listeners and filter chains, route
 * configurations, virtual hosts and routes), calibrated on Istio's own benchmarks
 * (pilot/pkg/xds/bench_test.go; /work/shared/reference/anchors-sim-perf.md §B4–B5):
 *
 * | case (Istio benchmark mesh)            | anchor                          | model (sim-compiled) | tol. | source                               |
 * |-----------------------------------------|---------------------------------|----------------------|------|--------------------------------------|
 * | CDS bytes per cluster                   | 1,018–1,098 B                   | 1,029 B              | band | istio#39652 (3.5 MB/3,186), #34203   |
 * | EDS bytes per 1-endpoint CLA            | 253–477 B                       | 262 B                | band | same (755 kB/2,979; 132.5 kB/278)    |
 * | LDS bytes, http (100 HTTP ServiceEntries) | 14.7 kB                       | 14.5 kB              | 5%   | istio#54425 (16 cores, Go 1.24)      |
 * | LDS bytes, tcp                          | 34.9 kB                         | 35.6 kB              | 10%  | same                                 |
 * | LDS bytes, auto (sniffed)               | 253 kB                          | 240 kB               | 10%  | same                                 |
 * | LDS bytes, strict (root PA STRICT)      | 17.5 kB                         | 17.3 kB              | 5%   | same                                 |
 * | LDS bytes, gateways (1,000 Gateways)    | ≈2,300 kB                       | 2,369 kB             | 10%  | same                                 |
 * | RDS bytes, gateways (1,001 resources)   | 961 kB                          | 947 kB               | 10%  | istio#25117 (2020)                   |
 * | RDS µs, http                            | 330                             | 337                  | 10%  | istio#54425                          |
 * | RDS µs, virtualservice (2 routes, regex)| 1,030                           | 1,037                | 10%  | same                                 |
 * | RDS µs, gateways (6,000 vhosts)         | 22,500                          | 22,024               | 10%  | same                                 |
 * | CDS µs, gateways (≈1,000 clusters)      | 7,610                           | 7,678                | 5%   | same                                 |
 * | EDS µs, 100 services × 1 endpoint       | 119–157                         | 138 (sim: 139)       | band | istio#25598, #25518 (2020)           |
 * | EDS µs, 1 service × 1,000 endpoints     | 680–940                         | 810                  | band | same                                 |
 * | LDS µs, virtualservice (sidecar)        | ≈473 (derived)                  | 473                  | 10%  | 840 µs (istio#25459, 2020) × 0.563   |
 * | LDS µs, gateways                        | ≈9,050 (derived)                | 9,129                | 10%  | 17.5 ms (istio#29693, 2020) × 0.517  |
 * | InitPushContext µs, http (101 services) | 164                             | 162                  | 5%   | istio#48443 (48 cores, Go 1.22)      |
 * | InitPushContext µs, strict (1 SE, 1 PA) | 10.9                            | 11                   | 10%  | same                                 |
 * | InitPushContext µs, gateways (1,001 SE, 1,000 VS, 1,000 GW) | 12,200      | 12,230               | 5%   | same                                 |
 * | InitPushContext µs, gateways-shared (1 GW) | 9,500–10,000                 | 10,032               | 5%   | same                                 |
 *
 * The LDS times are "derived": 2020 ListenerGeneration numbers scaled by how much RouteGeneration of the
 * same case sped up from 2020 to 2024 (virtualservice 1.83 → 1.03 ms; gateways 43.5 → 22.5 ms), so they
 * are uncertain by ±30% whatever the test tolerance. Unit costs: CDS 30 µs + 7.58 µs/cluster; EDS 10 µs +
 * 0.48 µs/CLA + 0.8 µs/endpoint (EDS is mostly marshalling, istio#22000); LDS 425 µs (sidecar) or 100 µs
 * (gateway) + 10 µs/listener + 9 µs/filter chain; RDS 20 µs + 4 µs/route configuration + 1.5 µs/virtual
 * host + 1.5 µs/route + 5.5 µs/regex matcher; InitPushContext 8 µs + 1.52 µs/service + 8.5 µs/
 * VirtualService + 2.2 µs/Gateway (+ estimates: 3 µs/DestinationRule, 5 µs/Sidecar, 1 µs/security policy).
 * Bytes: cluster 960 + 2×name; CLA 80 + name + (130 + address + workload + namespace)/endpoint; LDS per
 * proxy 10.1 kB (sidecar: inbound passthrough and management chains Istio always writes) or 0.5 kB
 * (gateway), listener 60 + name, HTTP chain 2.1 kB (the HCM and its filters), TCP chain 80 + cluster, TLS
 * termination 150, STRICT inbound chain +2.8 kB, a sniffed outbound service +2.1 kB (its HTTP chain);
 * routes: 20 + name per configuration, 10 + name + domains per virtual host, 20 + strings per route.
 *
 * One core: Go's ns/op times one goroutine, so it is the CPU one istiod core spends on that proxy; the
 * host's core count (6–48) only matters through garbage collection, whose background workers run on
 * spare cores (a lone core would pay roughly 10–30% more). The model keeps the published numbers
 * (scale 1,000‰); `cpuScalePermille` stretches them for a slower or busier istiod. The anchors span
 * 2020–2024 builds and different machines (6–48 cores): compare ratios before absolute times.
 * Not anchored, estimated: DestinationRule, Sidecar and security-policy terms of InitPushContext; the
 * per-listener term of LDS cost (so TCP-heavy sidecars are a guess); route bytes beyond the gateways case.
 *
 * Invariants: pure; every output is a non-negative integer; every output grows (never shrinks) when
 * resources are added. Figures are folds over resources, memoised by the identity of the parts proxies
 * share (a cluster map, an endpoints map, a listener, a route configuration: never changed once built),
 * the way istiod's XDS cache keys marshalled resources by SidecarScope: computing one proxy's figures
 * costs the simulator its own part and the number of shared parts it holds, not the size of the mesh.
 * This is the simulator's bookkeeping only: each proxy is still charged the whole modelled cost (the
 * cache's savings are not modelled, below). The straight walk over every resource stays here
 * (`referenceConfigBytes`, `referenceTypeCostUs`) for the tests to hold the memoised figures to.
 *
 * Not modelled: SDS/NDS/ECDS, the xDS cache (hits cost ~nothing in Istio), delta xDS, RBAC/JWT filter
 * bytes in listeners, Envoy's per-type application cost on the proxy, istiod memory, the RDS n² gateway
 * behaviour of 2020 (istio#25116, fixed), the auto-protocol RDS case (825 µs; no output-shape term
 * explains it).
 */
import type { Cluster, ClusterLoadAssignment } from '../xds/cluster.ts';
import type { FilterChain, Listener } from '../xds/listener.ts';
import { clusterList, clusterNamed } from '../xds/proxy-config.ts';
import type { ProxyConfig } from '../xds/proxy-config.ts';
import type { HeaderOperations, Route, RouteConfiguration } from '../xds/route.ts';
import type { XdsType } from './push-scope.ts';
import { assignmentTotals, clusterBytes, edsByHost, edsIndex, memoClaBytes, NO_TOTALS, plus, sharedClusterTotals, type Totals } from './xds-cost-maps.ts';

export interface XdsCostOptions {
  /** Only these service host names' ClusterLoadAssignments are rebuilt (a partial EDS push); default all. */
  readonly edsServices?: readonly string[];
  /** CPU scale in ‰ of the benchmark machines' core (default 1,000). */
  readonly cpuScalePermille?: number;
}

// Bytes (protobuf, as Istio's ResourceSize counts them: the Any values).
const LDS_PROXY_BYTES = { sidecar: 10_100, router: 500 } as const;
const LISTENER_BYTES = 60;
const HCM_BYTES = 2_100;
const TCP_PROXY_BYTES = 80;
const TLS_CONTEXT_BYTES = 150;
const STRICT_INBOUND_CHAIN_BYTES = 2_800;
const ROUTE_CONFIG_BYTES = 20;
const VIRTUAL_HOST_BYTES = 10;
const ROUTE_BYTES = 20;

// Nanoseconds of one benchmark core.
const CDS_BASE_NS = 30_000;
const CDS_CLUSTER_NS = 7_580;
const EDS_BASE_NS = 10_000;
const EDS_CLA_NS = 480;
const EDS_ENDPOINT_NS = 800;
const LDS_BASE_NS = { sidecar: 425_000, router: 100_000 } as const;
const LDS_LISTENER_NS = 10_000;
const LDS_CHAIN_NS = 9_000;
const RDS_BASE_NS = 20_000;
const RDS_CONFIG_NS = 4_000;
const RDS_VHOST_NS = 1_500;
const RDS_ROUTE_NS = 1_500;
const RDS_REGEX_NS = 5_500;

/** What a PushContext is built from, counted (InitPushContext). Services include ServiceEntries. */
export interface PushContextCounts {
  readonly services: number;
  readonly virtualServices: number;
  readonly gateways: number;
  readonly destinationRules?: number;
  readonly sidecars?: number;
  readonly peerAuthentications?: number;
  readonly authorizationPolicies?: number;
  readonly requestAuthentications?: number;
}

const INIT_BASE_NS = 8_000;
const INIT_SERVICE_NS = 1_520;
const INIT_VIRTUAL_SERVICE_NS = 8_500;
const INIT_GATEWAY_NS = 2_200;
const INIT_DESTINATION_RULE_NS = 3_000;
const INIT_SIDECAR_NS = 5_000;
const INIT_POLICY_NS = 1_000;

export function configBytes(config: ProxyConfig, type: XdsType, options: XdsCostOptions = {}): number {
  switch (type) {
    case 'CDS':
      return clusterTotals(config).bytes;
    case 'EDS':
      return edsTotals(config, options).bytes;
    case 'LDS': {
      const strict = strictInbound(config);
      return LDS_PROXY_BYTES[config.proxy.type] + sum(config.listeners, (l) => memoListenerBytes(l, strict));
    }
    case 'RDS':
      return sum(Object.values(config.routes), (rc) => routeFigures(rc).bytes);
  }
}

/** Virtual CPU µs istiod spends generating (and marshalling) these types for this proxy. */
export function generationCostUs(config: ProxyConfig, types: readonly XdsType[], options: XdsCostOptions = {}): number {
  const ns = sum(types, (type) => typeCostNs(config, type, options));
  return scaleToUs(ns, options.cpuScalePermille);
}

/** Virtual CPU µs of one type (what Istio's XdsResourceGenerator.Generate costs). */
export function typeCostUs(config: ProxyConfig, type: XdsType, options: XdsCostOptions = {}): number {
  return scaleToUs(typeCostNs(config, type, options), options.cpuScalePermille);
}

/** Virtual CPU µs of InitPushContext over a mesh of this size. */
export function pushContextInitCostUs(counts: PushContextCounts, cpuScalePermille?: number): number {
  const ns = INIT_BASE_NS
    + INIT_SERVICE_NS * nonNegative(counts.services)
    + INIT_VIRTUAL_SERVICE_NS * nonNegative(counts.virtualServices)
    + INIT_GATEWAY_NS * nonNegative(counts.gateways)
    + INIT_DESTINATION_RULE_NS * nonNegative(counts.destinationRules ?? 0)
    + INIT_SIDECAR_NS * nonNegative(counts.sidecars ?? 0)
    + INIT_POLICY_NS * nonNegative((counts.peerAuthentications ?? 0) + (counts.authorizationPolicies ?? 0) + (counts.requestAuthentications ?? 0));
  return scaleToUs(ns, cpuScalePermille);
}

function typeCostNs(config: ProxyConfig, type: XdsType, options: XdsCostOptions): number {
  switch (type) {
    case 'CDS':
      return CDS_BASE_NS + CDS_CLUSTER_NS * clusterTotals(config).count;
    case 'EDS':
      return edsTotalsCostNs(edsTotals(config, options));
    case 'LDS': {
      const chains = sum(config.listeners, (l) => l.filterChains.length);
      return LDS_BASE_NS[config.proxy.type] + LDS_LISTENER_NS * config.listeners.length + LDS_CHAIN_NS * chains;
    }
    case 'RDS':
      return RDS_BASE_NS + sum(Object.values(config.routes), (rc) => routeFigures(rc).costNs);
  }
}

/** The clusters and endpoints a config holds, as the end-of-run snapshot counts them: endpoints of the assignments whose cluster it holds. */
export function configShape(config: ProxyConfig): { readonly clusters: number; readonly endpoints: number } {
  let endpoints = edsIndex(config.endpoints, config.clusters).heldEndpoints;
  const own = config.ownClusters;
  if (own !== undefined) {
    for (const name of Object.keys(own)) if (!config.clusters.has(name)) endpoints += config.endpoints.get(name)?.endpoints.length ?? 0;
  }
  return { clusters: clusterTotals(config).count, endpoints };
}

/** `configBytes` by the straight walk over every resource, nothing memoised (what the memoised figures must equal). */
export function referenceConfigBytes(config: ProxyConfig, type: XdsType, options: XdsCostOptions = {}): number {
  switch (type) {
    case 'CDS':
      return sum(clusterList(config), clusterBytes);
    case 'EDS':
      return assignmentsBytes(referenceEdsAssignments(config, options));
    case 'LDS':
      return LDS_PROXY_BYTES[config.proxy.type] + sum(config.listeners, (l) => listenerBytes(l, strictInbound(config)));
    case 'RDS':
      return sum(Object.values(config.routes), routeConfigBytes);
  }
}

/** Virtual CPU µs of one type by the straight walk over every resource (what the memoised figures must equal). */
export function referenceTypeCostUs(config: ProxyConfig, type: XdsType, options: XdsCostOptions = {}): number {
  let ns: number;
  switch (type) {
    case 'CDS':
      ns = CDS_BASE_NS + CDS_CLUSTER_NS * clusterList(config).length;
      break;
    case 'EDS':
      ns = edsCostNs(referenceEdsAssignments(config, options));
      break;
    case 'LDS':
      ns = typeCostNs(config, 'LDS', options);
      break;
    case 'RDS': {
      const configs = Object.values(config.routes);
      const vhosts = configs.flatMap((c) => c.virtualHosts);
      const routes = vhosts.flatMap((v) => v.routes);
      ns = RDS_BASE_NS + RDS_CONFIG_NS * configs.length + RDS_VHOST_NS * vhosts.length + RDS_ROUTE_NS * routes.length + RDS_REGEX_NS * sum(routes, regexMatchers);
      break;
    }
  }
  return scaleToUs(ns, options.cpuScalePermille);
}

/** Bytes of an EDS response carrying these assignments. */
export function assignmentsBytes(assignments: readonly ClusterLoadAssignment[]): number {
  return sum(assignments, memoClaBytes);
}

/** Virtual CPU µs of generating an EDS response with these assignments. */
export function assignmentsCostUs(assignments: readonly ClusterLoadAssignment[], cpuScalePermille?: number): number {
  return scaleToUs(edsCostNs(assignments), cpuScalePermille);
}

function edsCostNs(assignments: readonly ClusterLoadAssignment[]): number {
  return EDS_BASE_NS + EDS_CLA_NS * assignments.length + EDS_ENDPOINT_NS * sum(assignments, (a) => a.endpoints.length);
}

/** The ClusterLoadAssignments EDS carries: those of EDS clusters, narrowed to `edsServices` when given. */
function referenceEdsAssignments(config: ProxyConfig, options: XdsCostOptions): ClusterLoadAssignment[] {
  const hosts = options.edsServices === undefined ? null : new Set(options.edsServices);
  return config.endpoints.values().filter((a) => {
    const cluster = clusterNamed(config, a.clusterName);
    if (cluster === undefined || cluster.discovery !== 'EDS') return false;
    return hosts === null || hosts.has(cluster.serviceHost);
  });
}

function edsTotalsCostNs(t: Totals): number {
  return EDS_BASE_NS + EDS_CLA_NS * t.count + EDS_ENDPOINT_NS * t.endpoints;
}

// Memoised by object identity (see the header): a listener, a route configuration → figures (the
// cluster and endpoint maps' sums: xds-cost-maps.ts).
const listenerByteFigures = new WeakMap<Listener, { plain?: number; strict?: number }>();
const routeConfigFigures = new WeakMap<RouteConfiguration, { readonly bytes: number; readonly costNs: number }>();

/** What EDS carries for the config (narrowed to `edsServices` when given): the shared pair's sums, the proxy's own clusters laid over them. */
function edsTotals(config: ProxyConfig, options: XdsCostOptions): Totals {
  const index = edsIndex(config.endpoints, config.clusters);
  const hosts = options.edsServices === undefined ? null : new Set(options.edsServices);
  const byHost = hosts === null ? null : edsByHost(index, config.endpoints, config.clusters);
  let totals = byHost === null ? index.all : [...hosts!].reduce((t, h) => plus(t, byHost.get(h) ?? NO_TOTALS), NO_TOTALS);
  const own = config.ownClusters;
  if (own === undefined) return totals;
  const counts = (c: Cluster | undefined) => c !== undefined && c.discovery === 'EDS' && (hosts === null || hosts.has(c.serviceHost));
  for (const [name, cluster] of Object.entries(own)) {
    const shadowed = config.clusters.get(name);
    if (!counts(shadowed) && !counts(cluster)) continue;
    // Assignments are keyed by their cluster's name: the one of this name is the one it counts.
    const assignments = assignmentTotals(config.endpoints.get(name));
    if (counts(shadowed)) totals = plus(totals, assignments, -1);
    if (counts(cluster)) totals = plus(totals, assignments);
  }
  return totals;
}

/** How many clusters the config holds and their CDS bytes: the shared map's sums, the proxy's own laid over them. */
function clusterTotals(config: ProxyConfig): { readonly count: number; readonly bytes: number } {
  const shared = sharedClusterTotals(config.clusters);
  const own = config.ownClusters;
  if (own === undefined) return shared;
  let { count, bytes } = shared;
  for (const [name, cluster] of Object.entries(own)) {
    const shadowed = config.clusters.get(name);
    if (shadowed !== undefined) bytes -= clusterBytes(shadowed);
    else count += 1;
    bytes += clusterBytes(cluster);
  }
  return { count, bytes };
}

function memoListenerBytes(listener: Listener, strict: boolean): number {
  let figures = listenerByteFigures.get(listener);
  if (figures === undefined) listenerByteFigures.set(listener, figures = {});
  const key = strict ? 'strict' : 'plain';
  return figures[key] ??= listenerBytes(listener, strict);
}

function routeFigures(rc: RouteConfiguration): { readonly bytes: number; readonly costNs: number } {
  let figures = routeConfigFigures.get(rc);
  if (figures === undefined) {
    const routes = rc.virtualHosts.flatMap((v) => v.routes);
    const costNs = RDS_CONFIG_NS + RDS_VHOST_NS * rc.virtualHosts.length + RDS_ROUTE_NS * routes.length + RDS_REGEX_NS * sum(routes, regexMatchers);
    figures = { bytes: routeConfigBytes(rc), costNs };
    routeConfigFigures.set(rc, figures);
  }
  return figures;
}

function strictInbound(config: ProxyConfig): boolean {
  return config.security?.inboundMtls?.mode === 'STRICT';
}

function listenerBytes(listener: Listener, strict: boolean): number {
  // Fall-through default chains are not counted (the passthrough chains of virtualOutbound and
  // virtualInbound are in the per-proxy base); a sniffed service listener's TCP default chain is.
  // Inbound chains carry a DownstreamTlsContext per IP family under STRICT (fitted on LDS strict vs http).
  const strictBytes = strict && listener.direction === 'inbound' ? STRICT_INBOUND_CHAIN_BYTES * listener.filterChains.length : 0;
  const chains = sum(listener.filterChains, chainBytes);
  const own = listener.defaultChain !== null && listener.defaultChain.filter.kind !== 'http' && !FALLTHROUGH_CLUSTERS.has(statPrefixOf(listener.defaultChain)) ? chainBytes(listener.defaultChain) : 0;
  return LISTENER_BYTES + listener.name.length + strictBytes + chains + own;
}

const FALLTHROUGH_CLUSTERS: ReadonlySet<string> = new Set(['PassthroughCluster', 'BlackHoleCluster', 'InboundPassthroughCluster']);

function statPrefixOf(chain: FilterChain): string {
  return chain.filter.kind === 'tcp' ? chain.filter.cluster : chain.filter.statPrefix;
}

function chainBytes(chain: FilterChain): number {
  const match = sum(chain.match.serverNames, (s) => s.length + 2) + sum(chain.match.prefixRanges, (p) => p.length + 2);
  const tls = chain.terminatesTls === true ? TLS_CONTEXT_BYTES : 0;
  const filter = chain.filter;
  if (filter.kind === 'http') return HCM_BYTES + filter.routeConfigName.length + match + tls;
  const clusters = filter.kind === 'tcp' ? filter.cluster.length : sum(filter.clusters, (c) => c.name.length + 8);
  return TCP_PROXY_BYTES + clusters + match + tls;
}

function routeConfigBytes(rc: RouteConfiguration): number {
  return ROUTE_CONFIG_BYTES + rc.name.length + sum(rc.virtualHosts, (v) => VIRTUAL_HOST_BYTES + v.name.length + sum(v.domains, (d) => d.length + 2) + sum(v.routes, routeBytes));
}

function routeBytes(route: Route): number {
  const m = route.match;
  const matchBytes = (m.path ?? m.prefix ?? m.regex ?? '').length
    + sum(m.headers, (h) => h.name.length + 6 + (h.match?.exact ?? h.match?.prefix ?? h.match?.regex ?? '').length)
    + sum(m.queryParameters, (q) => q.name.length + 6 + (q.match?.exact ?? q.match?.prefix ?? q.match?.regex ?? '').length);
  const a = route.action;
  let actionBytes: number;
  if (a.kind === 'route') {
    actionBytes = sum(a.clusters, (c) => c.name.length + 6 + headerOpsBytes(c.requestHeaders) + headerOpsBytes(c.responseHeaders))
      + (a.retry === null ? 0 : 10) + (a.timeoutUs === null ? 0 : 4)
      + (a.prefixRewrite?.length ?? 0) + (a.hostRewrite?.length ?? 0)
      + (a.regexRewrite === undefined ? 0 : a.regexRewrite.pattern.length + a.regexRewrite.substitution.length + 4)
      + sum(a.mirrors, (mirror) => mirror.cluster.length + 8);
  } else if (a.kind === 'redirect') {
    actionBytes = 10 + (a.host?.length ?? 0) + (a.path?.length ?? 0) + (a.prefixRewrite?.length ?? 0);
  } else {
    actionBytes = 6 + a.body.length;
  }
  const faults = (route.faultDelay === undefined ? 0 : 12) + (route.faultAbort === undefined ? 0 : 12);
  return ROUTE_BYTES + route.name.length + matchBytes + actionBytes + faults + headerOpsBytes(route.requestHeaders) + headerOpsBytes(route.responseHeaders);
}

function headerOpsBytes(ops: HeaderOperations | undefined): number {
  if (ops === undefined) return 0;
  const pairs = [...Object.entries(ops.set), ...Object.entries(ops.add)];
  return sum(pairs, ([k, v]) => k.length + v.length + 4) + sum(ops.remove, (r) => r.length + 2);
}

function regexMatchers(route: Route): number {
  const m = route.match;
  const headers = m.headers.filter((h) => h.match?.regex !== undefined).length;
  const params = m.queryParameters.filter((q) => q.match?.regex !== undefined).length;
  return (m.regex === undefined ? 0 : 1) + headers + params;
}

function scaleToUs(ns: number, cpuScalePermille = 1_000): number {
  return Math.round((ns * nonNegative(cpuScalePermille)) / 1_000_000);
}

function nonNegative(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

function sum<T>(items: readonly T[], f: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += f(item);
  return total;
}
