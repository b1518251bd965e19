/**
 * mTLS generation, both ends: the inbound mode a workload's sidecar enforces (PeerAuthentication
 * composition) and the TLS a client sidecar originates to a cluster (DestinationRule `tls`, auto mTLS).
 * The PeerAuthentication composition itself lives in sim/config/peer-authentication.ts (the analyzers
 * read it too). Pure functions of resources; they mirror, without copying, Istio's
 * - pilot/pkg/security/authn/policy_applier.go ComposePeerAuthentication, GetMutualTLSModeForPort;
 * - pilot/pkg/model/authentication.go getConfigsForWorkload, addPeerAuthentication,
 *   GetNamespaceMutualTLSMode; pilot/pkg/model/push_context.go BestEffortInferServiceMTLSMode;
 * - pilot/pkg/networking/util/util.go GetPortLevelTrafficPolicy, MergeSubsetTrafficPolicy and
 *   pilot/pkg/model/destination_rule.go MergeTrafficPolicy (the CDS view of `tls`);
 * - pilot/pkg/networking/core/cluster_tls.go buildUpstreamTLSSettings, buildUpstreamClusterTLSContext;
 * - pilot/pkg/xds/endpoints/mtls_checker.go checkMtlsEnabled, tlsModeForDestinationRule (the EDS view).
 *
 * Invariants: inputs are never mutated; PeerAuthentications arrive oldest first (ConfigStore.byAge), so
 * "the oldest wins" is "the first wins"; the result never depends on object key order.
 *
 * Not modelled: PeerAuthentications gathered from the namespaces of the workload's Services when those
 * differ from its own (getConfigsForWorkload); `targetRefs`; Sidecar-scoped PeerAuthentication
 * filtering; metadata certificates (ISTIO_MUTUAL rewritten to MUTUAL); HBONE / ambient; the EDS quirk
 * that a DR mode ISTIO_MUTUAL hidden from CDS by a port-level block skips the endpoint's PeerAuthentication
 * check (modelled as plain auto mTLS; it needs a field in UpstreamTls to express).
 */
import type { Resource } from '../config/resource.ts';
import { composePeerAuthentication } from '../config/peer-authentication.ts';
import type { InboundMtls, InboundMtlsMode, UpstreamTls, UpstreamTlsMode } from '../xds/security.ts';

type PeerAuthentication = Resource<'PeerAuthentication'>;

export interface WorkloadRef {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}

const present = (text: string | undefined): text is string => text !== undefined && text !== '';
const keyOf = (r: { namespace: string; name: string }): string => `${r.namespace}/${r.name}`;

/**
 * The inbound mTLS a workload's sidecar enforces, as compiled config: the PeerAuthentication composition
 * (sim/config/peer-authentication.ts: workload > namespace > mesh > PERMISSIVE, portLevelMtls by target port).
 */
export function inboundMtlsFor(peerAuthentications: readonly PeerAuthentication[], workload: WorkloadRef, rootNamespace: string): InboundMtls {
  const composed = composePeerAuthentication(peerAuthentications, workload.namespace, workload.labels, rootNamespace);
  const ports: Record<string, InboundMtlsMode> = {};
  for (const [port, source] of composed.ports) ports[String(port)] = source.mode;
  return { mode: composed.base.mode, ports, source: composed.base.policy === null ? null : keyOf(composed.base.policy) };
}

/** GetMutualTLSModeForPort: the port-level mode for a target port, else the workload mode. */
export function inboundModeForPort(mtls: InboundMtls, targetPort: number): InboundMtlsMode {
  return mtls.ports[String(targetPort)] ?? mtls.mode;
}

export interface ServiceMtlsFacts {
  readonly namespace: string;
  /** ServiceEntry `location: MESH_EXTERNAL`. */
  readonly meshExternal: boolean;
  /** Passthrough resolution (headless), or `loadBalancer.simple: PASSTHROUGH` (see passthroughByDestinationRule). */
  readonly passthrough: boolean;
  /** For each endpoint of the service on this port: does it run a sidecar? Read only when passthrough. */
  readonly endpointSidecars: readonly boolean[];
}

/**
 * The client-side hint for auto mTLS (BestEffortInferServiceMTLSMode): null (MTLSUnknown) for
 * mesh-external services, else DISABLE for passthrough services with any sidecar-less endpoint (or none),
 * else the namespace-level mode of the SERVICE's namespace, else the mesh-level mode, else PERMISSIVE.
 * Workload- and port-level policies are not consulted ("This workload-level beta policy doesn't affect CDS").
 */
