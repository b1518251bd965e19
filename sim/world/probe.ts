/**
 * `probe`: one request through the mesh at rest, hop by hop, as a value (Istio's own simulation.Run,
 * extended over the whole path): the client's sidecar (outbound), or kube-proxy for a client without
 * one, then the destination pod's sidecar (inbound) or gateway, up to the app, which answers 200.
 *
 * Rules:
 * - a workload source uses its first pod (by name); `external` is a client outside the cluster whose
 *   request enters through a Service (kube-proxy picks an endpoint; a gateway pod then routes it);
 * - a gateway workload as source starts at that gateway's listener on the URL's port, with the URL's
 *   host as authority;
 * - without a sidecar, traffic to a Service address goes to one of its endpoints at random (kube-proxy),
 *   so VirtualServices do not apply;
 * - an endpoint outside the mesh (PassthroughCluster, DNS endpoints) answers 200;
 * - `jwt` becomes `Authorization: Bearer <jwt>`; `jwtClaims` a stand-in token (probe-jwt.ts) the
 *   session's verifier accepts; JWT signatures are checked by the verifier handed in at construction
 *   and expiry against its `nowSeconds` (the edge's clock; the simulator keeps none);
 * - `extAuthz` gives the ext_authz providers' answers (absent: deny);
 * - `jwt`, `authz` report the destination's filters, else — when the destination has none or the
 *   request ended at a gateway — the gateway's; `mtls` is the destination pod's only.
 *
 * In a run a probe is one attempt at an instant (`nowUs`): each proxy sees its outlier ejections and
 * connection pools then (sim/proxy/upstream-resilience.ts), the result lists the pool slots the
 * attempt holds, and the run hands each back with `finished` when the attempt ends. At rest (no
 * `nowUs`) nothing is held and no host is ejected.
 *
 * Mirrors: a proxy that shadows the request (route-action.ts) lists each copy in the result's `mirrors`;
 * at rest that is all (the copy's answer is ignored, so it changes nothing the probe shows). `shadow`
 * walks one copy, as a run sends it: from the mirroring proxy straight to the mirror cluster's endpoint
 * (engine.ts handleShadow: no listener, no route), then on as any request (the destination pod's
 * sidecar inbound, the app).
 *
 * Invariants: pure given the Rng and the per-proxy states; never throws for a user mistake (it returns a
 * ProbeError with the nearest names that exist).
 *
 * Not modelled: retries and timeouts in time (traffic.ts has them), response bodies.
 */
import type { Rng } from '../core/prng.ts';
import { assert } from '../core/assert.ts';
import { checkFastPath } from '../proxy/check-fast-path.ts';
import { FlowPlans } from './flow-plans.ts';
import type { TrailHop } from './flow-plans.ts';
import { handleCall, handleShadow } from '../proxy/engine.ts';
import { WALK_START, refusedOutcome } from '../proxy/outcome.ts';
import type { InboundOptions } from '../proxy/inbound-security.ts';
import type { JwtVerifier } from '../proxy/jwt.ts';
import type { InboundSecurity, Outcome } from '../proxy/outcome.ts';
import { createProxyState } from '../proxy/proxy-state.ts';
import type { ProxyState } from '../proxy/proxy-state.ts';
import type { OutlierResult } from '../proxy/outlier-detection.ts';
import { releaseUpstream, retryAllowed, retrySlot } from '../proxy/upstream-resilience.ts';
import type { Release } from '../proxy/upstream-resilience.ts';
import type { Call, HttpRequest } from '../proxy/request.ts';
import { podByIp, serviceByAddress } from '../topology/lookup.ts';
import type { PodInfo, Topology } from '../topology/model.ts';
import type { ProxyConfig } from '../xds/proxy-config.ts';
import { nearestNames, resolveName, unknownHostError } from './resolve-host.ts';
import { parseProbeUrl } from './probe-types.ts';
import type { ProbeDestination, ProbeError, ProbeHold, ProbeHop, ProbeMirror, ProbeRequest, ProbeResult, ProbeUrl } from './probe-types.ts';
import { kubeProxyHop, outcomeHop, upstreamConnection } from './probe-hops.ts';
import { authzOf, destinationOf, flagsOf, withGatewaySecurity } from './probe-result.ts';
import { standInToken, standInVerifier } from './probe-jwt.ts';
const HOPS_MAX = 8;
const URLS_REMEMBERED_MAX = 10_000;
/** The address an external client connects from (TEST-NET-2, RFC 5737). */
const EXTERNAL_CLIENT_IP = '198.51.100.10';

