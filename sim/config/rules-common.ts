/**
 * Helpers shared by the per-kind Istio rules (rules-*.ts): the finding type, and Istio's field
 * validators (pkg/config/validation/agent/validation.go and validation.go) with Istio's error texts.
 *
 * Not modelled: `internal.istio.io/*` annotations other than the ones users can set by mistake.
 */
import { parseDuration } from '../core/time.ts';
import type { AnyResource, FieldPath } from './resource.ts';

export interface RuleFinding {
  readonly severity: 'error' | 'warning' | 'info';
  readonly path: FieldPath;
  readonly message: string;
  readonly hint: string;
  /** Istio's analyzer code where `istioctl analyze` reports this finding under its own code. */
  readonly code?: string;
}

/** Collects findings for one resource; `error`/`warning` take Istio's message and meshsim's hint. */
export class Findings {
  readonly list: RuleFinding[] = [];
  error(path: FieldPath, message: string, hint: string): void {
    this.list.push({ severity: 'error', path, message, hint });
  }
  warning(path: FieldPath, message: string, hint: string): void {
    this.list.push({ severity: 'warning', path, message, hint });
  }
  /** A finding istioctl analyze reports under its own code (e.g. IST0130) and severity. */
  analyzer(severity: 'warning' | 'info', code: string, path: FieldPath, message: string, hint: string): void {
    this.list.push({ severity, code, path, message, hint });
  }
}

const ISTIO_KINDS_WITH_DRY_RUN = new Set(['AuthorizationPolicy']);

/** validateMetadata: annotations Istio refuses on user resources. */
export function checkMetadataRules(resource: AnyResource): RuleFinding[] {
  const f = new Findings();
  const isIstio = resource.apiVersion.includes('istio.io/');
  if (!isIstio) return f.list;
  const annotations = ['metadata', 'annotations'];
  if ('istio.io/dry-run' in resource.annotations && !ISTIO_KINDS_WITH_DRY_RUN.has(resource.kind)) {
    f.error([...annotations, 'istio.io/dry-run'], `${resource.namespace}/${resource.name} has unsupported annotation istio.io/dry-run, please remove the annotation`,
      'Only AuthorizationPolicy supports istio.io/dry-run.');
  }
  for (const key of ['internal.istio.io/parent-namespace', 'internal.istio.io/parents']) {
    if (key in resource.annotations) {
      f.error([...annotations, key], `"${key}" annotation found, this may not be set by users`, 'Remove the annotation; istiod sets it itself.');
    }
  }
  return f.list;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function isDns1123Label(value: string): boolean {
  return value.length <= 63 && DNS1123_LABEL.test(value);
}

/** CheckDNS1123Preconditions + ValidateFQDN: null when valid, else Istio's message. */
export function fqdnProblem(name: string): string | null {
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  if (trimmed.length > 255) return `domain name "${name}" too long (max 255)`;
  if (trimmed === '') return 'empty domain name not allowed';
  const labels = trimmed.split('.');
  const top = labels[labels.length - 1]!;
  if (/^\d+$/.test(top)) return `domain name "${name}" invalid (top level domain "${top}" cannot be all-numeric)`;
  for (const label of labels) {
    if (!isDns1123Label(label.toLowerCase())) return `domain name "${name}" invalid (label "${label}" invalid)`;
  }
  return null;
}

/** ValidateWildcardDomain: like an FQDN, but the first label may be `*`, `*foo` or `*-foo`. */
export function wildcardDomainProblem(name: string): string | null {
  if (name === '*') return null;
  if (name === '') return 'empty domain name not allowed';
  const dot = name.indexOf('.');
  const first = dot < 0 ? name : name.slice(0, dot);
  const rest = dot < 0 ? '' : name.slice(dot + 1);
  if (first.startsWith('*')) {
    const tail = first.slice(1);
    if (tail !== '' && !isDns1123Label(tail.startsWith('-') ? `x${tail}` : tail)) return `domain name "${name}" invalid (label "${first}" invalid)`;
    return rest === '' ? null : fqdnProblem(rest);
  }
  if (name.includes('*')) return `domain name "${name}" invalid (label "${name.split('.').find((l) => l.includes('*'))}" invalid)`;
  return fqdnProblem(name);
}

/** ValidatePartialWildCard, exactly as Go has it: a `*` anywhere but a lone `*` or a leading `*.`. */
export function isPartialWildcard(host: string): boolean {
  return host.includes('*') && host.length !== 1 && !host.startsWith('*.');
}

export function isIpv4(value: string): boolean {
  const parts = value.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

export function isIpv6(value: string): boolean {
  if (!value.includes(':') || !/^[0-9a-fA-F:.]+$/.test(value)) return false;
  const doubles = value.split('::').length - 1;
  if (doubles > 1) return false;
  const groups = value.split(':').filter((g) => g !== '');
  return groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g) || isIpv4(g)) && (doubles === 1 ? groups.length < 8 : groups.length === 8);
}