export function serviceMtlsModeFor(peerAuthentications: readonly PeerAuthentication[], service: ServiceMtlsFacts, rootNamespace: string): InboundMtlsMode | null {
  // Rule: only in-mesh services get an mTLS hint (MeshExternal → MTLSUnknown, i.e. never auto mTLS).
  if (service.meshExternal) return null;
  // Rule: passthrough (headless / LB PASSTHROUGH) enables mTLS only if ALL endpoints have sidecars (issue 27376).
  if (service.passthrough && (service.endpointSidecars.length === 0 || service.endpointSidecars.some((s) => !s))) return 'DISABLE';
  // Rule: namespace-level, then mesh-level mode (addPeerAuthentication / GetNamespaceMutualTLSMode), else PERMISSIVE.
  return composePeerAuthentication(peerAuthentications, service.namespace, null, rootNamespace).base.mode;
}

// ---- DestinationRule TLS -------------------------------------------------------------------------

interface TlsLike { readonly mode?: string; readonly credentialName?: string; readonly sni?: string }
interface PortPolicyLike { readonly port?: { readonly number?: number }; readonly tls?: TlsLike }
interface PolicyLike {
  readonly tls?: TlsLike;
  readonly loadBalancer?: { readonly simple?: string };
  readonly portLevelSettings?: readonly PortPolicyLike[];
}

/** A present `tls` block without a mode is DISABLE: the proto enum's zero value. */
function tlsMode(tls: TlsLike): UpstreamTlsMode {
  const mode = tls.mode;
  return mode === 'SIMPLE' || mode === 'MUTUAL' || mode === 'ISTIO_MUTUAL' ? mode : 'DISABLE';
}

function subsetPolicy(dr: Resource<'DestinationRule'>, subset: string): PolicyLike | undefined {
  if (subset === '') return undefined;
  return dr.spec.subsets?.find((s) => s.name === subset)?.trafficPolicy;
}

/** GetPortLevelTrafficPolicy: a matching portLevelSettings entry REPLACES the policy (no inheritance). */
function atPort(policy: PolicyLike | undefined, port: number): { tls: TlsLike | undefined; portLevel: boolean } {
  if (policy === undefined) return { tls: undefined, portLevel: false };
  const entry = policy.portLevelSettings?.find((p) => p.port?.number === port);
  return entry === undefined ? { tls: policy.tls, portLevel: false } : { tls: entry.tls, portLevel: true };
}

/** The `tls` CDS builds the cluster with (MergeSubsetTrafficPolicy + MergeTrafficPolicy). */
function cdsTls(dr: Resource<'DestinationRule'>, subset: string, port: number): TlsLike | undefined {
  const top = atPort(dr.spec.trafficPolicy, port);
  const own = subsetPolicy(dr, subset);
  // Rule: no subset policy: the DR's (port-level-resolved) policy applies as is.
  if (own === undefined) return top.tls;
  const sub = atPort(own, port);
  // Rule: subset fields override top-level fields one by one (tls is one field, replaced whole; with no DR
  // policy the subset's is taken whole); a subset port-level entry replaces every field, so its missing tls
  // clears the DR's (TestMergeSubsetTrafficPolicy "do not inherit top-level fields").
  return sub.tls !== undefined || sub.portLevel ? sub.tls : top.tls;
}

/** mtls_checker.go tlsModeForDestinationRule: the mode EDS labels endpoints by (port-level only if it has tls). */
function edsTlsMode(dr: Resource<'DestinationRule'>, subset: string, port: number): UpstreamTlsMode | null {
  const forPort = (policy: PolicyLike | undefined): UpstreamTlsMode | null => {
    if (policy === undefined) return null;
    const entry = policy.portLevelSettings?.find((p) => p.port?.number === port && p.tls !== undefined);
    const tls = entry?.tls ?? policy.tls;
    return tls === undefined ? null : tlsMode(tls);
  };
  if (subset === '') return forPort(dr.spec.trafficPolicy);
  const found = dr.spec.subsets?.find((s) => s.name === subset);
  if (found === undefined) return null;
  // Rule: the subset's mode for the port, else the DR's mode for the port.
  return forPort(found.trafficPolicy) ?? forPort(dr.spec.trafficPolicy);
}

/** `loadBalancer.simple: PASSTHROUGH` as BestEffortInferServiceMTLSMode reads it: the subset's own policy for
 * subset clusters, the DR's top-level policy (not port-level) for the default cluster. */
export function passthroughByDestinationRule(dr: Resource<'DestinationRule'> | null, subset: string): boolean {
  if (dr === null) return false;
  const policy: PolicyLike | undefined = subset === '' ? dr.spec.trafficPolicy : subsetPolicy(dr, subset);
  return policy?.loadBalancer?.simple === 'PASSTHROUGH';
}

export interface UpstreamTlsOptions {
  /** serviceMtlsModeFor's answer; default PERMISSIVE (no PeerAuthentication anywhere). */
  readonly serviceMtlsMode?: InboundMtlsMode | null;
  /** Default sidecar. */
  readonly proxyKind?: 'sidecar' | 'gateway';
  /**
   * The SNI Istio mTLS uses on this cluster when the DestinationRule names none:
   * model.BuildDNSSrvSubsetKey(outbound, subset, host, port), `outbound_.<port>_.<subset>_.<host>`.
   */
  readonly istioMtlsSni?: string;
}

