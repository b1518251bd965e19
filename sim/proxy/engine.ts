/**
 * The data-plane engine: one call through one proxy's compiled config, walked as Envoy walks it and as
 * Istio's own simulator models it (pilot/pkg/simulation/traffic.go; istio-semantics §0): listener →
 * filter chain → for HTTP the connection manager's route configuration → virtual host → route → fault
 * filter → router (cluster → load balancer → endpoint); for TCP the tcp_proxy's cluster → endpoint.
 *
 * Rules followed (each branch names its rule):
 * - No listener: connection refused (ErrNoListener). No filter chain: Envoy closes the connection,
 *   flag NR (ErrNoFilterChain).
 * - A non-HTTP call on an HTTP connection manager chain: the HTTP codec rejects the bytes and Envoy
 *   closes the connection, flag DPE (ErrProtocolError). TCP and TLS on a tcp_proxy chain are carried
 *   as bytes, and so is HTTP (tcp_proxy does not parse it: `upstream` is the request unchanged).
 * - Route configuration not received, no virtual host, no route: 404 NR. require_tls with plaintext:
 *   301 to https, before any route is matched (VirtualHostImpl::getRouteFromEntries; ErrTLSRedirect).
 * - Faults (fault.ts) after routing, before the router; the route action in route-action.ts.
 * - tcp_proxy: a cluster missing from CDS closes the connection (NC); no endpoint (including
 *   BlackHoleCluster) closes it (UH); PassthroughCluster (ORIGINAL_DST) connects to the original
 *   destination; in a run, max_connections reached closes it (UO, upstream-resilience.ts).
 * - A shadow copy (handleShadow; Envoy ShadowWriterImpl::shadow hands it to the mirror cluster's HTTP
 *   async client): no listener, filter chain or route; the cluster's load balancer (no hash policy: the
 *   async client's route has none) and connection pool (circuit breaking: 503 UO); no healthy endpoint:
 *   503 UH; an ORIGINAL_DST cluster has no downstream connection to take an address from: UH. Its
 *   answer goes nowhere (fire-and-forget); it is never retried.
 *
 * Invariants: pure apart from the ProxyState and Rng handed in (the instant of the call is the state's
 * `nowUs`, null at rest; no module state); every outcome is a value, never an exception; the same
 * config, call, state and Rng state give the same outcome and the same state change.
 *
 * Calls a proxy receives pass its security filters first (inbound-security.ts): a sidecar's inbound
 * (mTLS handshake, ext_authz, JWT, RBAC) and every listener of a gateway (ext_authz, JWT and RBAC on
 * HTTP chains, including TLS it terminates; ext_authz and RBAC on TCP and TLS-passthrough chains:
 * listener_builder.go, networkfilter.go buildCompleteNetworkFilters). Sidecar outbound listeners have
 * none (the builders skip ListenerClassSidecarOutbound).
 *
 * Not modelled: the HTTP inspector's h2c/ALPN details. (A forwarded request in a run holds a pool slot,
 * `outcome.hold`, which the caller releases when the request ends: upstream-resilience.ts.)
 */
import { unreachable } from '../core/assert.ts';
import type { Rng } from '../core/prng.ts';
import { BLACKHOLE_CLUSTER } from '../xds/cluster.ts';
import type { FilterChain, NetworkFilter } from '../xds/listener.ts';
import type { ProxyConfig } from '../xds/proxy-config.ts';
import { clusterNamed } from '../xds/proxy-config.ts';
import { evaluateFaults } from './fault.ts';
import { applyHeaderLevels } from './header-ops.ts';
import { selectFilterChain, selectListener, selectInboundListener } from './match/listener.ts';
import { selectRoute } from './match/route.ts';
import { selectVirtualHost } from './match/virtual-host.ts';
import {
  WALK_START, forwardedOutcome, localReplyOutcome, redirectOutcome, refusedOutcome, resetOutcome,
} from './outcome.ts';
import type { Outcome, Walk } from './outcome.ts';
import type { ProxyState } from './proxy-state.ts';
import { assertCall } from './request.ts';
import type { Call, HttpRequest } from './request.ts';
import { NO_HEALTHY_UPSTREAM_STATUS, applyRouteAction, describeRequest, describeRoute } from './route-action.ts';
import { tlsRedirectLocation } from './rewrite.ts';
import { inboundFilters } from './inbound-security.ts';
import type { InboundOptions } from './inbound-security.ts';
import { describeEndpoint, pickWeightedCluster, resolveEndpoint } from './upstream-cluster.ts';
import { admitUpstream } from './upstream-resilience.ts';
import { socketAddress } from './match/cidr.ts';
import { normalizePath } from './authz-path.ts';

