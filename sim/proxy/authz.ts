/**
 * The authorization decision of a sidecar or gateway for one request or connection: the CUSTOM
 * (ext_authz, authz-custom.ts), AUDIT, DENY and ALLOW RBAC filters Istio builds from the workload's
 * AuthorizationPolicies (pilot/pkg/security/authz/builder/builder.go), evaluated in Envoy's order.
 * The CUSTOM stage runs before the JWT filter and the others after it, so the pipeline calls
 * `evaluateCustomStage` and `evaluateLocalStage` apart and `combineStages` joins them;
 * `evaluateAuthorization` runs both on one request.
 *
 * Rules followed:
 * - CUSTOM first: a denial there ends the request (authz-custom.ts).
 * - AUDIT only marks (`audited`); DENY: any matching rule denies; ALLOW: with no enforced ALLOW
 *   policy the request is allowed, otherwise some ALLOW rule must match.
 * - A policy without rules matches nothing (rbacPolicyMatchNever): an ALLOW one denies everything.
 * - The first match in Envoy's map order is the one reported (authz-group.ts).
 * - Dry-run (`istio.io/dry-run`) policies are Envoy shadow rules of their action's filter: never
 *   enforced, reported only if the request reached that filter. DENY: `wouldDeny` when it matches;
 *   ALLOW: judged together, `wouldDeny` when none of the dry-run ALLOW policies matches.
 * - TCP chains: see authz-rule.ts (HTTP-only fields drop ALLOW rules, widen DENY/AUDIT/CUSTOM ones).
 *
 * Invariants: pure; `allowed` is false exactly when a CUSTOM provider (or Istio's deny rules for a bad
 * one), a DENY rule or the ALLOW stage denied; `decision` names the stage that decided (ALLOW also when
 * the ALLOW stage denied); `status` is set exactly when denied.
 *
 * Not modelled: CEL/matcher-tree RBAC, per-rule stats.
 */
import { assert } from '../core/assert.ts';
import type { RbacAction, RbacPolicy } from '../xds/security.ts';
import type { AuthzRequest } from './authz-request.ts';
import { evaluateGroup } from './authz-group.ts';
import type { GroupResult } from './authz-group.ts';
import { evaluateCustomStage } from './authz-custom.ts';
import type { CustomOptions, CustomStage } from './authz-custom.ts';

export type { AuthzHttp, AuthzRequest } from './authz-request.ts';
export { normalizePath } from './authz-path.ts';
export type { PathNormalization } from './authz-path.ts';
export { envoyPolicyId } from './authz-group.ts';
export { evaluateCustomStage } from './authz-custom.ts';
export type { CustomStage, ExtAuthzAnswer } from './authz-custom.ts';

/** `tcp`: a TCP (network RBAC) filter chain rather than HTTP; the rest is for the CUSTOM stage. */
export type AuthzOptions = CustomOptions;

export interface AuthzDecision {
  readonly allowed: boolean;
  /** The stage that decided: CUSTOM (provider denied), DENY (a DENY rule matched), ALLOW (the allow stage). */
  readonly decision: 'ALLOW' | 'DENY' | 'CUSTOM';
  /** `ns/name` of the policy that decided, or null (no policy, or no ALLOW policy matched). */
  readonly policy: string | null;
  readonly rule: number | null;
  readonly reason: string;
  /** The ext_authz provider a CUSTOM rule sent the request to (or whose bad config denied it); else null. */
  readonly provider: string | null;
  /** The HTTP status of a denial (403, or a failing provider's statusOnError); null when allowed. */
  readonly status: number | null;
  /** Envoy's UAEX when the ext_authz filter denied; null otherwise. */
  readonly flag: 'UAEX' | null;
  /** AUDIT policies whose rules matched. */
  readonly audited: readonly string[];
  readonly dryRun: readonly { readonly policy: string; readonly wouldDeny: boolean }[];
}

type DryRun = { policy: string; wouldDeny: boolean };

/** Both stages on one request (the JWT identity, if any, already in it). */
export function evaluateAuthorization(policies: readonly RbacPolicy[], request: AuthzRequest, options: AuthzOptions): AuthzDecision {
  const custom = evaluateCustomStage(policies, request, options);
  return combineStages(custom, custom.denial === null ? evaluateLocalStage(policies, request, options) : null);
}

