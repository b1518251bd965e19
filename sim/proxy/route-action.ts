/**
 * What Envoy's router does once a route matched and the fault filter let the request through: answer
 * directly, redirect, or pick a cluster and an endpoint and send the rewritten request there.
 *
 * Rules followed:
 * - direct_response: its status and body. redirect: its code (Istio default 301) and a Location built
 *   as Envoy's newUri builds it (rewrite.ts).
 * - route: weighted cluster pick; a cluster missing from CDS → the route's cluster_not_found_response_code
 *   (Istio 503, Gateway API 500), flag NC; no healthy endpoint → 503 "no healthy upstream", flag UH;
 *   in a run, the cluster's connection pool full → 503 UO (upstream-resilience.ts).
 * - The upstream request (RouteEntryImplBase::finalizeRequestHeaders, WeightedClusterEntry first):
 *   weighted-cluster header ops, the weighted cluster's host rewrite, route header ops, the route's
 *   host rewrite (so a route-level authority rewrite beats a destination-level one, istio-semantics §9
 *   item 7), then the path rewrite (prefix_rewrite or regex_rewrite).
 * - Response header ops: weighted cluster then route (finalizeResponseHeaders). Envoy also applies the
 *   route's ops to local replies after a route matched (direct, redirect, fault abort: route level;
 *   NC/UH from the router: weighted cluster and route level); `responseHeaders` carries them.
 * - The route's hash policies give the request's key (hash-policy.ts), which a RING_HASH or MAGLEV
 *   cluster hashes whichever weighted cluster was picked; other policies ignore it.
 * - The route's retry policy and timeout are recorded on the outcome for display; they act later.
 * - Mirrors (request_mirror_policies; Envoy router.cc Filter::decodeHeaders, shadow_writer_impl.cc): a
 *   request the router sends on is shadowed to each policy whose runtime fraction passes. The fraction
 *   is checked against one value per request (Envoy passes the stream id as `stable_random`, so every
 *   policy of the route compares the same number: `value % 1_000_000 < ppm`); CONNECT is never shadowed;
 *   a policy whose cluster the proxy does not have sends nothing (ShadowWriterImpl::shadow). The copy is
 *   the request as it leaves (header ops and rewrites applied) with `-shadow` appended to its host (Istio
 *   never sets disable_shadow_host_suffix_append). Sending it is the caller's (engine.ts handleShadow).
 *
 * Invariants: draws: one for a weighted pick (two or more clusters), then the load balancer's, then one
 * for the mirror fractions when the route has mirror policies and the request is sent on; redirect
 * codes are 3xx.
 *
 * Not modelled: shadows of requests the router does not send on (NC, UH, UO: Envoy's non-streaming
 * shadow skips an immediate reset), mirror runtime keys and trace sampling, retries and timeouts in
 * time, CORS, x-forwarded-* / x-request-id / x-envoy-* headers Envoy adds, an upstream `:scheme` rewrite.
 */
import { assert, unreachable } from '../core/assert.ts';
import { PERCENT_RATIO_DENOMINATOR } from '../core/prng.ts';
import type { Rng } from '../core/prng.ts';
import type { ProxyConfig } from '../xds/proxy-config.ts';
import { clusterNamed } from '../xds/proxy-config.ts';
import type { Route, RouteAction, WeightedCluster } from '../xds/route.ts';
import { requestHashKey } from './hash-policy.ts';
import { applyHeaderLevels } from './header-ops.ts';
import { matchedPathLength } from './match/route.ts';
import { directOutcome, forwardedOutcome, localReplyOutcome, redirectOutcome } from './outcome.ts';
import type { MirrorCopy, Outcome, Walk } from './outcome.ts';
import type { ProxyState } from './proxy-state.ts';
import type { Call, HttpRequest } from './request.ts';
import { prefixRewrite, redirectLocation, regexRewrite } from './rewrite.ts';
import { describeEndpoint, pickWeightedCluster, resolveEndpoint } from './upstream-cluster.ts';
import { admitUpstream } from './upstream-resilience.ts';

type ForwardAction = Extract<RouteAction, { kind: 'route' }>;

export const NO_HEALTHY_UPSTREAM_STATUS = 503;

export function applyRouteAction(
  config: ProxyConfig, call: Call, request: HttpRequest, route: Route, walk: Walk, state: ProxyState, rng: Rng,
): Outcome {
  const action = route.action;
  switch (action.kind) {
    case 'direct':
      return directOutcome(walk, action.status, action.body, applyHeaderLevels({}, [route.responseHeaders]),
        `${describeRequest(request)} matched ${describeRoute(route)}, which answers directly with ${action.status}.`);
    case 'redirect': {
      assert(Number.isSafeInteger(action.code) && action.code >= 300 && action.code <= 399,
        () => `redirect code ${action.code} is not 3xx`);
      const location = redirectLocation(action, request, matchedPathLength(route.match, request.path), call.destinationPort);
      return redirectOutcome(walk, action.code, location, applyHeaderLevels({}, [route.responseHeaders]),
        `${describeRequest(request)} matched ${describeRoute(route)}, which redirects with ${action.code} to ${location}.`);
    }
    case 'route':
      return forwardHttp(config, call, request, route, action, walk, state, rng);
    default:
      return unreachable(action, 'route action');
  }
}

