/**
 * The sidecar's authorization decision for one request or connection: the CUSTOM (ext_authz), AUDIT,
 * DENY and ALLOW RBAC filters Istio builds from the workload's AuthorizationPolicies
 * (pilot/pkg/security/authz/builder/builder.go), evaluated in Envoy's order.
 *
 * Rules followed:
 * - CUSTOM: when a rule of an enforced CUSTOM policy matches, the provider decides; a deny stops the
 *   request. Several providers on one workload (without PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS,
 *   off by default) turn every CUSTOM rule into a deny. With no `customDecision`, the provider is
 *   unknown and Istio's bad-provider config denies.
 * - AUDIT only marks (`audited`); DENY: any matching rule denies; ALLOW: with no enforced ALLOW
 *   policy the request is allowed, otherwise some ALLOW rule must match.
 * - A policy without rules matches nothing (rbacPolicyMatchNever): an ALLOW one denies everything.
 * - Within an action, Envoy keeps policies in a std::map keyed `ns[<ns>]-policy[<name>]-rule[<i>]`,
 *   so the first match in that byte order is the one reported (`envoyPolicyId`).
 * - Dry-run (`istio.io/dry-run`) policies are Envoy shadow rules of their action's filter: never
 *   enforced, reported only if the request reached that filter. DENY: `wouldDeny` when it matches;
 *   ALLOW: judged together, `wouldDeny` when none of the dry-run ALLOW policies matches.
 * - TCP chains: see authz-rule.ts (HTTP-only fields drop ALLOW rules, widen DENY/AUDIT/CUSTOM ones).
 *
 * Invariants: pure; `allowed` is false exactly when a CUSTOM provider, a DENY rule or the ALLOW stage
 * denied; `decision` names the stage that decided (ALLOW also when the ALLOW stage denied).
 *
 * Not modelled: HTTP-only ext_authz providers being skipped on TCP chains (the caller's
 * `customDecision` decides), CEL/matcher-tree RBAC, per-rule stats, trust-domain aliases.
 */
import { compareStrings } from '../core/compare.ts';
import { assert } from '../core/assert.ts';
import type { RbacAction, RbacPolicy } from '../xds/security.ts';
import type { AuthzRequest } from './authz-request.ts';
import type { RuleVerdict } from './authz-rule.ts';
import { evaluateRule } from './authz-rule.ts';

export type { AuthzHttp, AuthzRequest } from './authz-request.ts';
export { normalizePath } from './authz-path.ts';
export type { PathNormalization } from './authz-path.ts';

export interface AuthzOptions {
  /** A TCP (network RBAC) filter chain rather than HTTP. */
  readonly tcp: boolean;
  /** The ext_authz provider's answer for a request a CUSTOM rule matched. */
  readonly customDecision?: (provider: string) => 'allow' | 'deny';
  /** The mesh trust domain (default `cluster.local`). */
  readonly trustDomain?: string;
}

export interface AuthzDecision {
  readonly allowed: boolean;
  /** The stage that decided: CUSTOM (provider denied), DENY (a DENY rule matched), ALLOW (the allow stage). */
  readonly decision: 'ALLOW' | 'DENY' | 'CUSTOM';
  /** `ns/name` of the policy that decided, or null (no policy, or no ALLOW policy matched). */
  readonly policy: string | null;
  readonly rule: number | null;
  readonly reason: string;
  /** AUDIT policies whose rules matched. */
  readonly audited: readonly string[];
  readonly dryRun: readonly { readonly policy: string; readonly wouldDeny: boolean }[];
}

interface Hit { readonly policy: RbacPolicy; readonly rule: number; readonly detail: string }
interface GroupResult { readonly hits: readonly Hit[]; readonly misses: readonly string[] }
type DryRun = { policy: string; wouldDeny: boolean };

/** Envoy's RBAC policy name for a rule (builder.go policyName), e.g. `ns[foo]-policy[deny-get]-rule[0]`. */
export function envoyPolicyId(policy: string, rule: number): string {
  const slash = policy.indexOf('/');
  return `ns[${policy.slice(0, slash)}]-policy[${policy.slice(slash + 1)}]-rule[${rule}]`;
}

export function evaluateAuthorization(policies: readonly RbacPolicy[], request: AuthzRequest, options: AuthzOptions): AuthzDecision {
  assert(options.tcp || request.http !== undefined, 'an HTTP authorization check needs the request');
  assert(request.sourcePrincipal === null || request.sourcePrincipal.startsWith('spiffe://'),
    () => `a peer principal is a SPIFFE URI: ${JSON.stringify(request.sourcePrincipal)}`);
  const trustDomain = options.trustDomain ?? 'cluster.local';
  const group = (action: RbacAction, dryRun: boolean): GroupResult =>
    evaluateGroup(policies.filter((p) => p.action === action && p.dryRun === dryRun), request, options.tcp, trustDomain);
  const dryRun: DryRun[] = [];
  const custom = customStage(policies, group('CUSTOM', false), group('CUSTOM', true), options, dryRun);
  if (custom !== null) return custom;
  const audited = [...new Set(group('AUDIT', false).hits.map((hit) => hit.policy.name))];
  dryRun.push(...policies.filter((p) => p.action === 'AUDIT' && p.dryRun).map((p) => ({ policy: p.name, wouldDeny: false })));
  const base = { audited, dryRun };
  const dryDeny = group('DENY', true);
  dryRun.push(...policies.filter((p) => p.action === 'DENY' && p.dryRun).map((p) => ({ policy: p.name, wouldDeny: dryDeny.hits.some((hit) => hit.policy === p) })));
  // DENY: any matching rule of an enforced DENY policy denies.
  const deny = group('DENY', false).hits[0];
  if (deny !== undefined) {
    return { ...base, allowed: false, decision: 'DENY', policy: deny.policy.name, rule: deny.rule,
      reason: `denied by DENY policy ${deny.policy.name} rule ${deny.rule}: ${deny.detail}` };
  }
  const dryAllowPolicies = policies.filter((p) => p.action === 'ALLOW' && p.dryRun);
  const dryAllowDenies = group('ALLOW', true).hits.length === 0;
  dryRun.push(...dryAllowPolicies.map((p) => ({ policy: p.name, wouldDeny: dryAllowDenies })));
  return { ...base, ...allowStage(policies.filter((p) => p.action === 'ALLOW' && !p.dryRun), group('ALLOW', false), policies.length) };
}

