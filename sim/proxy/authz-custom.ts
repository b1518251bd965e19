/**
 * The CUSTOM stage of authorization: Istio's ext_authz filter pair (a shadow RBAC filter that marks the
 * requests a CUSTOM rule matches, then the ext_authz filter that asks the provider about those only),
 * or — when istiod could not build it — the deny rules it puts in its place
 * (pilot/pkg/security/authz/builder/builder.go buildHTTP/buildTCP, extauthz.go).
 *
 * Rules followed:
 * - The provider is asked only when an enforced CUSTOM rule matched the request.
 * - Several providers on one workload (without PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS, off by
 *   default), and a provider istiod cannot resolve (not in MeshConfig extensionProviders, invalid
 *   settings, a service not in the registry), turn the enforced CUSTOM rules into DENY rules
 *   (`-deny-due-to-bad-CUSTOM-action`): what they match gets 403 `RBAC: access denied`.
 * - An envoyExtAuthzHttp provider has no TCP filter: on TCP chains its policies do not apply.
 * - The provider's answer comes from the caller: `allow` lets the request on; `deny` is 403 with
 *   Envoy's UAEX flag; `error` (the service failed or is unreachable) lets it on when `failOpen`
 *   (failure_mode_allow), else answers `statusOnError` (Envoy's default 403), UAEX. No answer given
 *   counts as `deny`.
 * - Dry-run CUSTOM policies are reported (`wouldDeny` when they match and the provider would not
 *   allow), never enforced.
 *
 * Invariants: pure; a denial names the policy, rule and provider; without CUSTOM policies the stage
 * passes with nothing to say.
 *
 * Not modelled: what the provider is sent or sends back (headers, body, path prefix, timeouts), the
 * status an HTTP ext_authz service chooses for a denial (always 403 here), Istio's enforcement of
 * dry-run CUSTOM rules in the RBAC filter's `rules`.
 */
import { assert } from '../core/assert.ts';
import { compareStrings } from '../core/compare.ts';
import type { ExtAuthzProvider, RbacPolicy } from '../xds/security.ts';
import type { AuthzRequest } from './authz-request.ts';
import { evaluateGroup } from './authz-group.ts';
import type { Hit } from './authz-group.ts';

/** What an ext_authz provider answers: allow, deny, or an error (failed, unreachable). */
export type ExtAuthzAnswer = 'allow' | 'deny' | 'error';

export interface CustomOptions {
  readonly tcp: boolean;
  /** The providers istiod resolved (WorkloadSecurity.extAuthzProviders); absent: none. */
  readonly providers?: readonly ExtAuthzProvider[];
  /** The provider's answer for a request a CUSTOM rule matched; absent or undefined: deny. */
  readonly customDecision?: (provider: string) => ExtAuthzAnswer | undefined;
}

export interface CustomDenial {
  readonly policy: string;
  readonly rule: number;
  readonly provider: string;
  readonly reason: string;
  readonly status: number;
  /** UAEX: the ext_authz filter denied; null: Istio's deny rules (RBAC) did. */
  readonly flag: 'UAEX' | null;
}

export interface CustomStage {
  /** The request ends here. */
  readonly denial: CustomDenial | null;
  /** A CUSTOM rule matched and the request goes on (allowed, failed open, or not applicable on TCP). */
  readonly passed: { readonly policy: string; readonly rule: number; readonly provider: string; readonly reason: string } | null;
  readonly dryRun: readonly { readonly policy: string; readonly wouldDeny: boolean }[];
}

const FORBIDDEN = 403;
const NOTHING: CustomStage = { denial: null, passed: null, dryRun: [] };