function forwardHttp(
  config: ProxyConfig, call: Call, request: HttpRequest, route: Route, action: ForwardAction,
  walkIn: Walk, state: ProxyState, rng: Rng,
): Outcome {
  const chosen = pickWeightedCluster(action.clusters, rng);
  const walk: Walk = { ...walkIn, cluster: chosen.name, retry: action.retry, timeoutUs: action.timeoutUs };
  const responseHeaders = applyHeaderLevels({}, [chosen.responseHeaders, route.responseHeaders]);
  const resolution = resolveEndpoint(config, chosen.name, call, state, rng, requestHashKey(action.hashPolicies, call, request));
  switch (resolution.kind) {
    case 'cluster-not-found':
      return localReplyOutcome(walk, action.clusterNotFoundStatus, 'NC',
        `${describeRequest(request)} matched ${describeRoute(route)}, but this proxy has no cluster "${chosen.name}" (not pushed yet, `
        + `or a subset no DestinationRule defines): ${action.clusterNotFoundStatus} NC.`, responseHeaders);
    case 'no-endpoint':
      return localReplyOutcome(walk, NO_HEALTHY_UPSTREAM_STATUS, 'UH',
        `${describeRequest(request)} matched ${describeRoute(route)}, but cluster "${chosen.name}" has no healthy endpoint: 503 UH `
        + '(no healthy upstream).', responseHeaders);
    case 'endpoint': {
      const admission = admitUpstream(state, resolution.cluster, resolution.endpoint, 'http');
      if (admission.kind === 'overflow') {
        // Circuit breaking: the pool fails the stream with Overflow; the router answers 503 UO.
        return localReplyOutcome(walk, NO_HEALTHY_UPSTREAM_STATUS, 'UO',
          `${describeRequest(request)} matched ${describeRoute(route)} and cluster "${chosen.name}" chose ${describeEndpoint(resolution.endpoint)}, but ${admission.reason}: `
          + '503 UO (upstream connect error or disconnect/reset before headers. reset reason: overflow).', responseHeaders);
      }
      const upstream = upstreamRequest(request, route, action, chosen);
      // A run reads no sentence (ProxyState.explain): the one built for every forwarded request is skipped.
      const mirrors = chooseMirrors(config, action, upstream, rng);
      return forwardedOutcome(walk, resolution.endpoint, upstream, responseHeaders, state.explain
        ? `${describeRequest(request)} matched ${describeRoute(route)} and goes to cluster "${chosen.name}", endpoint ${describeEndpoint(resolution.endpoint)}.`
        : '', admission.hold, mirrors);
    }
    default:
      return unreachable(resolution, 'endpoint resolution');
  }
}

/** The request as it leaves: header ops and host rewrites in Envoy's order, then the path rewrite. */
export function upstreamRequest(request: HttpRequest, route: Route, action: ForwardAction, chosen: WeightedCluster): HttpRequest {
  const headers = applyHeaderLevels(request.headers, [chosen.requestHeaders, route.requestHeaders]);
  const authority = action.hostRewrite ?? chosen.hostRewrite ?? request.authority;
  assert(action.prefixRewrite === undefined || action.regexRewrite === undefined,
    () => `route "${route.name}" sets both prefix_rewrite and regex_rewrite (Envoy allows one)`);
  let path = request.path;
  if (action.prefixRewrite !== undefined) {
    path = prefixRewrite(request.path, matchedPathLength(route.match, request.path), action.prefixRewrite);
  } else if (action.regexRewrite !== undefined) {
    path = regexRewrite(request.path, action.regexRewrite.pattern, action.regexRewrite.substitution);
  }
  return { method: request.method, scheme: request.scheme, authority, path, headers };
}

/**
 * The shadow copies of a request the router sends on: one draw for the request, each policy's fraction
 * compared with it, in policy order; none for CONNECT or a route without mirror policies (no draw).
 */
export function chooseMirrors(config: ProxyConfig, action: ForwardAction, upstream: HttpRequest, rng: Rng): MirrorCopy[] {
  if (action.mirrors.length === 0 || upstream.method === 'CONNECT') return [];
  const value = rng.below(PERCENT_RATIO_DENOMINATOR);
  const copies: MirrorCopy[] = [];
  for (const mirror of action.mirrors) {
    assert(Number.isSafeInteger(mirror.ppm) && mirror.ppm >= 0 && mirror.ppm <= PERCENT_RATIO_DENOMINATOR,
      () => `mirror ppm ${mirror.ppm} outside 0..${PERCENT_RATIO_DENOMINATOR}`);
    if (value >= mirror.ppm || clusterNamed(config, mirror.cluster) === undefined) continue;
    copies.push({ cluster: mirror.cluster, request: { ...upstream, authority: shadowAuthority(upstream.authority) } });
  }
  return copies;
}

/** Envoy shadow_writer_impl.cc newHost: `-shadow` after the host, before a port (`reviews:9080` → `reviews-shadow:9080`). */
export function shadowAuthority(authority: string): string {
  const parts = authority.split(':').filter((part) => part !== '');
  return parts.length === 2 ? `${parts[0]}-shadow:${parts[1]}` : `${authority}-shadow`;
}

/** `route "reviews-v2"`, or `an unnamed route` (Istio leaves unnamed http[] routes with name ''). */
export function describeRoute(route: Route): string {
  return route.name === '' ? 'an unnamed route' : `route "${route.name}"`;
}

export function describeRequest(request: HttpRequest): string {
  return `${request.method} ${request.scheme}://${request.authority}${request.path}`;
}