/** What the edge hands a probe session: the JWT signature check and the clock for token expiry. */
export interface ProbeOptions {
  /** Checks JWT signatures (keys, crypto) at the edge; absent or null: no token verifies (401). */
  readonly verifier?: JwtVerifier | null;
  /** Seconds since the Unix epoch for JWT `exp`/`nbf` (default 0). */
  readonly nowSeconds?: number;
  /** The stream for outlier detection's draws (default: a fork of the session's stream). */
  readonly outlierRng?: Rng;
  /**
   * Check mode: every hop's remembered and indexed choices are made again by the reference code
   * (proxy/check-fast-path.ts) and the topology lookups by a scan; a difference is an assertion.
   */
  readonly check?: boolean;
  /**
   * Whether results carry every proxy's sentence (default true, what `meshsim probe` prints). A run
   * reads none: false leaves a forwarded hop's reason empty (proxy-state.ts `explain`).
   */
  readonly explain?: boolean;
  /**
   * Whether a run's steady flows go by plan (flow-plans.ts) once their walks have shown every endpoint
   * (default false; needs the view's `planEpoch`). Check mode walks every request and compares.
   */
  readonly flowPlans?: boolean;
}

/**
 * What a walk reads: the topology and each proxy's config as it is now. A Mesh at rest is one; a
 * simulation in time hands the config each proxy has received so far (null: none yet).
 */
export interface MeshView {
  readonly topology: Topology;
  proxyConfig(pod: PodInfo): ProxyConfig | null;
  /** An address whose pod is gone (terminated in a run): connections to it fail. */
  isGone?(address: string): boolean;
  /** Why a connection attempt by `from`'s proxy to `to` (null: outside the mesh) fails now (a fault), and after how long; null: it does not. */
  connectFails?(from: PodInfo, to: PodInfo | null): { readonly reason: string; readonly delayUs: number } | null;
  /** The pod shown with this address, as `podByIp(topology.pods, address)` finds it (a run answers without building the list). */
  podAt?(address: string): PodInfo | undefined;
  /** The pod's workload certificate is past notAfter (a fault): every mTLS handshake with it fails. */
  certificateExpired?(pod: PodInfo): boolean;
  /**
   * The epoch of the proxies' configs (it moves whenever a proxy applies config, comes or goes), or
   * null while a fault could fail a connection (a link fault, a node down, an expired certificate).
   */
  planEpoch?(): number | null;
}

/** One probe session: the mesh, the seeded stream, and each proxy's load-balancer state. */
export class ProbeSession {
  private readonly states = new Map<string, ProxyState>();
  private readonly urls = new Map<string, ProbeUrl | ProbeError>();
  /** Names resolved per namespace, and the errors of those that did not (a "nearest" hint costs an edit distance per name), per service list (resolve() runs first). */
  private resolved: { services: readonly unknown[]; byNamespace: Map<string, Map<string, string | null>>; unknown: Map<string, ProbeError>; count: number } = { services: [], byNamespace: new Map(), unknown: new Map(), count: 0 };
  /** Per probe request without a token: its HTTP request and inbound options (`prepared`). */
  private readonly preparedRequests = new WeakMap<ProbeRequest, Prepared>();
  /** The parts of cluster names (`outbound|port|subset|host`), split once per name. */
  private readonly clusterNameParts = new Map<string, readonly string[]>();
  readonly mesh: MeshView;
  private readonly rng: Rng;
  private readonly outlierRng: Rng;
  private readonly options: ProbeOptions;
  /** A run's flow plans (null: every request walks). */
  private readonly plans: FlowPlans | null;

