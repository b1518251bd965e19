/**
 * PeerAuthentication analyzers (meshsim's own; Istio has none for these):
 * - MS0204: STRICT enforced on workloads that Services expose, while workloads without a sidecar run in
 *   the mesh's namespaces: their plaintext connections will be refused (reference/istio-semantics.md §7.4
 *   "naked→sc FAIL"). Clients are Deployments, StatefulSets, DaemonSets and Pods with no proxy, outside the
 *   root namespace and kube-system, kube-public, kube-node-lease, local-path-storage.
 * - MS0207: a `portLevelMtls` key that is neither a target port of a Service in front of the selected
 *   workloads nor a port their containers declare: Istio keys port-level mTLS by the workload's port, so a
 *   Service port written there does not apply to traffic through the Service.
 * - MS0208: a PeerAuthentication with a selector in the root namespace: Istio ignores it ("ignore
 *   non-emptypb selector in root namespace"), unlike AuthorizationPolicy.
 * A selector that matches no workload is selectors.ts's (MS0202), not repeated here.
 *
 * Invariants: STRICT findings are reported on the field that set STRICT (the policy's `mtls.mode` or a
 * `portLevelMtls` entry), once per field; workload lists are sorted.
 *
 * Not modelled: who really calls whom (any client may call any Service; there are no NetworkPolicies);
 * clients outside the cluster (those reach workloads through gateways, which speak mTLS).
 */
import { compareStrings } from '../core/compare.ts';
import { CODES, formatFieldPath } from '../config/diagnostic.ts';
import type { Diagnostic } from '../config/diagnostic.ts';
import type { FieldPath, Resource } from '../config/resource.ts';
import { ofKind, report } from './context.ts';
import type { AnalysisContext } from './context.ts';
import { hasSelector, keyOf, listNames } from './security-peer-mode.ts';
import type { PeerModes } from './security-peer-mode.ts';


const SYSTEM_NAMESPACES: ReadonlySet<string> = new Set(['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage']);
const sorted = (items: Iterable<string>): string[] => [...new Set(items)].sort(compareStrings);

export function analyzeStrictWithPlaintextClients(context: AnalysisContext, modes: PeerModes): Diagnostic[] {
  const root = context.topology.settings.rootNamespace;
  const clients = context.topology.workloads.filter((w) => w.proxy === 'none' && w.kind !== 'WorkloadEntry'
    && !SYSTEM_NAMESPACES.has(w.namespace) && w.namespace !== root);
  if (clients.length === 0) return [];
  const groups = new Map<string, { policy: Resource<'PeerAuthentication'>; path: FieldPath; servers: Set<string> }>();
  for (const e of context.topology.endpoints) {
    if (e.proxy !== 'sidecar' || e.pod === '') continue;
    const { mode, policy, path } = modes.modeAt(e.namespace, e.labels, e.port);
    if (mode !== 'STRICT' || policy === null || context.builtIn(policy)) continue;
    const key = `${keyOf(policy)} ${formatFieldPath(path)}`;
    const group = groups.get(key) ?? { policy, path, servers: new Set<string>() };
    group.servers.add(`${e.namespace}/${e.workload}`);
    groups.set(key, group);
  }
  const names = sorted(clients.map((w) => `${w.namespace}/${w.name}`));
  const reasons = sorted(clients.map((w) => w.injectionReason));
  const who = names.length === 1 ? `workload ${names[0]!} runs` : `workloads ${listNames(names)} run`;
  return [...groups.values()].map(({ policy, path, servers }) => {
    const targets = sorted(servers);
    return report(policy, path, 'warning', CODES.strictWithPlaintextClients,
      `STRICT mutual TLS applies to ${targets.length === 1 ? 'workload' : 'workloads'} ${listNames(targets)}, but ${who} without a sidecar: once STRICT applies, ${names.length === 1 ? 'its' : 'their'} plaintext connections to ${targets.length === 1 ? 'it' : 'them'} will be refused.`,
      `Inject sidecars into the clients first (${reasons.join('; ')}), or keep the mode PERMISSIVE until every client has one.`);
  });
}

export function analyzePortLevelMtlsKeys(context: AnalysisContext, modes: PeerModes): Diagnostic[] {
  const out: Diagnostic[] = [];
  const root = context.topology.settings.rootNamespace;
  for (const pa of ofKind(context, 'PeerAuthentication')) {
    const keys = Object.keys(pa.spec.portLevelMtls ?? {});
    if (pa.namespace === root || !hasSelector(pa) || keys.length === 0) continue;
    // Rule: only the workload-level policy that applies (the oldest selecting the workload) has its ports used.
    const selected = context.topology.workloads.filter((w) => w.namespace === pa.namespace && modes.workloadPolicy(w.namespace, w.labels) === pa);
    const names = new Set(selected.map((w) => w.name));
    const endpoints = context.topology.endpoints.filter((e) => e.pod !== '' && e.namespace === pa.namespace && names.has(e.workload));
    if (endpoints.length === 0) continue; // No Service in front of them (or MS0202: no workload at all).
    const targetPorts = new Set(endpoints.map((e) => e.port));
    const declared = new Set(selected.flatMap((w) => w.containerPorts.map((p) => p.port)));
    for (const key of keys) {
      const port = Number(key);
      if (targetPorts.has(port) || declared.has(port)) continue;
      const viaService = endpoints.filter((e) => e.servicePort === port);
      const services = sorted(viaService.map((e) => `Service ${serviceName(context, e.service, e.serviceNamespace)}`));
      const known = [...targetPorts].sort((a, b) => a - b).join(', ');
      const hint = viaService.length === 0
        ? `Key portLevelMtls by the port the workload listens on (here ${known}), not by a Service port.`
        : `${port} is the port of ${listNames(services)}, which ${services.length === 1 ? 'sends' : 'send'} it to target port ${listNames(sorted(viaService.map((e) => String(e.port))))}: key portLevelMtls by that port.`;
      out.push(report(pa, ['spec', 'portLevelMtls', key], 'warning', CODES.portLevelMtlsNotTargetPort,
        `Port ${key} in portLevelMtls is not a target port of any Service in front of the selected workloads (their target ports: ${known}): port-level mTLS is keyed by the workload's port, so this setting does not apply to traffic through those Services.`,
        hint));
    }
  }
  return out;
}

function serviceName(context: AnalysisContext, hostname: string, namespace: string): string {
  const service = context.topology.services.find((s) => s.hostname === hostname && s.namespace === namespace);
  return service === undefined ? hostname : `${service.namespace}/${service.name}`;
}

export function analyzeRootSelectors(context: AnalysisContext): Diagnostic[] {
  const root = context.topology.settings.rootNamespace;
  return ofKind(context, 'PeerAuthentication').filter((pa) => pa.namespace === root && hasSelector(pa)).map((pa) =>
    report(pa, ['spec', 'selector'], 'warning', CODES.rootPeerAuthenticationSelector,
      `A PeerAuthentication with a selector in the root namespace ${root} is ignored: the mesh-wide policy there takes no selector, and a workload policy must live in its workload's namespace.`,
      `Move it to the namespace of the workloads it should select, or remove the selector to make it mesh-wide.`));
}
