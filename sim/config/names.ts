/**
 * Kubernetes object-name rules, as the API server applies them: most kinds need a DNS-1123 subdomain,
 * Namespaces a DNS-1123 label, Services a DNS-1035 label (they become DNS names and env var prefixes).
 *
 * Not modelled: label key/value syntax; the 63-character limit on a StatefulSet's pod names.
 */
import type { AnyResource, FieldPath } from './resource.ts';

export interface NameFinding {
  readonly path: FieldPath;
  readonly message: string;
  readonly hint: string;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

type NameRule = { readonly pattern: RegExp; readonly lengthMax: number; readonly what: string; readonly example: string };

const LABEL_RULE: NameRule = { pattern: DNS1123_LABEL, lengthMax: 63, what: 'a DNS-1123 label (lower-case letters, digits and "-", starting and ending with a letter or digit, at most 63 characters)', example: 'my-name' };
const SERVICE_RULE: NameRule = { pattern: DNS1035_LABEL, lengthMax: 63, what: 'a DNS-1035 label (lower-case letters, digits and "-", starting with a letter, at most 63 characters)', example: 'my-service' };
const SUBDOMAIN_RULE: NameRule = { pattern: DNS1123_SUBDOMAIN, lengthMax: 253, what: 'a DNS-1123 subdomain (lower-case letters, digits, "-" and ".", at most 253 characters)', example: 'my-name' };

export function checkNames(resource: AnyResource): NameFinding[] {
  const findings: NameFinding[] = [];
  if (resource.name !== '') {
    const rule = resource.kind === 'Namespace' ? LABEL_RULE : resource.kind === 'Service' ? SERVICE_RULE : SUBDOMAIN_RULE;
    const problem = nameProblem(resource.name, rule);
    if (problem !== null) {
      findings.push({ path: ['metadata', 'name'], message: `The name "${resource.name}" is not valid for a ${resource.kind}: ${problem}.`, hint: `Use ${rule.what}, e.g. "${rule.example}".` });
    }
  }
  if (resource.namespace !== '') {
    const problem = nameProblem(resource.namespace, LABEL_RULE);
    if (problem !== null) {
      findings.push({ path: ['metadata', 'namespace'], message: `The namespace "${resource.namespace}" is not valid: ${problem}.`, hint: `Use ${LABEL_RULE.what}.` });
    }
  }
  return findings;
}

function nameProblem(name: string, rule: NameRule): string | null {
  if (name.length > rule.lengthMax) return `it is ${name.length} characters long, more than ${rule.lengthMax}`;
  if (!rule.pattern.test(name)) return `it must be ${rule.what}`;
  return null;
}
