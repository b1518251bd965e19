/**
 * DestinationRule TLS against the servers it reaches (meshsim's own checks; Istio has no analyzer here):
 * - MS0203: a TLS mode DISABLE (top level, port level or subset) for a cluster whose endpoints' sidecars
 *   enforce STRICT on the endpoint's target port: client sidecars send plaintext and are refused
 *   (reachability "migration tls disable": vistio FAIL; reference/istio-semantics.md §7.3, §7.4);
 * - MS0205: a TLS mode ISTIO_MUTUAL for a cluster with endpoints that run no sidecar: nobody there holds an
 *   Istio certificate and the handshake fails ("global mtls strict" sc→naked FAIL).
 * The mode a cluster uses follows generate-mtls.ts cdsTls (Istio's MergeSubsetTrafficPolicy and
 * GetPortLevelTrafficPolicy): a matching portLevelSettings entry replaces the policy, a subset's tls (or its
 * port-level entry) replaces the top-level one, a `tls` block without a mode is DISABLE. A wildcard host
 * (`*.local`) covers every visible service under it that no DestinationRule names exactly.
 *
 * Invariants: one diagnostic per TLS field at fault, naming every host:port and workload it breaks, in
 * sorted order; only the user's DestinationRules are reported on.
 *
 * Not modelled: which of several DestinationRules a client picks (client namespace, service namespace,
 * root) and the merge of DestinationRules for one host; the EDS quirk that a top-level mode hidden from
 * CDS by a port-level entry still clears auto mTLS; SIMPLE/MUTUAL with a credentialName on sidecars
 * (sent as plaintext); endpoints that are not pods (inline ServiceEntry endpoints, DNS hosts).
 */
import { groupBy } from '../core/group.ts';
import { compareStrings } from '../core/compare.ts';
import { CODES, formatFieldPath } from '../config/diagnostic.ts';
import type { Diagnostic } from '../config/diagnostic.ts';
import type { FieldPath, Resource } from '../config/resource.ts';
import { matchesLabels } from '../config/selectors.ts';
import type { Labels } from '../config/selectors.ts';
import type { EndpointInfo, ServiceInfo } from '../topology/model.ts';
import { ofKind, report, toFqdn } from './context.ts';
import type { AnalysisContext } from './context.ts';
import { hostsMatch } from './gateway.ts';
import { keyOf, listNames } from './security-peer-mode.ts';
import type { PeerModes } from './security-peer-mode.ts';

const TLS_DISABLED_TO_STRICT = CODES.tlsDisabledToStrict;
const ISTIO_MUTUAL_WITHOUT_SIDECAR = CODES.istioMutualWithoutSidecar;

type DestinationRule = Resource<'DestinationRule'>;
type TlsLike = { readonly mode?: string };
interface PolicyLike {
  readonly tls?: TlsLike | null;
  readonly portLevelSettings?: readonly ({ readonly port?: { readonly number?: number } | null; readonly tls?: TlsLike | null } | null)[] | null;
}

interface ClusterTls {
  readonly mode: string;
  /** The field that decided it: `...tls.mode`, or `...tls` when the block has no mode. */
  readonly path: FieldPath;
}

/** The policy's tls for a port: a matching portLevelSettings entry replaces the policy (no inheritance). */
function policyAtPort(policy: PolicyLike | null | undefined, base: FieldPath, port: number): { tls: TlsLike | null | undefined; path: FieldPath; portLevel: boolean } | null {
  if (policy === undefined || policy === null) return null;
  const index = (policy.portLevelSettings ?? []).findIndex((p) => p?.port?.number === port);
  if (index < 0) return { tls: policy.tls, path: [...base, 'tls'], portLevel: false };
  return { tls: policy.portLevelSettings?.[index]?.tls, path: [...base, 'portLevelSettings', index, 'tls'], portLevel: true };
}

/** The TLS the cluster `outbound|port|subset|host` is built with, or null (auto mTLS decides). */
export function clusterTls(dr: DestinationRule, subsetIndex: number | null, port: number): ClusterTls | null {
  const top = policyAtPort(dr.spec.trafficPolicy as PolicyLike | undefined, ['spec', 'trafficPolicy'], port);
  const subsetPolicy = subsetIndex === null ? undefined : dr.spec.subsets?.[subsetIndex]?.trafficPolicy as PolicyLike | undefined;
  const own = policyAtPort(subsetPolicy, ['spec', 'subsets', subsetIndex ?? 0, 'trafficPolicy'], port);
  // Rule: the subset's tls (or its port-level entry, which replaces every field) wins over the DR's.
  const chosen = own !== null && ((own.tls !== undefined && own.tls !== null) || own.portLevel) ? own : top;
  const tls = chosen?.tls;
  if (chosen === null || tls === undefined || tls === null) return null;
  // Rule: a tls block without a mode is DISABLE (the enum's zero value).
  const mode = tls.mode === 'SIMPLE' || tls.mode === 'MUTUAL' || tls.mode === 'ISTIO_MUTUAL' ? tls.mode : 'DISABLE';
  return { mode, path: tls.mode === undefined ? chosen.path : [...chosen.path, 'mode'] };
}

/** The services a DestinationRule's host covers (a wildcard: those no DestinationRule names exactly). */
function targetServices(context: AnalysisContext, dr: DestinationRule, named: ReadonlySet<string>): ServiceInfo[] {
  const suffix = context.topology.settings.domainSuffix;
  const host = dr.spec.host ?? '';
  if (host === '') return [];
  if (!host.startsWith('*')) {
    const found = context.hosts.find(host, dr.namespace, suffix);
    return found === undefined ? [] : [found];
  }
  return context.topology.services.filter((s) => !s.hostname.startsWith('*') && hostsMatch(host, s.hostname) && !named.has(s.hostname)
    && context.hosts.find(s.hostname, dr.namespace, suffix) === s);
}

