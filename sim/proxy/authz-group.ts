/**
 * One RBAC filter's worth of rules: every rule of a group of AuthorizationPolicies (one action, enforced
 * or dry-run) against a request, in the order Envoy evaluates them, as hits (rules that matched) and
 * misses (why the others did not).
 *
 * Rules followed:
 * - Envoy keeps an RBAC filter's policies in a std::map keyed by Istio's policy name
 *   (builder.go policyName: `ns[<ns>]-policy[<name>]-rule[<i>]`), so the first match in that byte
 *   order is the one reported; CUSTOM policies get one filter per provider, in provider order, and
 *   their keys carry the provider (`istio-ext-authz-<provider>-ns[…]…`).
 * - A policy without rules matches nothing (builder.go rbacPolicyMatchNever).
 *
 * Invariants: pure; hits and misses together cover every rule of the group once.
 *
 * Not modelled: per-rule stats and Envoy's matcher-tree RBAC.
 */
import { compareStrings } from '../core/compare.ts';
import type { RbacPolicy } from '../xds/security.ts';
import type { AuthzRequest } from './authz-request.ts';
import type { RuleVerdict } from './authz-rule.ts';
import { evaluateRule } from './authz-rule.ts';

export interface Hit { readonly policy: RbacPolicy; readonly rule: number; readonly detail: string }
export interface GroupResult { readonly hits: readonly Hit[]; readonly misses: readonly string[] }

/** Envoy's RBAC policy name for a rule (builder.go policyName), e.g. `ns[foo]-policy[deny-get]-rule[0]`. */
export function envoyPolicyId(policy: string, rule: number): string {
  const slash = policy.indexOf('/');
  return `ns[${policy.slice(0, slash)}]-policy[${policy.slice(slash + 1)}]-rule[${rule}]`;
}

/** Every rule of the group's policies in Envoy's order; hits first match first. */
export function evaluateGroup(policies: readonly RbacPolicy[], request: AuthzRequest, tcp: boolean): GroupResult {
  const ordered = policies.flatMap((policy) => (policy.rules.length === 0 ? [0] : policy.rules.map((_, rule) => rule))
    .map((rule) => ({ policy, rule, provider: policy.action === 'CUSTOM' ? policy.provider ?? '' : '', id: envoyPolicyId(policy.name, rule) })));
  // One CUSTOM filter per provider, in provider order; within a filter, Envoy's map order.
  ordered.sort((a, b) => compareStrings(a.provider, b.provider) || compareStrings(a.id, b.id));
  const hits: Hit[] = [];
  const misses: string[] = [];
  for (const { policy, rule } of ordered) {
    const verdict = verdictFor(policy, rule, request, tcp);
    if (verdict.kind === 'match') hits.push({ policy, rule, detail: verdict.detail });
    else misses.push(`${policy.name} rule ${rule}: ${verdict.detail}`);
  }
  return { hits, misses };
}

function verdictFor(policy: RbacPolicy, index: number, request: AuthzRequest, tcp: boolean): RuleVerdict {
  const rule = policy.rules[index];
  // builder.go rbacPolicyMatchNever: a policy without rules matches nothing.
  if (rule === undefined) return { kind: 'dropped', detail: 'the policy has no rules, so it matches nothing' };
  const policyNamespace = policy.name.slice(0, policy.name.indexOf('/'));
  return evaluateRule(rule, request, { action: policy.action, tcp, policyNamespace });
}