function allowStage(allowPolicies: readonly RbacPolicy[], allow: GroupResult, policyCount: number): Omit<AuthzDecision, 'audited' | 'dryRun'> {
  // ALLOW: with no enforced ALLOW policy there is no ALLOW filter, and the request passes.
  if (allowPolicies.length === 0) {
    const reason = policyCount === 0 ? 'allowed: no AuthorizationPolicy applies to this workload' : 'allowed: no DENY rule matched and no ALLOW policy applies to this workload';
    return { allowed: true, decision: 'ALLOW', policy: null, rule: null, reason };
  }
  const hit = allow.hits[0];
  // ALLOW: a matching rule allows.
  if (hit !== undefined) {
    return { allowed: true, decision: 'ALLOW', policy: hit.policy.name, rule: hit.rule, reason: `allowed by ALLOW policy ${hit.policy.name} rule ${hit.rule}: ${hit.detail}` };
  }
  // ALLOW: ALLOW policies apply and none matched.
  return { allowed: false, decision: 'ALLOW', policy: null, rule: null, reason: `denied: no ALLOW policy matched (${allow.misses.join('; ')})` };
}

function customStage(policies: readonly RbacPolicy[], enforced: GroupResult, shadow: GroupResult, options: AuthzOptions, dryRun: DryRun[]): AuthzDecision | null {
  const customs = policies.filter((p) => p.action === 'CUSTOM');
  const decide = (provider: string): 'allow' | 'deny' => options.customDecision?.(provider) ?? 'deny';
  for (const policy of customs.filter((p) => p.dryRun)) {
    const matched = shadow.hits.some((hit) => hit.policy === policy);
    dryRun.push({ policy: policy.name, wouldDeny: matched && decide(policy.provider ?? '') === 'deny' });
  }
  const hit = enforced.hits[0];
  // CUSTOM: ext_authz is only called when a CUSTOM rule matched.
  if (hit === undefined) return null;
  const providers = [...new Set(customs.map((p) => p.provider ?? ''))].sort(compareStrings);
  const base = { allowed: false, decision: 'CUSTOM' as const, policy: hit.policy.name, rule: hit.rule, audited: [], dryRun };
  // CUSTOM: several providers without the feature flag become deny rules.
  if (providers.length > 1) {
    return { ...base, reason: `denied by CUSTOM policy ${hit.policy.name} rule ${hit.rule}: several CUSTOM providers (${providers.join(', ')}) on one workload need PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS, so Istio denies what their rules match` };
  }
  const provider = hit.policy.provider ?? '';
  if (decide(provider) === 'allow') return null;
  const why = options.customDecision === undefined ? 'is not configured, so Istio denies what its rules match' : 'denied the request';
  return { ...base, reason: `denied by CUSTOM policy ${hit.policy.name} rule ${hit.rule}: provider ${JSON.stringify(provider)} ${why} (${hit.detail})` };
}

/** Every rule of the group's policies in Envoy's order; hits first match first. */
function evaluateGroup(policies: readonly RbacPolicy[], request: AuthzRequest, tcp: boolean, trustDomain: string): GroupResult {
  const ordered = policies.flatMap((policy) => policy.rules.length === 0
    ? [{ policy, rule: 0, id: envoyPolicyId(policy.name, 0) }]
    : policy.rules.map((_, rule) => ({ policy, rule, id: envoyPolicyId(policy.name, rule) })));
  ordered.sort((a, b) => compareStrings(a.id, b.id));
  const hits: Hit[] = [];
  const misses: string[] = [];
  for (const { policy, rule } of ordered) {
    const verdict = verdictFor(policy, rule, request, tcp, trustDomain);
    if (verdict.kind === 'match') hits.push({ policy, rule, detail: verdict.detail });
    else misses.push(`${policy.name} rule ${rule}: ${verdict.detail}`);
  }
  return { hits, misses };
}

function verdictFor(policy: RbacPolicy, index: number, request: AuthzRequest, tcp: boolean, trustDomain: string): RuleVerdict {
  const rule = policy.rules[index];
  // builder.go rbacPolicyMatchNever: a policy without rules matches nothing.
  if (rule === undefined) return { kind: 'dropped', detail: 'the policy has no rules, so it matches nothing' };
  const policyNamespace = policy.name.slice(0, policy.name.indexOf('/'));
  return evaluateRule(rule, request, { action: policy.action, tcp, trustDomain, policyNamespace });
}