  constructor(mesh: MeshView, rng: Rng, options: ProbeOptions = {}) {
    this.mesh = mesh;
    this.rng = rng;
    this.outlierRng = options.outlierRng ?? rng.fork('outlier-detection');
    this.options = options;
    this.plans = options.flowPlans === true && mesh.planEpoch !== undefined ? new FlowPlans(rng) : null;
  }

  /** A run's attempts that went by plan so far (flow-plans.ts). */
  get plannedAttempts(): number {
    return this.plans?.planned ?? 0;
  }

  /**
   * One request. `source` names the exact client pod (null: outside the cluster) instead of
   * `request.from`'s first pod, as a simulation in time does when it spreads load over a workload's pods.
   * `nowUs`: the instant of this attempt in a run (absent at rest). `holds`: in a run, the list the
   * pool slots this attempt takes go to (the result then carries none; absent: the result's `holds`).
   */
  probe(request: ProbeRequest, source?: PodInfo | null, nowUs?: number, holds?: ProbeHold[]): ProbeResult | ProbeError {
    // A steady flow in a run goes by its plan (flow-plans.ts; a plan exists only for a request the
    // checks below let through); check mode walks it and compares.
    const epoch = this.plans === null || source == null || nowUs === undefined ? null : this.mesh.planEpoch!();
    if (epoch !== null && this.options.check !== true) {
      const planned = this.plans!.attempt(request, source!, nowUs!, epoch, this.mesh.topology, holds ?? null);
      if (planned !== null) return planned;
    }
    const url = this.parsedUrl(request.url);
    if ('error' in url) return url;
    if (request.jwt !== undefined && request.jwtClaims !== undefined) {
      return { error: 'a probe takes a token (jwt) or stand-in claims (jwtClaims), not both', hint: 'Send a signed token with jwt, or claims whose signature is taken as good with jwtClaims.' };
    }
    const named = source === undefined ? this.sourceOf(request.from) : { pod: source, gateway: source !== null && source.proxy === 'gateway' };
    if ('error' in named) return named;
    const trail: RunContext['trail'] = epoch === null || named.gateway || request.jwt !== undefined || request.jwtClaims !== undefined ? null : { first: null, hops: [] };
    const run: RunContext = { nowUs: nowUs ?? null, holds: holds ?? [], holdsApart: holds !== undefined, mirrors: [], trail };
    const result = this.send(request, url, named, run);
    if (trail === null || trail.first === null || 'error' in result) return result;
    const learned = { first: trail.first, hops: trail.hops, holds: run.holds };
    if (this.options.check === true) this.plans!.check(request, source!, epoch!, this.mesh.topology, learned, result);
    this.plans!.record(request, source!, epoch!, this.mesh.topology, learned, result);
    return result;
  }

  /**
   * One shadow copy (from a result's `mirrors`), as a run sends it: from the proxy that mirrored the
   * request straight to the mirror cluster's endpoint, then on to the destination's sidecar and app.
   * The copy matches no route, so it has no retry policy, no timeout and no mirrors of its own.
   * `holds`: as for `probe`.
   */
  shadow(mirror: ProbeMirror, nowUs?: number, holds?: ProbeHold[]): ProbeResult | ProbeError {
    const pod = this.mesh.topology.pods.find((p) => `${p.name}.${p.namespace}` === mirror.proxy);
    if (pod === undefined) return { error: `no pod ${mirror.proxy} to send the shadow copy from`, hint: 'A shadow copy leaves from the proxy that mirrored the request; that pod is gone.' };
    const run: RunContext = { nowUs: nowUs ?? null, holds: holds ?? [], holdsApart: holds !== undefined, mirrors: [], trail: null };
    const { method, scheme, authority, path, headers } = mirror.upstream;
    const first: Call = { destinationIp: '0.0.0.0', destinationPort: 0, protocol: 'http', request: { method, scheme, authority, path, headers: { ...headers } }, sourceIp: pod.ip };
    const inbound: InboundOptions = { jwtVerifier: this.options.verifier ?? null, nowSeconds: this.options.nowSeconds ?? 0, extAuthz: () => undefined };
    const walked = this.walk(pod, first, inbound, { security: null }, run, mirror.cluster);
    return run.holds.length === 0 || run.holdsApart ? walked : { ...walked, holds: run.holds };
  }

