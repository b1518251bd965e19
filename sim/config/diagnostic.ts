/**
 * Diagnostics: what meshsim says about its input, as values.
 *
 * Every diagnostic names where (file, line, column), which resource (kind namespace/name), what is wrong
 * and what to do. Codes that mirror an `istioctl analyze` message reuse Istio's code (IST0101, …) so
 * users can look them up in Istio's docs; meshsim's own checks use `MS` codes.
 *
 * Invariants: a diagnostic is plain data (JSON-safe); the list a caller sees is sorted by
 * (file, line, column, code, message) so output never depends on the order checks ran in.
 *
 * Not modelled: Istio's message documentation URLs; severities other than error/warning/info.
 */
import { compareStrings } from '../core/compare.ts';

export type Severity = 'error' | 'warning' | 'info';

export interface ResourceRef {
  readonly kind: string;
  /** Empty for cluster-scoped kinds (Namespace). */
  readonly namespace: string;
  readonly name: string;
}

export interface SourceLocation {
  readonly file: string;
  /** 1-based; 0 when the position is unknown (e.g. a built-in resource). */
  readonly line: number;
  readonly column: number;
}

export interface Diagnostic extends SourceLocation {
  readonly severity: Severity;
  readonly code: string;
  /** What is wrong, one sentence. */
  readonly message: string;
  /** What to do about it, one sentence. */
  readonly hint: string;
  readonly resource: ResourceRef | null;
  /** The field the diagnostic is about, in `spec.http[0].route[0].weight` form; '' for the whole resource. */
  readonly field: string;
}

/** The codes meshsim emits, in one place so documentation and tests can list them. */
export const CODES = {
  yamlSyntax: 'MS0001',
  notAnObject: 'MS0002',
  missingTypeMeta: 'MS0003',
  unknownKind: 'MS0004',
  unsupportedVersion: 'MS0005',
  missingName: 'MS0006',
  invalidName: 'MS0007',
  duplicateResource: 'MS0008',
  emptyInput: 'MS0009',
  wrongType: 'MS0101',
  invalidEnum: 'MS0102',
  unknownField: 'MS0103',
  missingField: 'MS0104',
  constraint: 'MS0105',
  istioRule: 'MS0106',
  istioWarning: 'MS0107',
  kubeRule: 'MS0108',
  meshConfig: 'MS0110',
  tlsDisabledToStrict: 'MS0203',
  strictWithPlaintextClients: 'MS0204',
  istioMutualWithoutSidecar: 'MS0205',
  principalNeverMatches: 'MS0206',
  portLevelMtlsNotTargetPort: 'MS0207',
  rootPeerAuthenticationSelector: 'MS0208',
  // Scenario files (scenarios/load-scenario.ts); a YAML syntax error there is MS0001 as in manifests.
  scenarioFile: 'MS0400',
  scenarioWrongType: 'MS0401',
  scenarioInvalidValue: 'MS0402',
  scenarioUnknownField: 'MS0403',
  scenarioMissingField: 'MS0404',
  scenarioConstraint: 'MS0405',
  scenarioPathNotFound: 'MS0406',
  scenarioReferenceNotFound: 'MS0407',
  scenarioDuplicateName: 'MS0408',
  scenarioFieldIgnored: 'MS0409',
  referencedResourceNotFound: 'IST0101',
  namespaceNotInjected: 'IST0102',
  conflictingMeshGatewayHosts: 'IST0109',
  conflictingSidecarSelectors: 'IST0110',
  multipleSidecarsWithoutSelector: 'IST0111',
  destinationPortSelectorRequired: 'IST0112',
  portNameNotUnderConvention: 'IST0118',
  namespaceMultipleInjectionLabels: 'IST0123',
  noMatchingWorkloads: 'IST0127',
  ingressRouteRulesNotAffected: 'IST0140',
  noServerCertificateVerificationDestination: 'IST0128',
  noServerCertificateVerificationPort: 'IST0129',
  virtualServiceUnreachableRule: 'IST0130',
  virtualServiceIneffectiveMatch: 'IST0131',
  virtualServiceHostNotFoundInGateway: 'IST0132',
  gatewayPortNotDefinedOnService: 'IST0162',
  destinationRuleSubsetNotSelectPods: 'IST0173',
  unknownDestinationRuleHost: 'IST0174',
} as const;

export type DiagnosticCode = (typeof CODES)[keyof typeof CODES];

/** Formats a resource as Istio's analyzers do: `Kind namespace/name` (or `Kind name` when cluster-scoped). */
export function formatResourceRef(ref: ResourceRef): string {
  const name = ref.name === '' ? '(unnamed)' : ref.name;
  return ref.namespace === '' ? `${ref.kind} ${name}` : `${ref.kind} ${ref.namespace}/${name}`;
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return (
    compareStrings(a.file, b.file) ||
    a.line - b.line ||
    a.column - b.column ||
    compareStrings(a.code, b.code) ||
    compareStrings(a.message, b.message) ||
    compareStrings(a.field, b.field)
  );
}

export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(compareDiagnostics);
}

export function countBySeverity(diagnostics: readonly Diagnostic[]): Record<Severity, number> {
  const counts = { error: 0, warning: 0, info: 0 };
  for (const d of diagnostics) counts[d.severity] += 1;
  return counts;
}

/** `spec.http[0].route` from a path of keys and indexes. */
export function formatFieldPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}
