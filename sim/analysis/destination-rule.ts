/**
 * DestinationRule analyzers (Istio: analyzers/destinationrule/subset.go): a host that matches no
 * service (IST0174, a warning in Istio too) and a subset whose labels, merged with the ServiceEntry's
 * workloadSelector, select no pod (IST0173; Istio rates it an error, but the rule applies and requests to
 * the subset get 503 UH, so meshsim warns); SIMPLE/MUTUAL upstream TLS without a CA (IST0128/IST0129).
 *
 * Not modelled: node topology labels (Istio augments pod labels with locality before matching subsets).
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
  out.push(...uncheckedServerCertificates(context));
  return out;
}

type ClientTls = { mode?: string; caCertificates?: string; credentialName?: string };

/**
 * Istio's CaCertificateAnalyzer (IST0128/IST0129): SIMPLE or MUTUAL TLS to an upstream without
 * caCertificates does not verify the server (unless a credentialName on a workload-selected rule
 * carries the CA).
 */
function uncheckedServerCertificates(context: AnalysisContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const dr of ofKind(context, 'DestinationRule')) {
    const policy = dr.spec.trafficPolicy as { tls?: ClientTls; portLevelSettings?: { port?: { number?: number }; tls?: ClientTls }[] } | undefined;
    const selected = dr.spec.workloadSelector !== undefined;
    const unverified = (tls: ClientTls | undefined): tls is ClientTls =>
      tls !== undefined && (tls.mode === 'SIMPLE' || tls.mode === 'MUTUAL') && (tls.caCertificates ?? '') === '' && !((tls.credentialName ?? '') !== '' && selected);
    const name = `${dr.namespace}/${dr.name}`;
    const hint = 'Set caCertificates (or a credentialName Secret with ca.crt) so the proxy verifies the server\'s certificate.';
    if (unverified(policy?.tls)) {
      out.push(report(dr, ['spec', 'trafficPolicy', 'tls', 'mode'], 'warning', CODES.noServerCertificateVerificationDestination,
        `DestinationRule ${name} in namespace ${dr.namespace} has TLS mode set to ${policy.tls.mode} but no caCertificates are set to validate server identity for host: ${dr.spec.host ?? ''}`, hint));
    }
    (policy?.portLevelSettings ?? []).forEach((pls, i) => {
      if (!unverified(pls.tls)) return;
      out.push(report(dr, ['spec', 'trafficPolicy', 'portLevelSettings', i, 'tls', 'mode'], 'warning', CODES.noServerCertificateVerificationPort,
        `DestinationRule ${name} in namespace ${dr.namespace} has TLS mode set to ${pls.tls.mode} but no caCertificates are set to validate server identity for host: ${dr.spec.host ?? ''} at port number:${pls.port?.number ?? ''}`, hint));
    });
  }
  return out;
}