  /**
   * A run's attempt ended: `hold` goes back to its proxy's pool (`waiting`: it never got a connection)
   * and `result` (null: none) to the cluster's outlier detector. Returns the request the freed
   * connection took, if any, and the detector's events.
   */
  finished(hold: ProbeHold, waiting: boolean, result: OutlierResult | null, nowUs: number): Release {
    return releaseUpstream(hold.route?.state ?? this.stateOf(hold.proxy), hold, waiting, result, nowUs, this.outlierRng);
  }

  /** max_retries of the pool `hold` is in: may a retry start (`take` it), or one ends (`free` it)? */
  retryBudget(hold: ProbeHold, action: 'ask' | 'take' | 'free'): boolean {
    const state = this.stateOf(hold.proxy);
    if (action === 'ask') return retryAllowed(state, hold.pool);
    retrySlot(state, hold.pool, action === 'take');
    return true;
  }

  private send(request: ProbeRequest, url: ProbeUrl, source: { pod: PodInfo | null; gateway: boolean }, run: RunContext): ProbeResult | ProbeError {
    const namespace = source.pod?.namespace ?? 'default';
    const address = source.gateway ? source.pod!.ip : this.resolve(url.host, namespace, source.pod === null);
    if (address === null) return this.unknownHost(url.host, namespace);
    const standIn = request.jwtClaims === undefined ? null : standInToken(request.jwtClaims);
    const { http, inbound } = standIn === null && request.jwt === undefined ? this.prepared(request, url) : this.prepare(request, url, standIn);
    const call: Call = url.scheme === 'http' || url.scheme === 'https'
      ? { destinationIp: address, destinationPort: url.port, protocol: url.scheme === 'https' ? 'tls' : 'http', request: http, ...(url.scheme === 'http' ? {} : { sni: request.sni ?? url.host }) }
      : { destinationIp: address, destinationPort: url.port, protocol: url.scheme === 'tcp' ? 'tcp' : 'tls', ...(request.sni === undefined && url.scheme === 'tcp' ? {} : { sni: request.sni ?? url.host }) };
    // A raw client outside the mesh chooses its own transport (--tls); a proxy decides for its own pod.
    const first: Call = source.pod === null ? { ...call, transport: request.tls ?? 'plaintext', sourceIp: EXTERNAL_CLIENT_IP } : { ...call, sourceIp: source.pod.ip };
    const gateway: GatewaySecurity = { security: null };
    if (run.trail !== null) run.trail.first = first;
    const walked = withGatewaySecurity(this.walk(source.pod, first, inbound, gateway, run), gateway.security);
    const mirrored = run.mirrors.length === 0 ? walked : { ...walked, mirrors: run.mirrors };
    const result = run.holds.length === 0 || run.holdsApart ? mirrored : { ...mirrored, holds: run.holds };
    if (standIn === null || result.jwt === null) return result;
    const reason = result.jwt.outcome === 'authenticated' ? `${result.jwt.reason} (A stand-in from jwtClaims: its signature was taken as good.)` : result.jwt.reason;
    return { ...result, jwt: { ...result.jwt, standIn: true, reason } };
  }

  /**
   * The HTTP request and the inbound options a probe request makes (headers lower-cased, Host as the
   * authority, a token as Authorization, the ext_authz answers). Without a token they depend on the
   * request alone: remembered per request object (a run sends one object per traffic entry); requests
   * are values, never edited, so sharing them is safe.
   */
  private prepared(request: ProbeRequest, url: ProbeUrl): Prepared {
    const known = this.preparedRequests.get(request);
    if (known !== undefined && known.url === url) return known;
    const made = this.prepare(request, url, null);
    this.preparedRequests.set(request, made);
    return made;
  }

