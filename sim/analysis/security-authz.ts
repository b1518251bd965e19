/**
 * AuthorizationPolicy references to peers that cannot exist:
 * - MS0206 (meshsim's own): a principal (`principals`, `notPrincipals`, a `source.principal` condition)
 *   that no peer of this mesh can carry: another trust domain than the mesh's (MeshConfig trustDomain,
 *   default cluster.local), a `spiffe://` prefix (Istio adds it, so it would be doubled), or a bare name
 *   that is not `<trust domain>/ns/<namespace>/sa/<service account>`. `*` and prefix/suffix wildcards
 *   pass when some principal of the trust domain can match them. A principal is judged as istiod
 *   compiles it (trustdomain.Bundle): one in a trust-domain alias, or in `cluster.local` (which always
 *   stands for the local trust domain), is widened to the mesh's trust domain and passes.
 * - IST0101 "namespace" (Istio's analyzers/authz analyzeNamespaceNotFound, a warning here as meshsim's
 *   other IST0101s): a `namespaces`/`notNamespaces` entry that matches no namespace (`*`, `prefix*` and
 *   `*suffix` allowed), extended to the namespace inside principals, `ns/sa` service accounts and the
 *   `source.namespace`, `source.principal` and `source.serviceAccount` conditions. The namespaces every
 *   cluster has (default, kube-system, kube-public, kube-node-lease) always exist; Istio reports
 *   kube-system, as its analyzer never loads it.
 * Unknown `when` keys are already errors (MS0106, rules-security-values.ts attributeProblems).
 *
 * Invariants: one diagnostic per value at fault, at the value's own position; a principal with a foreign
 * trust domain is not also checked for its namespace.
 *
 * Not modelled: `trustDomains`/`source.trustDomain` values; principals of other shapes than
 * `<td>/ns/<ns>/sa/<sa>` with a wildcard; peers from other meshes (every peer is taken to carry the
 * mesh's trust domain).
 */
import { compareStrings } from '../core/compare.ts';
import { CODES } from '../config/diagnostic.ts';
import type { Diagnostic } from '../config/diagnostic.ts';
import { meshConfigOf } from '../config/mesh-config.ts';
import { replaceTrustDomainAliases, trustDomainBundle } from '../config/trust-domain-bundle.ts';
import type { FieldPath, Resource } from '../config/resource.ts';
import type { AuthorizationSpec } from '../config/rules-authorization-rules.ts';
import { ofKind, report } from './context.ts';
import type { AnalysisContext } from './context.ts';
import { listNames } from './security-peer-mode.ts';

type RefKind = 'principal' | 'namespace' | 'serviceAccount';
interface ValueRef {
  readonly path: FieldPath;
  readonly value: string;
  readonly kind: RefKind;
  readonly negated: boolean;
}

const SOURCE_REFS: readonly [field: 'principals' | 'notPrincipals' | 'namespaces' | 'notNamespaces' | 'serviceAccounts' | 'notServiceAccounts', kind: RefKind, negated: boolean][] = [
  ['principals', 'principal', false], ['notPrincipals', 'principal', true],
  ['namespaces', 'namespace', false], ['notNamespaces', 'namespace', true],
  ['serviceAccounts', 'serviceAccount', false], ['notServiceAccounts', 'serviceAccount', true],
];
const CONDITION_REFS: Readonly<Record<string, RefKind>> = {
  'source.principal': 'principal', 'source.namespace': 'namespace', 'source.serviceAccount': 'serviceAccount',
};
/** Namespaces every Kubernetes cluster has. */
const CLUSTER_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

function valueRefs(ap: Resource<'AuthorizationPolicy'>): ValueRef[] {
  const out: ValueRef[] = [];
  const strings = (list: readonly unknown[] | null | undefined) => (list ?? []).flatMap((v, k) => (typeof v === 'string' ? [[v, k] as const] : []));
  ((ap.spec as AuthorizationSpec).rules ?? []).forEach((rule, i) => {
    (rule?.from ?? []).forEach((from, j) => {
      const source = from?.source;
      if (source === undefined || source === null) return;
      for (const [field, kind, negated] of SOURCE_REFS) {
        for (const [value, k] of strings(source[field])) out.push({ path: ['spec', 'rules', i, 'from', j, 'source', field, k], value, kind, negated });
      }
    });
    (rule?.when ?? []).forEach((condition, k) => {
      const kind = CONDITION_REFS[condition?.key ?? ''];
      if (kind === undefined) return;
      for (const [value, m] of strings(condition?.values)) out.push({ path: ['spec', 'rules', i, 'when', k, 'values', m], value, kind, negated: false });
      for (const [value, m] of strings(condition?.notValues)) out.push({ path: ['spec', 'rules', i, 'when', k, 'notValues', m], value, kind, negated: true });
    });
  });
  return out;
}