/**
 * One call through one proxy. `direction` says how the call reached the proxy: `outbound` (the app's own
 * connection, captured by iptables; also gateways receiving traffic on their ports) picks the listener by
 * destination address; `inbound` (a connection to the pod from outside, redirected to 15006) takes the
 * virtualInbound listener. `inbound` hands the security filters what the edge owns: the JWT verifier,
 * the clock for token expiry, and the ext_authz providers' answers.
 */
export function handleCall(
  config: ProxyConfig, call: Call, state: ProxyState, rng: Rng, direction: 'outbound' | 'inbound' = 'outbound', inbound: InboundOptions = {},
): Outcome {
  assertCall(call);
  state.lastRoute = null;
  const listener = direction === 'inbound' ? selectInboundListener(config.listeners) : selectListener(config.listeners, call);
  if (listener === null) {
    return refusedOutcome(WALK_START, direction === 'inbound'
      ? `Proxy ${config.proxy.id} has no inbound listener: connection to ${targetOf(call)} refused.`
      : `No listener of proxy ${config.proxy.id} takes ${targetOf(call)} and there is no virtualOutbound listener: connection refused.`);
  }
  const chain = selectFilterChain(listener, call);
  if (chain === null) {
    return resetOutcome({ ...WALK_START, listener: listener.name }, 'NR',
      `Listener "${listener.name}" has no filter chain for this ${call.protocol} connection to ${targetOf(call)}: Envoy closes it (NR).`);
  }
  const walk: Walk = { ...WALK_START, listener: listener.name, filterChain: chain.name };
  // Security filters: a sidecar's inbound and every gateway listener; an HTTP chain that cannot read
  // the bytes (DPE) fails in the codec before any filter runs.
  const receiving = direction === 'inbound' || (config.proxy.type === 'router' && httpReadable(chain, call));
  if (receiving && config.security !== null) {
    // mTLS handshake, ext_authz, JWT filter, RBAC (inbound-security.ts); what passes goes on with the
    // request the JWT filter left (token removed, payload and claim headers added).
    const verdict = inboundFilters(config.security, listener, chain, call, walk, inbound);
    if (!verdict.pass) return verdict.outcome;
    return { ...handleChain(config, verdict.call, chain, walk, state, rng), security: verdict.security };
  }
  return handleChain(config, call, chain, walk, state, rng);
}