  private prepare(request: ProbeRequest, url: ProbeUrl, standIn: string | null): Prepared {
    const headers = lowerKeys(request.headers ?? {});
    const authority = headers['host'] ?? url.authority;
    delete headers['host'];
    const token = request.jwt ?? standIn;
    if (token !== null) headers['authorization'] = `Bearer ${token}`;
    const edge = this.options.verifier ?? null;
    const answers = request.extAuthz ?? {};
    const inbound: InboundOptions = {
      jwtVerifier: standIn === null ? edge : standInVerifier(standIn, request.jwtClaims!, edge),
      nowSeconds: this.options.nowSeconds ?? 0,
      extAuthz: (provider) => (Object.hasOwn(answers, provider) ? answers[provider] : undefined),
    };
    const http: HttpRequest = { method: request.method ?? 'GET', scheme: url.scheme === 'https' ? 'https' : 'http', authority, path: url.path, headers };
    return { url, http, inbound };
  }

  private partsOf(clusterName: string): readonly string[] {
    let parts = this.clusterNameParts.get(clusterName);
    if (parts === undefined) {
      parts = clusterName.split('|');
      if (this.clusterNameParts.size < URLS_REMEMBERED_MAX) this.clusterNameParts.set(clusterName, parts);
    }
    return parts;
  }

  /** A run sends many requests to few URLs: each parsed once per session. */
  private parsedUrl(text: string): ProbeUrl | ProbeError {
    let parsed = this.urls.get(text);
    if (parsed === undefined) {
      parsed = parseProbeUrl(text);
      if (this.urls.size < URLS_REMEMBERED_MAX) this.urls.set(text, parsed);
    }
    return parsed;
  }

