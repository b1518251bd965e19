/**
 * DestinationRule analyzers (Istio: analyzers/destinationrule/subset.go): a host that matches no
 * service (IST0174, a warning in Istio too) and a subset whose labels, merged with the ServiceEntry's
 * workloadSelector, select no pod (IST0173; Istio rates it an error, but the rule applies and requests to
 * the subset get 503 UH, so meshsim warns).
 */
import { CODES } from '../config/diagnostic.ts';
import type { Diagnostic } from '../config/diagnostic.ts';
import { matchesLabels } from '../config/selectors.ts';
import type { Labels } from '../config/selectors.ts';
import { ofKind, report } from './context.ts';
import type { AnalysisContext } from './context.ts';

export function analyzeDestinationRules(context: AnalysisContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const suffix = context.topology.settings.domainSuffix;
  for (const dr of ofKind(context, 'DestinationRule')) {
    const host = dr.spec.host;
    if (host === undefined) continue;
    const service = context.hosts.find(host, dr.namespace, suffix);
    if (service === undefined) {
      out.push(report(dr, ['spec', 'host'], 'warning', CODES.unknownDestinationRuleHost,
        `The host ${host} defined in the DestinationRule does not match any services in the mesh.`,
        'Fix the host (short names mean the DestinationRule\'s namespace), or create the Service/ServiceEntry.'));
      continue;
    }
    (dr.spec.subsets ?? []).forEach((subset, index) => {
      const wanted: Labels = { ...(service.kind === 'ServiceEntry' ? service.selector : {}), ...((subset.labels ?? {}) as Labels) };
      if (!context.topology.pods.some((p) => matchesLabels(wanted, p.labels))) {
        out.push(report(dr, ['spec', 'subsets', index, 'labels'], 'warning', CODES.destinationRuleSubsetNotSelectPods,
          `The Subset ${subset.name ?? ''} defined in the DestinationRule does not select any pods. Which may lead to 503 UH (NoHealthyUpstream).`,
          'Deploy pods with these labels before routing to the subset, or fix the labels.'));
      }
    });
  }
  return out;
}