/** A path normalization could change: an escape, a backslash, a dot segment, a doubled slash or a fragment. */
const MAYBE_DENORMAL = /[%\\#]|\/\.|\/\//;

/** `ip:port` (`[ip]:port` for IPv6) of the call's original destination, for the sentences of outcomes. */
function targetOf(call: Call): string {
  return socketAddress(call.destinationIp, call.destinationPort);
}

/** A TCP chain, or an HTTP chain with an HTTP request it can read (plain text, or TLS it terminates). */
function httpReadable(chain: FilterChain, call: Call): boolean {
  if (chain.filter.kind !== 'http') return true;
  return call.request !== undefined && (call.protocol !== 'tls' || chain.terminatesTls === true);
}

function handleChain(config: ProxyConfig, call: Call, chain: FilterChain, walk: Walk, state: ProxyState, rng: Rng): Outcome {
  const filter: NetworkFilter = chain.filter;
  switch (filter.kind) {
    case 'http':
      // TLS reaching an HTTP connection manager that does not terminate it is a protocol error
      // (Istio simulation ErrProtocolError); a terminating chain reads the HTTPS request inside.
      if (call.request === undefined || (call.protocol === 'tls' && chain.terminatesTls !== true)) {
        return resetOutcome(walk, 'DPE',
          `Filter chain "${chain.name}" speaks HTTP but the ${call.protocol} connection to ${targetOf(call)} does not: `
          + 'the HTTP codec rejects it and Envoy closes the connection (DPE).');
      }
      return handleHttp(config, call, call.protocol === 'tls' ? { ...call.request, scheme: 'https' } : call.request, filter.routeConfigName, walk, state, rng);
    case 'tcp':
      return handleTcp(config, call, [{ name: filter.cluster, weight: 1 }], walk, state, rng);
    case 'tcp-weighted':
      return handleTcp(config, call, filter.clusters, walk, state, rng);
    default:
      return unreachable(filter, 'network filter');
  }
}

function handleHttp(
  config: ProxyConfig, call: Call, received: HttpRequest, routeConfigName: string, walkIn: Walk, state: ProxyState, rng: Rng,
): Outcome {
  // Every HTTP connection manager normalizes the path before routing and forwards the normalized path
  // (Istio: listener_builder.go buildHTTPConnectionManager sets normalize_path, merge_slashes and the
  // escaped-slash action from MeshConfig pathNormalization); one it cannot normalize is a 400.
  const path = MAYBE_DENORMAL.test(received.path) ? normalizePath(received.path, config.security?.pathNormalization ?? 'BASE') : received.path;
  if (path === null) return localReplyOutcome(walkIn, 400, 'DPE', `the path ${received.path} cannot be normalized: Envoy answers 400.`);
  const request = path === received.path ? received : { ...received, path };
  const routeConfig = Object.hasOwn(config.routes, routeConfigName) ? config.routes[routeConfigName] : undefined;
  if (routeConfig === undefined) {
    return localReplyOutcome(walkIn, 404, 'NR',
      `${describeRequest(request)}: this proxy has no route configuration "${routeConfigName}" (not pushed yet), so no route matches: 404 NR.`);
  }
  const virtualHost = selectVirtualHost(routeConfig, request.authority);
  if (virtualHost === null) {
    return localReplyOutcome(walkIn, 404, 'NR',
      `${describeRequest(request)}: no virtual host in route configuration "${routeConfigName}" has a domain matching "${request.authority}": 404 NR.`);
  }
  let walk: Walk = { ...walkIn, virtualHost: virtualHost.name };
  if (virtualHost.requireTls && request.scheme === 'http') {
    const location = tlsRedirectLocation(request);
    return redirectOutcome(walk, 301, location, {},
      `${describeRequest(request)}: virtual host "${virtualHost.name}" requires TLS (require_tls ALL), so plaintext gets a 301 to ${location}.`);
  }
  const route = selectRoute(virtualHost.routes, request);
  if (route === null) {
    return localReplyOutcome(walk, 404, 'NR', `${describeRequest(request)}: no route in virtual host "${virtualHost.name}" matches: 404 NR.`);
  }
  walk = { ...walk, route: route.name };
  state.lastRoute = route;
  const faults = evaluateFaults(route, rng);
  if (faults.delayed) walk = { ...walk, delayUs: walk.delayUs + faults.delayUs, flags: [...walk.flags, 'DI'] };
  if (faults.abort !== null) {
    const headers = applyHeaderLevels(faults.abort.responseHeaders, [route.responseHeaders]);
    return localReplyOutcome(walk, faults.abort.status, 'FI',
      `${describeRequest(request)} matched ${describeRoute(route)}, whose fault injection aborted it with ${faults.abort.description} (FI).`, headers);
  }
  return applyRouteAction(config, call, request, route, walk, state, rng);
}

function handleTcp(
  config: ProxyConfig, call: Call, clusters: readonly { readonly name: string; readonly weight: number }[],
  walkIn: Walk, state: ProxyState, rng: Rng,
): Outcome {
  const target = targetOf(call);
  const chosen = pickWeightedCluster(clusters, rng);
  const walk: Walk = { ...walkIn, cluster: chosen.name };
  const resolution = resolveEndpoint(config, chosen.name, call, state, rng);
  switch (resolution.kind) {
    case 'cluster-not-found':
      return resetOutcome(walk, 'NC', `${call.protocol} to ${target}: this proxy has no cluster "${chosen.name}", so tcp_proxy closes the connection (NC).`);
    case 'no-endpoint':
      return resetOutcome(walk, 'UH', chosen.name === BLACKHOLE_CLUSTER
        ? `${call.protocol} to ${target} goes to BlackHoleCluster (REGISTRY_ONLY or loop protection): the connection is reset.`
        : `${call.protocol} to ${target}: cluster "${chosen.name}" has no healthy endpoint, so tcp_proxy closes the connection (UH).`);
    case 'endpoint': {
      const admission = admitUpstream(state, resolution.cluster, resolution.endpoint, 'tcp');
      // tcp_proxy over max_connections: UO, the downstream connection is closed.
      if (admission.kind === 'overflow') return resetOutcome(walk, 'UO', `${call.protocol} to ${target}: ${admission.reason}, so tcp_proxy closes the connection (UO).`);
      return forwardedOutcome(walk, resolution.endpoint, call.request ?? null, {},
        `${call.protocol} to ${target} is proxied by cluster "${chosen.name}" to ${describeEndpoint(resolution.endpoint)}.`, admission.hold);
    }
    default:
      return unreachable(resolution, 'endpoint resolution');
  }
}

/**
 * A shadow copy (a forwarded outcome's `mirrors`) from this proxy straight to its mirror cluster: the
 * endpoint the cluster's load balancer picks, as Envoy's shadow writer sends it through the cluster's
 * async client. `sourceIp` is the proxy's own address.
 */
export function handleShadow(
  config: ProxyConfig, clusterName: string, request: HttpRequest, sourceIp: string, state: ProxyState, rng: Rng,
): Outcome {
  // The async client has no downstream connection: no original destination (0.0.0.0:0 stands in).
  const call: Call = { destinationIp: '0.0.0.0', destinationPort: 0, protocol: 'http', request, sourceIp };
  assertCall(call);
  state.lastRoute = null;
  const asked = `Shadow copy ${describeRequest(request)}`;
  const walk: Walk = { ...WALK_START, cluster: clusterName };
  const cluster = clusterNamed(config, clusterName);
  if (cluster === undefined) {
    return localReplyOutcome(walk, 503, 'NC', `${asked}: this proxy has no cluster "${clusterName}", so Envoy sends no shadow (shadow cluster does not exist).`);
  }
  const resolution = cluster.discovery === 'ORIGINAL_DST' ? { kind: 'no-endpoint' as const } : resolveEndpoint(config, clusterName, call, state, rng);
  switch (resolution.kind) {
    case 'cluster-not-found':
    case 'no-endpoint':
      return localReplyOutcome(walk, NO_HEALTHY_UPSTREAM_STATUS, 'UH', `${asked}: mirror cluster "${clusterName}" has no healthy endpoint: 503 UH, which nobody reads.`);
    case 'endpoint': {
      const admission = admitUpstream(state, resolution.cluster, resolution.endpoint, 'http');
      if (admission.kind === 'overflow') {
        return localReplyOutcome(walk, NO_HEALTHY_UPSTREAM_STATUS, 'UO', `${asked}: mirror cluster "${clusterName}" chose ${describeEndpoint(resolution.endpoint)}, but ${admission.reason}: 503 UO, which nobody reads.`);
      }
      return forwardedOutcome(walk, resolution.endpoint, request, {},
        `${asked} goes from the router's shadow writer straight to mirror cluster "${clusterName}" (no listener or route), endpoint ${describeEndpoint(resolution.endpoint)}; its response is ignored.`, admission.hold);
    }
    default:
      return unreachable(resolution, 'endpoint resolution');
  }
}