interface Finding {
  readonly dr: DestinationRule;
  readonly code: string;
  readonly path: FieldPath;
  readonly targets: Set<string>;
  readonly workloads: Set<string>;
  readonly policies: Set<string>;
}

type Collect = (tls: ClusterTls, target: string, endpoints: readonly EndpointInfo[]) => void;

/** Walks every (service, port, subset) cluster of every user DestinationRule that sets TLS. */
function eachCluster(context: AnalysisContext, visit: (dr: DestinationRule) => Collect): void {
  const suffix = context.topology.settings.domainSuffix;
  const named = new Set<string>();
  for (const r of context.resources) {
    const host = r.kind === 'DestinationRule' ? r.spec.host ?? '' : '';
    if (host !== '' && !host.startsWith('*')) named.add(toFqdn(host, r.namespace, suffix));
  }
  const byPort = groupBy(context.topology.endpoints, (e) => `${e.serviceNamespace}/${e.service}:${e.servicePort}`);
  for (const dr of ofKind(context, 'DestinationRule')) {
    const collect = visit(dr);
    const subsets = dr.spec.subsets ?? [];
    for (const service of targetServices(context, dr, named)) {
      for (const { port } of service.ports) {
        const endpoints = byPort.get(`${service.namespace}/${service.hostname}:${port}`) ?? [];
        const top = clusterTls(dr, null, port);
        if (top !== null) collect(top, `${service.hostname}:${port}`, endpoints);
        subsets.forEach((subset, index) => {
          const tls = clusterTls(dr, index, port);
          if (tls === null || formatFieldPath(tls.path) === formatFieldPath(top?.path ?? [])) return;
          const labels = (subset?.labels ?? {}) as Labels;
          collect(tls, `${service.hostname}:${port} subset ${subset?.name ?? ''}`, endpoints.filter((e) => matchesLabels(labels, e.labels)));
        });
      }
    }
  }
}

export function analyzeDestinationRuleTls(context: AnalysisContext, modes: PeerModes): Diagnostic[] {
  const findings = new Map<string, Finding>();
  const finding = (dr: DestinationRule, code: string, tls: ClusterTls): Finding => {
    const key = `${keyOf(dr)} ${code} ${formatFieldPath(tls.path)}`;
    const found = findings.get(key) ?? { dr, code, path: tls.path, targets: new Set(), workloads: new Set(), policies: new Set() };
    findings.set(key, found);
    return found;
  };
  eachCluster(context, (dr) => (tls, target, endpoints) => {
    if (tls.mode === 'DISABLE') {
      for (const e of endpoints) {
        if (e.proxy !== 'sidecar') continue;
        const mode = modes.modeAt(e.namespace, e.labels, e.port);
        if (mode.mode !== 'STRICT' || mode.policy === null) continue;
        const f = finding(dr, TLS_DISABLED_TO_STRICT, tls);
        f.targets.add(target);
        f.workloads.add(`${e.namespace}/${e.workload}`);
        f.policies.add(keyOf(mode.policy));
      }
    } else if (tls.mode === 'ISTIO_MUTUAL') {
      for (const e of endpoints) {
        if (e.proxy !== 'none' || e.pod === '') continue;
        const f = finding(dr, ISTIO_MUTUAL_WITHOUT_SIDECAR, tls);
        f.targets.add(target);
        f.workloads.add(`${e.namespace}/${e.workload}`);
      }
    }
  });
  return [...findings.values()].map((f) => describe(context, f));
}

const sorted = (set: ReadonlySet<string>): string[] => [...set].sort(compareStrings);

function describe(context: AnalysisContext, f: Finding): Diagnostic {
  const workloads = sorted(f.workloads);
  const targets = listNames(sorted(f.targets));
  const who = workloads.length === 1 ? `workload ${workloads[0]!}` : `workloads ${listNames(workloads)}`;
  if (f.code === TLS_DISABLED_TO_STRICT) {
    const policies = sorted(f.policies).map((p) => `PeerAuthentication ${p}`);
    return report(f.dr, f.path, 'warning', f.code,
      `TLS mode DISABLE sends plaintext to ${targets}, but ${who} ${workloads.length === 1 ? 'requires' : 'require'} mutual TLS there (STRICT from ${listNames(policies)}): the server sidecar refuses these plaintext connections (client sidecars answer 503 UF).`,
      'Remove the tls setting (auto mTLS then sends Istio mTLS to pods with a sidecar) or set mode ISTIO_MUTUAL; or keep the PeerAuthentication PERMISSIVE while plaintext clients remain.');
  }
  const reasons = [...new Set(workloads.map((w) => context.topology.workloads.find((x) => `${x.namespace}/${x.name}` === w)?.injectionReason ?? ''))].filter((r) => r !== '');
  return report(f.dr, f.path, 'warning', f.code,
    `TLS mode ISTIO_MUTUAL sends Istio mutual TLS to ${targets}, but ${who} ${workloads.length === 1 ? 'has' : 'have'} no sidecar to complete the handshake: requests from sidecars fail (503 UF).`,
    `Inject a sidecar there first${reasons.length === 0 ? '' : ` (now: ${reasons.join('; ')})`}, or remove the tls setting: auto mTLS sends Istio mTLS only to pods with a sidecar and plaintext to the others.`);
}
