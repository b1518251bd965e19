/**
 * AuthorizationPolicy → the RBAC policies a sidecar or gateway enforces: which policies apply to a workload
 * (pilot/pkg/model/authorization.go ListAuthorizationPolicies with policyattachment.go
 * ShouldAttachPolicy) and their rules as data (the sim/xds/security.ts contract), in the action groups
 * the builder makes (pilot/pkg/security/authz/builder/builder.go).
 *
 * Rules followed:
 * - Policies come from the root namespace and the workload's namespace; a policy without a selector
 *   covers its namespace (the whole mesh from the root namespace); a selector applies when its
 *   matchLabels are a subset of the workload's labels, in the root namespace too (all namespaces).
 * - A policy with `targetRef` or `targetRefs` is ignored by sidecars and Istio gateways ("if targetRef is specified,
 *   ignore the policy altogether").
 * - `action` absent is ALLOW; `rules` absent or `[]` gives no rules (matches nothing), `rules: [{}]`
 *   one empty rule (matches everything); a `null` rule, source or operation is an empty one, as
 *   Istio's JSON decoding makes it; empty lists are left out.
 * - Values are kept as written — principals without `spiffe://`, ports as strings, `when` keys and
 *   values verbatim — except that principals (`principals`, `notPrincipals`, `when source.principal`)
 *   are widened to the trust-domain bundle and trust domains (`trustDomains`, `notTrustDomains`,
 *   `when source.trustDomain`) expanded to it
 *   (Model.MigrateTrustDomain; sim/config/trust-domain-bundle.ts). The proxy applies Istio's matching rules
 *   (sim/proxy/authz.ts).
 * - `istio.io/dry-run` is parsed as Go's strconv.ParseBool (an invalid value is false); CUSTOM
 *   policies carry `provider.name`.
 * - Order: CUSTOM, DENY, ALLOW, AUDIT groups, each oldest first as handed in. (Envoy re-sorts each
 *   action's policies by name, so this order is for reading, not for the decision.)
 *
 * Invariants: pure; the output depends only on the policies, their order, the workload and the root
 * namespace.
 *
 * Not modelled: Gateway API gateways and waypoints (targetRefs, the gateway-name label).
 * `serviceAccounts`/`notServiceAccounts` are carried on sources as extra fields until the contract's
 * RbacSource names them.
 */
import { matchesLabels } from '../config/selectors.ts';
import type { Resource } from '../config/resource.ts';
import type { RbacAction, RbacCondition, RbacOperation, RbacPolicy, RbacRule, RbacSource } from '../xds/security.ts';
import { expandTrustDomainAliases, replaceTrustDomainAliases } from '../config/trust-domain-bundle.ts';

export interface AuthzWorkload {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}

type Spec = Resource<'AuthorizationPolicy'>['spec'];
type SpecRule = NonNullable<Spec['rules']>[number];
type Lists = Readonly<Record<string, unknown>>;

const ACTION_ORDER: readonly RbacAction[] = ['CUSTOM', 'DENY', 'ALLOW', 'AUDIT'];
const SOURCE_FIELDS = ['principals', 'notPrincipals', 'requestPrincipals', 'notRequestPrincipals', 'namespaces', 'notNamespaces',
  'serviceAccounts', 'notServiceAccounts', 'ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks', 'trustDomains', 'notTrustDomains'] as const;
const OPERATION_FIELDS = ['hosts', 'notHosts', 'ports', 'notPorts', 'methods', 'notMethods', 'paths', 'notPaths'] as const;
/** Go strconv.ParseBool's true spellings. */
const TRUE_SPELLINGS: readonly string[] = ['1', 't', 'T', 'TRUE', 'true', 'True'];
/** Istio's default mesh: trust domain cluster.local, no aliases. */
const DEFAULT_BUNDLE: readonly string[] = ['cluster.local'];

/**
 * The RBAC policies of a sidecar or gateway workload; `trustDomains` is the trust-domain bundle (the
 * mesh's trust domain, then its aliases).
 */
export function authorizationFor(
  policies: readonly Resource<'AuthorizationPolicy'>[], workload: AuthzWorkload, rootNamespace: string, trustDomains: readonly string[] = DEFAULT_BUNDLE,
): RbacPolicy[] {
  const applicable = policies.filter((policy) => applies(policy, workload, rootNamespace));
  const translated = applicable.map((policy) => translatePolicy(policy, trustDomains)).filter((policy): policy is RbacPolicy => policy !== null);
  return ACTION_ORDER.flatMap((action) => translated.filter((policy) => policy.action === action));
}

/** What ShouldAttachPolicy reads of a policy (AuthorizationPolicy, RequestAuthentication). */
export interface AttachablePolicy {
  readonly namespace: string;
  readonly spec: {
    readonly selector?: { readonly matchLabels?: Readonly<Record<string, string>> | null } | null;
    readonly targetRef?: unknown;
    readonly targetRefs?: readonly unknown[] | null;
  };
}