/** The decision of the CUSTOM stage and the RBAC stages after it (null: not reached). */
export function combineStages(custom: CustomStage, local: AuthzDecision | null): AuthzDecision {
  const denial = custom.denial;
  if (denial !== null) {
    return { allowed: false, decision: 'CUSTOM', policy: denial.policy, rule: denial.rule, reason: denial.reason, provider: denial.provider,
      status: denial.status, flag: denial.flag, audited: [], dryRun: custom.dryRun };
  }
  assert(local !== null, 'the RBAC stages run when the CUSTOM stage lets the request on');
  const dryRun = [...custom.dryRun, ...local.dryRun];
  const passed = custom.passed;
  if (passed === null) return { ...local, dryRun };
  // The CUSTOM policy let the request on; the RBAC stages decided the rest.
  const byCustom = local.allowed && local.policy === null;
  return { ...local, dryRun, provider: passed.provider, reason: `${passed.reason}; then ${local.reason}`,
    ...(byCustom ? { policy: passed.policy, rule: passed.rule } : {}) };
}

/** The AUDIT, DENY and ALLOW filters (CUSTOM policies are the CUSTOM stage's). */
export function evaluateLocalStage(policies: readonly RbacPolicy[], request: AuthzRequest, options: Pick<AuthzOptions, 'tcp'>): AuthzDecision {
  assert(options.tcp || request.http !== undefined, 'an HTTP authorization check needs the request');
  assert(request.sourcePrincipal === null || request.sourcePrincipal.startsWith('spiffe://'),
    () => `a peer principal is a SPIFFE URI: ${JSON.stringify(request.sourcePrincipal)}`);
  const group = (action: RbacAction, dryRun: boolean): GroupResult =>
    evaluateGroup(policies.filter((p) => p.action === action && p.dryRun === dryRun), request, options.tcp);
  const dryRun: DryRun[] = [];
  const audited = [...new Set(group('AUDIT', false).hits.map((hit) => hit.policy.name))];
  dryRun.push(...policies.filter((p) => p.action === 'AUDIT' && p.dryRun).map((p) => ({ policy: p.name, wouldDeny: false })));
  const base = { audited, dryRun, provider: null };
  const dryDeny = group('DENY', true);
  dryRun.push(...policies.filter((p) => p.action === 'DENY' && p.dryRun).map((p) => ({ policy: p.name, wouldDeny: dryDeny.hits.some((hit) => hit.policy === p) })));
  // DENY: any matching rule of an enforced DENY policy denies.
  const deny = group('DENY', false).hits[0];
  if (deny !== undefined) {
    return { ...base, allowed: false, decision: 'DENY', policy: deny.policy.name, rule: deny.rule, status: FORBIDDEN, flag: null,
      reason: `denied by DENY policy ${deny.policy.name} rule ${deny.rule}: ${deny.detail}` };
  }
  const dryAllowPolicies = policies.filter((p) => p.action === 'ALLOW' && p.dryRun);
  const dryAllowDenies = group('ALLOW', true).hits.length === 0;
  dryRun.push(...dryAllowPolicies.map((p) => ({ policy: p.name, wouldDeny: dryAllowDenies })));
  return { ...base, ...allowStage(policies.filter((p) => p.action === 'ALLOW' && !p.dryRun), group('ALLOW', false), policies.length) };
}

const FORBIDDEN = 403;

function allowStage(allowPolicies: readonly RbacPolicy[], allow: GroupResult, policyCount: number): Omit<AuthzDecision, 'audited' | 'dryRun' | 'provider'> {
  // ALLOW: with no enforced ALLOW policy there is no ALLOW filter, and the request passes.
  if (allowPolicies.length === 0) {
    const reason = policyCount === 0 ? 'allowed: no AuthorizationPolicy applies to this workload' : 'allowed: no DENY rule matched and no ALLOW policy applies to this workload';
    return { allowed: true, decision: 'ALLOW', policy: null, rule: null, reason, status: null, flag: null };
  }
  const hit = allow.hits[0];
  // ALLOW: a matching rule allows.
  if (hit !== undefined) {
    return { allowed: true, decision: 'ALLOW', policy: hit.policy.name, rule: hit.rule, reason: `allowed by ALLOW policy ${hit.policy.name} rule ${hit.rule}: ${hit.detail}`, status: null, flag: null };
  }
  // ALLOW: ALLOW policies apply and none matched.
  return { allowed: false, decision: 'ALLOW', policy: null, rule: null, reason: `denied: no ALLOW policy matched (${allow.misses.join('; ')})`, status: FORBIDDEN, flag: null };
}