export function analyzeAuthorizationReferences(context: AnalysisContext): Diagnostic[] {
  const { settings } = context.topology;
  const meshConfig = meshConfigOf(context.resources, settings.rootNamespace)?.config;
  const trustDomain = meshConfig?.trustDomain ?? settings.trustDomain;
  const aliases = meshConfig?.trustDomainAliases ?? [];
  const declared = context.topology.namespaces.map((n) => n.name);
  const namespaces = [...new Set([...CLUSTER_NAMESPACES, ...declared])];
  const shown = listNames([...new Set(['default', ...declared])].sort(compareStrings), 8);
  const out: Diagnostic[] = [];
  for (const ap of ofKind(context, 'AuthorizationPolicy')) {
    for (const ref of valueRefs(ap)) {
      const problem = ref.kind === 'principal' ? principalProblem(ref.value, trustDomain, aliases) : null;
      if (problem !== null) {
        const never = ref.negated ? 'it can never match, so it excludes no peer' : 'it can never match any peer';
        out.push(report(ap, ref.path, 'warning', CODES.principalNeverMatches, `Principal "${ref.value}" ${problem.what}: ${never}.`, problem.hint));
        continue;
      }
      const namespace = namespaceOf(ref);
      if (namespace === null || namespaceExists(namespace, namespaces)) continue;
      const effect = ref.negated ? 'excluding it excludes no peer' : 'it matches no peer';
      out.push(report(ap, ref.path, 'warning', CODES.referencedResourceNotFound, `Referenced namespace not found: "${namespace}".`,
        `No namespace ${namespace} exists in these manifests (there are ${shown}), so ${effect}; fix the name, or create the namespace.`));
    }
  }
  return out;
}

/**
 * Why no principal `<trustDomain>/ns/<ns>/sa/<sa>` can match `value` as istiod compiles it (widened to
 * the trust-domain bundle), or null when one can.
 */
export function principalProblem(value: string, trustDomain: string, aliases: readonly string[] = []): { what: string; hint: string } | null {
  const widened = replaceTrustDomainAliases([value], trustDomainBundle(trustDomain, aliases));
  // bundle.go: a principal in an alias or in cluster.local also names the mesh's trust domain.
  if (widened.length > 1 || widened[0] !== value) return widened.some((v) => writtenProblem(v, trustDomain) === null) ? null : writtenProblem(value, trustDomain);
  return writtenProblem(value, trustDomain);
}

function writtenProblem(value: string, trustDomain: string): { what: string; hint: string } | null {
  const example = `${trustDomain}/ns/<namespace>/sa/<service account>`;
  if (value === '*' || value === '') return null;
  if (value.startsWith('spiffe://')) {
    return { what: 'starts with spiffe://, which Istio adds itself (a peer would need the identity spiffe://spiffe://…)', hint: `Write it without the prefix: ${value.slice('spiffe://'.length)}.` };
  }
  const foreign = (what: string, fixed: string | null) => ({
    what: `is in ${what}, but the mesh's trust domain is "${trustDomain}"`,
    hint: fixed === null ? `Write the mesh's trust domain, as in ${example}.` : `Write the mesh's trust domain: ${fixed}.`,
  });
  if (value.startsWith('*')) {
    // Rule: a suffix can match when what it writes before `/ns/` (if anything) ends the trust domain.
    const suffix = value.slice(1);
    const at = suffix.indexOf('/ns/');
    return at < 0 || trustDomain.endsWith(suffix.slice(0, at)) ? null : foreign(`a trust domain ending in "${suffix.slice(0, at)}"`, null);
  }
  const slash = value.indexOf('/');
  if (value.endsWith('*') && slash < 0) {
    const prefix = value.slice(0, -1);
    return trustDomain.startsWith(prefix) ? null : foreign(`a trust domain starting with "${prefix}"`, null);
  }
  if (slash < 0) {
    return { what: `is not a SPIFFE identity (${example})`, hint: `Write the peer's identity, such as ${trustDomain}/ns/default/sa/${value}, or match its service account with serviceAccounts.` };
  }
  const written = value.slice(0, slash);
  return written === trustDomain ? null : foreign(`trust domain "${written}"`, `${trustDomain}${value.slice(slash)}`);
}

/** The namespace a value names, when it names one outright (a pattern for `namespaces`). */
function namespaceOf(ref: ValueRef): string | null {
  if (ref.kind === 'namespace') return ref.value;
  if (ref.kind === 'serviceAccount') {
    const slash = ref.value.indexOf('/');
    return slash <= 0 ? null : ref.value.slice(0, slash);
  }
  return /\/ns\/([^/*]+)\/sa\//.exec(ref.value)?.[1] ?? null;
}

function namespaceExists(pattern: string, namespaces: readonly string[]): boolean {
  if (pattern === '*' || pattern === '') return true;
  if (pattern.endsWith('*')) return namespaces.some((n) => n.startsWith(pattern.slice(0, -1)));
  if (pattern.startsWith('*')) return namespaces.some((n) => n.endsWith(pattern.slice(1)));
  return namespaces.includes(pattern);
}