export function isIp(value: string): boolean {
  return isIpv4(value) || isIpv6(value);
}

export function isCidr(value: string): boolean {
  const [address, prefix, extra] = value.split('/');
  if (extra !== undefined || address === undefined || prefix === undefined || !/^\d{1,3}$/.test(prefix)) return false;
  const bits = Number(prefix);
  return (isIpv4(address) && bits <= 32) || (isIpv6(address) && bits <= 128);
}

/** IP or CIDR, as ValidateIPSubnet and the AuthorizationPolicy ipBlocks accept. */
export function isIpOrCidr(value: string): boolean {
  return isIp(value) || isCidr(value);
}

export function portProblem(port: number): string | null {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? null : `port number ${port} must be in the range 1..65535`;
}

/**
 * The CRDs' CEL rule on every duration field (`duration(self) >= duration('1ms')`, message
 * "must be a valid duration greater than 1ms") and the webhook's ValidateDuration (ms precision).
 */
export function durationProblem(text: unknown): string | null {
  if (typeof text !== 'string') return 'must be a valid duration greater than 1ms';
  const us = parseDuration(text);
  if (us === null || us < 1000) return 'must be a valid duration greater than 1ms';
  if (us % 1000 !== 0) return 'only durations to ms precision are supported';
  return null;
}

export const DURATION_HINT = 'Write a duration such as 250ms, 1.5s or 2m (at least 1ms, whole milliseconds).';

/** validateExportTo (pkg/config/validation, visibility): null when valid. */
export function exportToProblems(exportTo: readonly string[], namespace: string, isServiceEntry: boolean): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const entry of exportTo) {
    if (entry === '.' && seen.has(namespace)) problems.push(`duplicate entries in exportTo: . and current namespace ${namespace}`);
    else if (entry === namespace && seen.has('.')) problems.push(`duplicate entries in exportTo: . and current namespace ${namespace}`);
    else if (seen.has(entry)) problems.push(`duplicate entries in exportTo for entry ${entry}`);
    seen.add(entry);
    if (entry === '~') {
      if (!isServiceEntry) problems.push('exportTo ~ (none) is not allowed for Istio configuration objects');
    } else if (entry !== '.' && entry !== '*' && !isDns1123Label(entry)) {
      problems.push('only .,*, or a valid DNS 1123 label is allowed as exportTo entry');
    }
  }
  if (seen.has('*') && seen.size > 1) problems.push('cannot have both public (*) and non-public exportTo values for a resource');
  if (isServiceEntry && seen.has('~') && seen.size > 1) problems.push('cannot export service entry to no one (~) and someone');
  return problems;
}

export const EXPORT_TO_HINT = 'Use "*" (everywhere), "." (this namespace) or namespace names.';

/** validateWorkloadSelector (matchLabels form) and its CEL rules. */
export function checkWorkloadSelector(f: Findings, labels: Readonly<Record<string, unknown>> | undefined, path: FieldPath, present: boolean): void {
  if (!present) return;
  if (labels === undefined || Object.keys(labels).length === 0) {
    f.warning(path, 'workload selector specified without labels', 'Add labels, or drop the selector to apply the resource to the whole namespace.');
    return;
  }
  for (const [key, value] of Object.entries(labels)) {
    if (key === '') f.error(path, `empty key is not supported in selector: "${key}"`, 'Give every selector label a key.');
    else if (key.includes('*') || String(value).includes('*')) f.error([...path, key], `wildcard is not supported in selector: "${key}"`, 'Selectors match exact label values; list the values you mean.');
  }
}

/** HTTP/gRPC status codes and policy names Envoy accepts in retryOn (ValidateHTTPRetry). */
const RETRY_ON = new Set([
  '5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'retriable-4xx', 'refused-stream',
  'retriable-status-codes', 'retriable-headers', 'envoy-ratelimited', 'http3-post-connect-failure',
  'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
]);

export function retryOnProblem(policy: string): string | null {
  if (RETRY_ON.has(policy)) return null;
  if (/^\d+$/.test(policy) && Number(policy) >= 100 && Number(policy) <= 599) return null;
  return `"${policy}" is not a valid retryOn policy`;
}

/** RFC 7230 token characters, pseudo-headers, or JWT claim routing keys. */
export function headerNameProblem(name: string): string | null {
  if (name === '') return 'header name cannot be empty';
  if ([':method', ':scheme', ':authority', ':path', ':status'].includes(name)) return null;
  if (name.startsWith('@request.auth.claims')) return null;
  return /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name) ? null : `header name ${name} is not a valid header name`;
}
