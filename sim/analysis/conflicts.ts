/**
 * Configuration Istio resolves by an arbitrary-looking rule, reported so users do not rely on it
 * (Istio: analyzers/virtualservice/conflictingmeshgatewayhosts.go, analyzers/sidecar/selector.go):
 * - IST0109: several mesh-bound VirtualServices for the same host (exported to the same place): only the
 *   oldest one applies to sidecars;
 * - IST0111: several Sidecars without a workload selector in one namespace;
 * - IST0110: several Sidecars whose selectors pick the same pod.
 * Istio rates these as errors; the API server accepts them and meshsim simulates the rule Istio
 * applies, so meshsim warns.
 *
 * Not modelled: wildcard-aware host matching across exportTo scopes for IST0109; ambient namespaces.
 */
import { CODES } from '../config/diagnostic.ts';
import type { Diagnostic } from '../config/diagnostic.ts';
import { matchesLabels } from '../config/selectors.ts';
import type { Labels } from '../config/selectors.ts';
import type { Resource } from '../config/resource.ts';
import { ofKind, report, toFqdn } from './context.ts';
import type { AnalysisContext } from './context.ts';

export function analyzeConflicts(context: AnalysisContext): Diagnostic[] {
  return [...conflictingMeshHosts(context), ...sidecarConflicts(context)];
}

function conflictingMeshHosts(context: AnalysisContext): Diagnostic[] {
  const suffix = context.topology.settings.domainSuffix;
  const byKey = new Map<string, Resource<'VirtualService'>[]>();
  for (const vs of ofKind(context, 'VirtualService')) {
    const gateways = vs.spec.gateways ?? [];
    if (gateways.length > 0 && !gateways.includes('mesh')) continue;
    const exportTo = vs.spec.exportTo ?? ['*'];
    for (const host of new Set(vs.spec.hosts ?? [])) {
      for (const scope of exportTo) {
        const key = `${scope === '.' ? vs.namespace : scope}/${toFqdn(host, vs.namespace, suffix)}`;
        const list = byKey.get(key) ?? [];
        if (!list.includes(vs)) list.push(vs);
        byKey.set(key, list);
      }
    }
  }
  const out: Diagnostic[] = [];
  const reported = new Set<Resource<'VirtualService'>>();
  for (const [key, list] of [...byKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (list.length < 2) continue;
    const names = list.map((v) => `${v.namespace}/${v.name}`).sort().join(',');
    for (const vs of list) {
      if (reported.has(vs)) continue;
      reported.add(vs);
      out.push(report(vs, ['spec', 'hosts'], 'warning', CODES.conflictingMeshGatewayHosts,
        `The VirtualServices ${names} associated with mesh gateway define the same host ${key} which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource.`,
        'Sidecars use only the oldest of them (Istio does not merge VirtualServices for sidecars); merge them into one.'));
    }
  }
  return out;
}

function sidecarConflicts(context: AnalysisContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const sidecars = ofKind(context, 'Sidecar');
  const namespaces = [...new Set(sidecars.map((s) => s.namespace))].sort();
  for (const ns of namespaces) {
    const here = sidecars.filter((s) => s.namespace === ns);
    const selectorOf = (s: Resource<'Sidecar'>) => s.spec.workloadSelector?.labels as Labels | undefined;
    const unselected = here.filter((s) => Object.keys(selectorOf(s) ?? {}).length === 0);
    if (unselected.length > 1) {
      const names = `[${unselected.map((s) => s.name).join(' ')}]`;
      for (const s of unselected) {
        out.push(report(s, ['spec'], 'warning', CODES.multipleSidecarsWithoutSelector,
          `The Sidecars ${names} in namespace "${ns}" have no workload selector, which can lead to undefined behavior.`,
          'Keep one namespace-wide Sidecar (no selector) per namespace.'));
      }
    }
    const selected = here.filter((s) => Object.keys(selectorOf(s) ?? {}).length > 0);
    for (const pod of context.topology.pods.filter((p) => p.namespace === ns)) {
      const matching = selected.filter((s) => matchesLabels(selectorOf(s), pod.labels));
      if (matching.length < 2) continue;
      const names = `[${matching.map((s) => s.name).join(' ')}]`;
      for (const s of matching) {
        out.push(report(s, ['spec', 'workloadSelector', 'labels'], 'warning', CODES.conflictingSidecarSelectors,
          `The Sidecars ${names} in namespace "${ns}" select the same workload pod "${pod.name}", which can lead to undefined behavior.`,
          'Make the selectors disjoint so each pod has one Sidecar.'));
      }
    }
  }
  return out;
}