/** model.BuildDNSSrvSubsetKey for outbound traffic: the `_.`-separated form of a cluster name, Istio mTLS's default SNI. */
export function istioMtlsSni(port: number, subset: string, host: string): string {
  return `outbound_.${port}_.${subset}_.${host}`;
}

/**
 * The TLS a client originates on cluster `outbound|port|subset|host`, given the DestinationRule that
 * applies (destinationRuleFor). `mode` is what reaches the wire for every endpoint; null leaves the
 * choice to auto mTLS per endpoint (clientUsesMtls).
 */
export function upstreamTlsFor(dr: Resource<'DestinationRule'> | null, subset: string, port: number, enableAutoMtls: boolean, options: UpstreamTlsOptions = {}): UpstreamTls {
  const tls = dr === null ? undefined : cdsTls(dr, subset, port);
  if (dr !== null && tls !== undefined) {
    const mode = tlsMode(tls);
    const credential = tls.credentialName ?? '';
    const privileged = credential !== '' && !credential.startsWith('configmap://');
    // Rule: SIMPLE/MUTUAL with a Secret credentialName in a DR without workloadSelector builds no TLS context
    // on sidecars (buildUpstreamClusterTLSContext "Hack to avoid egress sds"): the cluster sends plaintext.
    if (privileged && (options.proxyKind ?? 'sidecar') === 'sidecar' && dr.spec.workloadSelector === undefined && (mode === 'SIMPLE' || mode === 'MUTUAL')) {
      return { mode: 'DISABLE', autoMtls: false, source: keyOf(dr) };
    }
    // Rule: an explicit DR mode is used as is, for every endpoint, sidecar or not (userSupplied). SNI
    // (cluster_tls.go): ISTIO_MUTUAL takes the DR's sni, else the default one (buildUpstreamTLSSettings);
    // SIMPLE/MUTUAL send the DR's sni only (without one Envoy's auto_sni decides, not modelled).
    const sni = present(tls.sni) ? tls.sni : mode === 'ISTIO_MUTUAL' ? options.istioMtlsSni : undefined;
    return { mode, autoMtls: false, source: keyOf(dr), ...(sni === undefined || mode === 'DISABLE' ? {} : { sni }) };
  }
  const serviceMode = options.serviceMtlsMode === undefined ? 'PERMISSIVE' : options.serviceMtlsMode;
  // Rule: no auto mTLS when it is off, the service is mesh-external (unknown) or its namespace/mesh mode is
  // DISABLE (buildUpstreamTLSSettings; TestBuildAutoMtlsSettings "...in plaintext mode", "...unknown mode").
  if (!enableAutoMtls || serviceMode === null || serviceMode === 'DISABLE') return { mode: null, autoMtls: false, source: null };
  const eds = dr === null ? null : edsTlsMode(dr, subset, port);
  // Rule: CDS left tls to auto mTLS, but EDS still reads a DR mode (mtls_checker.go checkMtlsEnabled); any mode
  // but ISTIO_MUTUAL clears every endpoint's tlsMode label, so the auto socket match sends plaintext to all.
  if (dr !== null && eds !== null && eds !== 'ISTIO_MUTUAL') return { mode: null, autoMtls: false, source: keyOf(dr) };
  // Rule: auto mTLS decides per endpoint, with the default SNI (buildIstioMutualTLS(serviceAccounts, sni)).
  return { mode: null, autoMtls: true, source: null, ...(options.istioMtlsSni === undefined ? {} : { sni: options.istioMtlsSni }) };
}

/**
 * What a client sidecar sends to one endpoint: an explicit DR mode wins even towards sidecar-less pods
 * (ISTIO_MUTUAL to a naked pod fails); otherwise auto mTLS sends Istio mTLS only to endpoints with a
 * sidecar whose PeerAuthentication mode on that endpoint port is not DISABLE (mtls_checker.go).
 */
export function clientUsesMtls(upstream: UpstreamTls, endpoint: { sidecar: boolean; serverMode: InboundMtlsMode }): 'mtls' | 'tls' | 'plaintext' {
  switch (upstream.mode) {
    case 'ISTIO_MUTUAL':
      return 'mtls'; // Rule: Istio certificates via SDS, whatever the endpoint runs.
    case 'SIMPLE':
    case 'MUTUAL':
      return 'tls'; // Rule: TLS with user certificates: not Istio mTLS to the server sidecar.
    case 'DISABLE':
      return 'plaintext';
    case null:
      // Rule: auto mTLS per endpoint: tlsMode=istio label (sidecar) and the endpoint port not DISABLE.
      return upstream.autoMtls && endpoint.sidecar && endpoint.serverMode !== 'DISABLE' ? 'mtls' : 'plaintext';
  }
}
