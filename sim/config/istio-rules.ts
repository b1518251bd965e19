/**
 * Istio's own per-resource rules, the ones its admission webhook applies on top of the CRD schema
 * (pkg/config/validation in istio/istio): an error here means `kubectl apply` would be refused, a
 * warning means Istio accepts the resource but says something is off.
 *
 * Invariants: pure; looks at one resource only (cross-resource checks are analyzers).
 *
 * Not modelled: the rules listed under "Not checked" in the README.
 */
import type { AnyResource, FieldPath } from './resource.ts';

export interface RuleFinding {
  readonly severity: 'error' | 'warning';
  readonly path: FieldPath;
  readonly message: string;
  readonly hint: string;
}

export function checkIstioRules(resource: AnyResource): RuleFinding[] {
  void resource;
  return [];
}
