/**
 * Selectors that select nothing:
 * - a Gateway whose `selector` matches no pod, in any namespace (IST0101 "selector": Istio's
 *   analyzers/gateway; a gateway selector is mesh-wide unless PILOT_SCOPE_GATEWAY_TO_NAMESPACE);
 * - an AuthorizationPolicy, PeerAuthentication, RequestAuthentication or Sidecar whose workload
 *   selector matches nothing (see unmatchedWorkloadSelector for the scope and code of each);
 * - a Kubernetes Service whose selector matches no pod: it has no endpoints and requests to it get
 *   503 UH (meshsim's own check; Istio has no analyzer for it).
 *
 * Not modelled: Telemetry selectors; ambient (waypoint) pods.
 */
import { addTo } from '../core/group.ts';
import { CODES } from '../config/diagnostic.ts';
import type { Diagnostic } from '../config/diagnostic.ts';
import { formatLabels, matchesLabels, serviceSelects } from '../config/selectors.ts';
import type { Labels } from '../config/selectors.ts';
import type { AnyResource } from '../config/resource.ts';
import type { PodInfo } from '../topology/model.ts';
import { report } from './context.ts';
import type { AnalysisContext } from './context.ts';

export const SERVICE_SELECTS_NOTHING = 'MS0201';
export const POLICY_SELECTS_NOTHING = 'MS0202';

export function analyzeSelectors(context: AnalysisContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const { pods } = context.topology;
  for (const r of context.resources) {
    if (context.builtIn(r)) continue;
    if (r.kind === 'Gateway') {
      const selector = r.spec.selector as Labels | undefined;
      if (selector === undefined || Object.keys(selector).length === 0) continue;
      if (!pods.some((p) => matchesLabels(selector, p.labels))) {
        out.push(report(r, ['spec', 'selector'], 'warning', CODES.referencedResourceNotFound,
          `Referenced selector not found: "${formatLabels(selector)}".`,
          'No pod runs a gateway with these labels; deploy the gateway (e.g. the default profile\'s istio-ingressgateway has istio=ingressgateway) or fix the selector.'));
      }
      continue;
    }
    const selector = workloadSelector(r);
    if (selector === null) continue;
    out.push(...unmatchedWorkloadSelector(context, r, selector));
  }
  out.push(...servicesWithoutPods(context));
  return out;
}

/**
 * Istio checks only two of these: an AuthorizationPolicy selector against in-mesh (sidecar) pods, in
 * every namespace when the policy is in the root namespace (IST0127), and a Sidecar's workloadSelector
 * against pods in its namespace (IST0101 "selector"). meshsim also checks PeerAuthentication and
 * RequestAuthentication selectors (same scope rules), under its own code, since Istio says nothing there.
 */
function unmatchedWorkloadSelector(context: AnalysisContext, r: AnyResource, selector: { labels: Labels; path: (string | number)[] }): Diagnostic[] {
  const { pods, settings } = context.topology;
  const root = r.namespace === settings.rootNamespace;
  const inScope = (p: PodInfo) => (root && r.kind !== 'Sidecar') || p.namespace === r.namespace;
  const labels = formatLabels(selector.labels);
  if (r.kind === 'Sidecar') {
    if (pods.some((p) => p.namespace === r.namespace && matchesLabels(selector.labels, p.labels))) return [];
    return [report(r, selector.path, 'warning', CODES.referencedResourceNotFound, `Referenced selector not found: "${labels}".`,
      `No pod in namespace ${r.namespace} carries these labels, so this Sidecar applies to nothing; fix the labels.`)];
  }
  const meshPods = r.kind === 'AuthorizationPolicy' ? pods.filter((p) => p.proxy !== 'none') : pods;
  if (meshPods.some((p) => inScope(p) && matchesLabels(selector.labels, p.labels))) return [];
  const code = r.kind === 'AuthorizationPolicy' ? CODES.noMatchingWorkloads : POLICY_SELECTS_NOTHING;
  const where = root ? 'the mesh' : `namespace ${r.namespace}`;
  const what = r.kind === 'AuthorizationPolicy' ? 'no workload with a sidecar' : 'no workload';
  return [report(r, selector.path, 'warning', code, `No matching workloads for this resource with the following labels: ${labels}.`,
    `In ${where}, ${what} carries these labels, so this ${r.kind} has no effect; fix the labels or the namespace.`)];
}

function workloadSelector(r: AnyResource): { labels: Labels; path: (string | number)[] } | null {
  let labels: Labels | undefined;
  let path: (string | number)[] = [];
  if (r.kind === 'AuthorizationPolicy' || r.kind === 'PeerAuthentication' || r.kind === 'RequestAuthentication') {
    labels = r.spec.selector?.matchLabels as Labels | undefined;
    path = ['spec', 'selector', 'matchLabels'];
  } else if (r.kind === 'Sidecar') {
    labels = r.spec.workloadSelector?.labels as Labels | undefined;
    path = ['spec', 'workloadSelector', 'labels'];
  }
  if (labels === undefined || Object.keys(labels).length === 0) return null;
  return { labels, path };
}

function servicesWithoutPods(context: AnalysisContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  // A Service selects pods of its own namespace only, and only pods carrying each of its pairs: each
  // looks at the pods of its namespace with its rarest pair, not at every pod.
  const byPair = new Map<string, PodInfo[]>();
  for (const p of context.topology.pods) for (const [k, v] of Object.entries(p.labels)) addTo(byPair, `${p.namespace}\u0000${k}=${v}`, p);
  for (const r of context.resources) {
    if (r.kind !== 'Service' || context.builtIn(r)) continue;
    const selector = r.spec.selector as Labels | undefined;
    if (selector === undefined || Object.keys(selector).length === 0) continue;
    const candidates = Object.entries(selector).map(([k, v]) => byPair.get(`${r.namespace}\u0000${k}=${v}`) ?? []).reduce((a, b) => (b.length < a.length ? b : a));
    const matched = candidates.some((p) => serviceSelects(selector, p.labels));
    if (!matched) {
      out.push(report(r, ['spec', 'selector'], 'warning', SERVICE_SELECTS_NOTHING,
        `The selector ${formatLabels(selector)} matches no pod in namespace ${r.namespace}, so the Service has no endpoints.`,
        'Requests to it will fail with 503 UH (no healthy upstream); deploy the workload or fix the selector.'));
    }
  }
  return out;
}