/** ListAuthorizationPolicies + ShouldAttachPolicy for a sidecar or Istio gateway workload (no gateway-name label). */
export function applies(policy: AttachablePolicy, workload: AuthzWorkload, rootNamespace: string): boolean {
  // Only the root namespace and the workload's own namespace are looked up.
  if (policy.namespace !== rootNamespace && policy.namespace !== workload.namespace) return false;
  // Sidecars ignore policies that use targetRef(s).
  if (policy.spec.targetRef !== undefined && policy.spec.targetRef !== null) return false;
  if ((policy.spec.targetRefs ?? []).length > 0) return false;
  // Selector: matchLabels ⊆ workload labels (absent: the whole namespace, or mesh from the root).
  return matchesLabels(policy.spec.selector?.matchLabels ?? undefined, workload.labels);
}

export function translatePolicy(policy: Resource<'AuthorizationPolicy'>, trustDomains: readonly string[] = DEFAULT_BUNDLE): RbacPolicy | null {
  const action = policy.spec.action ?? 'ALLOW';
  // updateAuthorizationPoliciesResult: an unsupported action is ignored.
  if (!ACTION_ORDER.includes(action)) return null;
  const dryRunValue = policy.annotations['istio.io/dry-run'];
  const base = {
    name: `${policy.namespace}/${policy.name}`,
    action,
    rules: (policy.spec.rules ?? []).map((rule) => translateRule(rule, trustDomains)),
    dryRun: dryRunValue !== undefined && TRUE_SPELLINGS.includes(dryRunValue),
  };
  return action === 'CUSTOM' ? { ...base, provider: policy.spec.provider?.name ?? '' } : base;
}

function translateRule(rule: SpecRule | null, trustDomains: readonly string[]): RbacRule {
  const out: { from?: RbacSource[]; to?: RbacOperation[]; when?: RbacCondition[] } = {};
  const from = (rule?.from ?? []).map((entry) => migrateSource(pickLists(entry?.source ?? {}, SOURCE_FIELDS), trustDomains));
  const to = (rule?.to ?? []).map((entry) => pickLists(entry?.operation ?? {}, OPERATION_FIELDS));
  const when = (rule?.when ?? []).map((condition) => migrateCondition(translateCondition(condition ?? { key: '' }), trustDomains));
  if (from.length > 0) out.from = from;
  if (to.length > 0) out.to = to;
  if (when.length > 0) out.when = when;
  return out;
}

/**
 * MigrateTrustDomain on a source: principals and notPrincipals widened to the bundle; trustDomains and
 * notTrustDomains (the source.trustDomain rule model.go New makes of them) expanded to it.
 */
function migrateSource(source: Record<string, readonly string[]>, trustDomains: readonly string[]): Record<string, readonly string[]> {
  const out = { ...source };
  for (const field of ['principals', 'notPrincipals'] as const) {
    const values = source[field];
    if (values !== undefined) out[field] = replaceTrustDomainAliases(values, trustDomains);
  }
  for (const field of ['trustDomains', 'notTrustDomains'] as const) {
    const values = source[field];
    if (values !== undefined) out[field] = expandTrustDomainAliases(values, trustDomains);
  }
  return out;
}

/** MigrateTrustDomain on a condition: source.principal widened, source.trustDomain expanded. */
function migrateCondition(condition: RbacCondition, trustDomains: readonly string[]): RbacCondition {
  const migrate = condition.key === 'source.principal' ? replaceTrustDomainAliases
    : condition.key === 'source.trustDomain' ? expandTrustDomainAliases : null;
  if (migrate === null) return condition;
  return {
    key: condition.key,
    ...(condition.values === undefined ? {} : { values: migrate(condition.values, trustDomains) }),
    ...(condition.notValues === undefined ? {} : { notValues: migrate(condition.notValues, trustDomains) }),
  };
}

function translateCondition(condition: { readonly key: string; readonly values?: readonly string[] | null; readonly notValues?: readonly string[] | null }): RbacCondition {
  const values = stringList(condition.values);
  const notValues = stringList(condition.notValues);
  return { key: condition.key, ...(values === null ? {} : { values }), ...(notValues === null ? {} : { notValues }) };
}

/** The written, non-empty lists of `fields`, values as strings. */
function pickLists(entry: Lists, fields: readonly string[]): Record<string, readonly string[]> {
  const out: Record<string, readonly string[]> = {};
  for (const field of fields) {
    const values = stringList(entry[field]);
    if (values !== null) out[field] = values;
  }
  return out;
}

function stringList(value: unknown): readonly string[] | null {
  if (!Array.isArray(value) || value.length === 0) return null;
  return value.map((item) => String(item));
}