  private sourceOf(from: string): { pod: PodInfo | null; gateway: boolean } | ProbeError {
    if (from === 'external') return { pod: null, gateway: false };
    const [namespace, workload] = from.includes('/') ? from.split('/', 2) as [string, string] : ['default', from];
    const pods = this.mesh.topology.pods.filter((p) => p.namespace === namespace && p.workload === workload);
    const pod = [...pods].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))[0];
    if (pod === undefined) {
      const known = this.mesh.topology.workloads.map((w) => `${w.namespace}/${w.name}`);
      return { error: `no workload ${namespace}/${workload} in the mesh`, hint: `Name a Deployment, StatefulSet, DaemonSet or Pod as NS/NAME, or "external". Nearest: ${nearestNames(`${namespace}/${workload}`, known).join(', ')}.` };
    }
    return { pod, gateway: pod.proxy === 'gateway' };
  }

  /**
   * Name resolution, remembered per (services list, namespace, host): cluster DNS answers the same until
   * the services change, and a run resolves the same few names for every request.
   */
  private resolve(host: string, namespace: string, external: boolean): string | null {
    const services = this.mesh.topology.services;
    if (this.resolved.services !== services || this.resolved.count >= URLS_REMEMBERED_MAX) {
      this.resolved = { services, byNamespace: new Map(), unknown: new Map(), count: 0 };
    }
    let byHost = this.resolved.byNamespace.get(namespace);
    if (byHost === undefined) {
      byHost = new Map();
      this.resolved.byNamespace.set(namespace, byHost);
    }
    const key = external ? ` ${host}` : host;
    const known = byHost.get(key);
    if (known !== undefined) return known;
    const address = this.resolveUncached(host, namespace, external);
    byHost.set(key, address);
    this.resolved.count += 1;
    return address;
  }

  private resolveUncached(host: string, namespace: string, external: boolean): string | null {
    const direct = resolveName(this.mesh.topology, host, namespace);
    if (direct !== null) return direct.address;
    if (!external) return null;
    // From outside the cluster a bare Service name is not resolvable; accept a name unique in the mesh.
    const matches = this.mesh.topology.services.filter((s) => s.name === host && s.kind !== 'ServiceEntry' && s.address !== null);
    return matches.length === 1 ? matches[0]!.address : null;
  }

  private unknownHost(host: string, namespace: string): ProbeError {
    const key = `${namespace} ${host}`;
    const error = this.resolved.unknown.get(key) ?? unknownHostError(this.mesh.topology, host, namespace);
    this.resolved.unknown.set(key, error);
    return error;
  }

  private stateOf(proxyId: string): ProxyState {
    let state = this.states.get(proxyId);
    if (state === undefined) {
      state = createProxyState(this.options.explain !== false, proxyId);
      this.states.set(proxyId, state);
    }
    return state;
  }

  /** One proxy's part; `shadowCluster`: this is a shadow copy leaving the proxy for that cluster (handleShadow). */
  private through(pod: PodInfo, call: Call, direction: 'outbound' | 'inbound', inbound: InboundOptions, run: RunContext, shadowCluster: string | null = null): Outcome {
    const config = this.mesh.proxyConfig(pod);
    // A sidecar or gateway that has no config yet listens on nothing: iptables sends the connection to
    // a port where no listener is bound, so it is refused.
    if (config === null) return refusedOutcome(WALK_START, `Proxy ${pod.name}.${pod.namespace} has received no config yet: connection refused.`);
    const state = this.stateOf(config.proxy.id);
    state.nowUs = run.nowUs;
    const outcome = shadowCluster !== null && call.request !== undefined
      ? handleShadow(config, shadowCluster, call.request, pod.ip, state, this.rng)
      : handleCall(config, call, state, this.rng, direction, inbound);
    if (this.options.check === true && shadowCluster === null) checkFastPath(config, call, direction, outcome);
    run.trail?.hops.push({ pod, config, state, outcome, route: state.lastRoute });
    if (outcome.hold !== undefined) run.holds.push(outcome.hold);
    return outcome;
  }

  /**
   * Follows the call from the client to the app, one proxy at a time; a gateway's security verdict goes to
   * `gateway`, shadow copies the proxies send to `run.mirrors`. `shadowCluster`: the call is a shadow copy
   * the client's proxy sends straight to that cluster.
   */
  private walk(client: PodInfo | null, first: Call, inbound: InboundOptions, gateway: GatewaySecurity, run: RunContext, shadowCluster: string | null = null): ProbeResult {
    const trace: ProbeHop[] = [];
    let call = first;
    let at: PodInfo | null = client;
    let arriving: 'client' | 'pod' = 'client';
    let destination: ProbeDestination | null = null;
    const response: Record<string, string> = {};
    let last: Outcome | null = null;
    let routed: Outcome | null = null;
    let delayUs = 0;
    for (let hop = 0; hop < HOPS_MAX; hop += 1) {
      const proxied = at !== null && at.proxy !== 'none';
      if (!proxied && arriving === 'pod') {
        // A pod without a sidecar cannot terminate Istio mTLS: the client's handshake fails.
        if (call.transport === 'mtls') return this.upstreamFailure(call, response, delayUs, last, routed, trace, `pod ${at!.namespace}/${at!.name} has no sidecar to terminate Istio mTLS`);
        return this.answer(200, call, destination, response, delayUs, last, routed, trace, undefined, { mtls: false, principal: null, authz: null });
      }
      let next: { pod: PodInfo | null; port: number } | 'outside';
      if (!proxied) {
        const chosen = kubeProxyHop(this.mesh.topology, call, this.rng);
        trace.push(chosen.hop);
        if (chosen.target === null) return this.answer(null, call, null, response, delayUs, last, routed, trace, false);
        next = chosen.target;
        if (chosen.destination !== null) destination = chosen.destination;
      } else {
        const direction = arriving === 'pod' && at!.proxy === 'sidecar' ? 'inbound' : 'outbound';
        const outcome = this.through(at!, call, direction, inbound, run, hop === 0 ? shadowCluster : null);
        last = outcome;
        delayUs += outcome.delayUs;
        Object.assign(response, outcome.responseHeaders);
        trace.push(outcomeHop(at!, outcome, direction === 'inbound' ? 'inbound' : at!.proxy === 'gateway' ? 'gateway' : 'outbound'));
        if (at!.proxy === 'gateway' && outcome.security !== undefined) gateway.security = outcome.security;
        if (direction !== 'inbound') routed = outcome;
        if (outcome.mirrors !== undefined) for (const copy of outcome.mirrors) run.mirrors.push({ proxy: `${at!.name}.${at!.namespace}`, cluster: copy.cluster, upstream: { ...copy.request } });
        // The server's sidecar refused the connection (TLS handshake): the client's proxy, if any, answers.
        if (direction === 'inbound' && outcome.kind === 'reset' && outcome.security !== undefined && outcome.security.authz === null) {
          return this.upstreamFailure(call, response, delayUs, outcome, routed, trace, outcome.reason);
        }
        // A reply from a proxy (404, 503, a fault, a redirect, a reset) means the request reached no app.
        if (outcome.kind !== 'forwarded') return this.answer(outcome.status, call, null, response, delayUs, outcome, routed, trace, undefined, outcome.security ?? null);
        if (direction === 'inbound') return this.answer(200, outcome.upstream === null ? call : { ...call, request: outcome.upstream }, destination, response, delayUs, outcome, routed, trace, undefined, outcome.security ?? null);
        const endpoint = outcome.endpoint!;
        const target = this.mesh.podAt !== undefined ? this.mesh.podAt(endpoint.address) : podByIp(this.mesh.topology.pods, endpoint.address);
        if (this.options.check === true) {
          assert(target === this.mesh.topology.pods.find((p) => p.ip === endpoint.address), () => `check mode: the pod index disagrees with a scan for ${endpoint.address}`);
        }
        // An endpoint the proxy still holds for a pod that is gone: the connection fails (503 UF).
        if (target === undefined && this.mesh.isGone?.(endpoint.address) === true) {
          return this.upstreamFailure(call, response, delayUs, outcome, outcome, trace, `endpoint ${endpoint.address}:${endpoint.port} belongs to a pod that is gone: the connection fails`);
        }
        // A fault on the way (a partition, loss): the connection attempt fails (503 UF).
        const fails = this.mesh.connectFails?.(at!, target ?? null) ?? null;
        if (fails !== null) return this.upstreamFailure(call, response, delayUs + fails.delayUs, outcome, outcome, trace, fails.reason);
        destination = destinationOf(outcome, target ?? null, this.partsOf(outcome.cluster ?? ''));
        next = target === undefined ? 'outside' : { pod: target, port: endpoint.port };
        // An HTTP connection manager originates a new HTTP request upstream (TLS it terminated stays behind).
        if (outcome.upstream !== null) call = { destinationIp: call.destinationIp, destinationPort: call.destinationPort, protocol: 'http', request: outcome.upstream };
        // What the proxy puts on the wire to that endpoint: the cluster's TLS, or auto mTLS per endpoint.
        call = upstreamConnection(this.mesh.proxyConfig(at!), outcome.cluster ?? '', endpoint, call, at!.identity, at!.ip);
        // Envoy checks the peer certificate's validity in the handshake, both ways (CERTIFICATE_VERIFY_FAILED).
        const expired = call.transport === 'mtls' ? [at!, target].find((p) => p !== undefined && this.mesh.certificateExpired?.(p) === true) : undefined;
        if (expired !== undefined) return this.upstreamFailure(call, response, delayUs, outcome, outcome, trace, `the certificate of ${expired.namespace}/${expired.workload} has expired: the mTLS handshake fails (CERTIFICATE_VERIFY_FAILED)`);
        // Passthrough to a Service address (a host the sidecar does not know): kube-proxy takes it on.
        if (target === undefined && serviceByAddress(this.mesh.topology.services, endpoint.address, true) !== null) {
          const chosen = kubeProxyHop(this.mesh.topology, { ...call, destinationIp: endpoint.address, destinationPort: endpoint.port }, this.rng, true);
          trace.push(chosen.hop);
          if (chosen.target === null) return this.answer(null, call, null, response, delayUs, last, routed, trace, false);
          next = chosen.target;
          if (chosen.destination !== null) destination = chosen.destination;
        }
      }
      if (next === 'outside') return this.answer(200, call, destination, response, delayUs, last, routed, trace);
      call = { ...call, destinationIp: next.pod!.ip, destinationPort: next.port };
      at = next.pod;
      arriving = 'pod';
    }
    // More proxies than a mesh path has: a routing loop; Envoy would eventually reset it.
    return this.answer(null, call, null, response, delayUs, last, routed, trace, false);
  }

  /**
   * The server end failed the connection (TLS handshake). A client-side proxy that routed an HTTP request
   * answers 503 UF (Envoy's "upstream connect error or disconnect/reset before headers"); a client
   * without one sees the connection reset.
   */
  private upstreamFailure(call: Call, response: Record<string, string>, delayUs: number, last: Outcome | null, routed: Outcome | null, trace: ProbeHop[], reason: string): ProbeResult {
    if (routed !== null && routed.kind === 'forwarded' && call.request !== undefined) {
      trace.push({ ...trace[trace.length - 1]!, flags: ['UF'], reason: `${reason}: the client's proxy answers 503 (upstream connect error or disconnect/reset before headers, UF).` });
      return { ...this.answer(503, call, null, response, delayUs, last, routed, trace, true), flags: [...new Set([...trace.flatMap((h) => h.flags)])] };
    }
    return this.answer(null, call, null, response, delayUs, last, routed, trace, false);
  }

  private answer(status: number | null, call: Call, destination: ProbeDestination | null, response: Record<string, string>, delayUs: number,
    last: Outcome | null, routed: Outcome | null, trace: ProbeHop[], connected = last === null ? true : last.connected, security: InboundSecurity | null = null): ProbeResult {
    const request = call.request;
    // A TCP or TLS connection that reached its app carries no HTTP status (HTTPS does: the app answers).
    return {
      status: call.request !== undefined || status !== 200 ? status : null,
      connected,
      flags: flagsOf(trace),
      destination,
      mtls: security === null ? null : security.mtls,
      jwt: security?.jwt == null ? null : { ...security.jwt, standIn: false },
      authz: security?.authz == null ? null : authzOf(security.authz),
      upstream: request === undefined || destination === null ? null : { method: request.method, authority: request.authority, path: request.path, headers: request.headers },
      response: { headers: response },
      delayMs: delayUs / 1000,
      retry: routed?.retry == null ? null : { attempts: routed.retry.attempts, perTryTimeoutMs: routed.retry.perTryTimeoutUs === null ? null : routed.retry.perTryTimeoutUs / 1000, retryOn: routed.retry.retryOn },
      timeoutMs: routed?.timeoutUs == null ? null : routed.timeoutUs / 1000,
      trace,
    };
  }
}

interface GatewaySecurity { security: InboundSecurity | null }

/** What a probe request becomes before it is sent: its parsed URL's HTTP request and inbound options. */
interface Prepared { readonly url: ProbeUrl; readonly http: HttpRequest; readonly inbound: InboundOptions }

/**
 * The instant of a run's attempt (null at rest), the pool slots its proxies took (`holdsApart`: the
 * caller's list, kept off the result), the shadow copies they send, and the trail the flow plans learn
 * from (null: none wanted).
 */
interface RunContext {
  readonly nowUs: number | null;
  readonly holds: ProbeHold[];
  readonly holdsApart: boolean;
  readonly mirrors: ProbeMirror[];
  readonly trail: { first: Call | null; readonly hops: TrailHop[] } | null;
}

function lowerKeys(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = v;
  return out;
}