export function evaluateCustomStage(policies: readonly RbacPolicy[], request: AuthzRequest, options: CustomOptions): CustomStage {
  const customs = policies.filter((p) => p.action === 'CUSTOM');
  if (customs.length === 0) return NOTHING;
  assert(options.tcp || request.http !== undefined, 'an HTTP authorization check needs the request');
  const names = [...new Set(customs.map((p) => p.provider ?? ''))].sort(compareStrings);
  const hit = evaluateGroup(customs.filter((p) => !p.dryRun), request, options.tcp).hits[0];
  const shadowHits = evaluateGroup(customs.filter((p) => p.dryRun), request, options.tcp).hits;
  const shadows = customs.filter((p) => p.dryRun);
  const notReached = shadows.map((p) => ({ policy: p.name, wouldDeny: false }));
  // builder.go buildHTTP/buildTCP: several providers without the feature flag become deny rules (dry-run ones are dropped).
  if (names.length > 1) {
    return { denial: hit === undefined ? null : badDenial(hit, `several CUSTOM providers (${names.join(', ')}) on one workload need PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS, so Istio denies what their rules match`), passed: null, dryRun: notReached };
  }
  const name = names[0]!;
  const provider = (options.providers ?? []).find((p) => p.name === name);
  // extauthz.go getExtAuthz: an unknown or invalid provider gives deny rules instead of ext_authz.
  if (provider === undefined || !provider.resolved) {
    const why = provider === undefined ? `it is not among the resolved providers [${(options.providers ?? []).map((p) => p.name).join(', ')}]` : provider.error;
    return { denial: hit === undefined ? null : badDenial(hit, `istiod cannot use extension provider ${JSON.stringify(name)} (${why}), so it turns the CUSTOM rules into deny rules (-deny-due-to-bad-CUSTOM-action)`), passed: null, dryRun: notReached };
  }
  // builder.go buildTCP: an HTTP ext_authz provider has no TCP filter.
  if (options.tcp && provider.protocol === 'http') {
    return { denial: null, dryRun: notReached, passed: hit === undefined ? null : { policy: hit.policy.name, rule: hit.rule, provider: name,
      reason: `CUSTOM policy ${hit.policy.name} rule ${hit.rule} matched, but ${JSON.stringify(name)} is an HTTP ext_authz provider: Istio puts no ext_authz filter on TCP chains, so it does not apply` } };
  }
  const answer = options.customDecision?.(name);
  const given = answer ?? 'deny';
  const denies = given === 'deny' || (given === 'error' && !provider.failOpen);
  const dryRun = shadows.map((p) => ({ policy: p.name, wouldDeny: denies && shadowHits.some((h) => h.policy === p) }));
  // ext_authz is only called when a CUSTOM rule matched (FilterEnabledMetadata).
  if (hit === undefined) return { denial: null, passed: null, dryRun };
  const asked = `CUSTOM policy ${hit.policy.name} rule ${hit.rule} matched (${hit.detail}) and sent the request to ext_authz provider ${JSON.stringify(name)}`;
  const unanswered = answer === undefined ? ` (no answer was given for ${JSON.stringify(name)}, so it is taken as deny)` : '';
  if (given === 'allow') return { denial: null, dryRun, passed: { policy: hit.policy.name, rule: hit.rule, provider: name, reason: `${asked}, which allowed it` } };
  // Envoy ext_authz failure_mode_allow (failOpen): a failing provider lets the request through.
  if (given === 'error' && provider.failOpen) {
    return { denial: null, dryRun, passed: { policy: hit.policy.name, rule: hit.rule, provider: name, reason: `${asked}, which failed; failOpen lets the request through` } };
  }
  // Envoy ext_authz: a denial is 403 (UAEX); a failure without failOpen answers status_on_error (default 403).
  const status = given === 'error' ? provider.statusOnError ?? FORBIDDEN : FORBIDDEN;
  const what = given === 'error'
    ? `, which failed and does not fail open, so Envoy answers ${status}${provider.statusOnError === null ? '' : ' (statusOnError)'}`
    : `, which denied it${unanswered}`;
  return { denial: { policy: hit.policy.name, rule: hit.rule, provider: name, reason: `denied by ${asked}${what}`, status, flag: 'UAEX' }, passed: null, dryRun };
}

function badDenial(hit: Hit, why: string): CustomDenial {
  return { policy: hit.policy.name, rule: hit.rule, provider: hit.policy.provider ?? '', status: FORBIDDEN, flag: null,
    reason: `denied by CUSTOM policy ${hit.policy.name} rule ${hit.rule}: ${why} (${hit.detail})` };
}
