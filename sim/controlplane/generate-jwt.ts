/**
 * RequestAuthentication → the jwt_authn providers a sidecar or gateway enforces: which RequestAuthentications
 * apply to a workload (pilot/pkg/model/authentication.go getConfigsForWorkload with
 * policyattachment.go ShouldAttachPolicy) and their `jwtRules` as providers (the sim/xds/security.ts
 * contract), as pilot/pkg/security/authn/policy_applier.go newPolicyApplier and
 * convertToEnvoyJwtConfig build them.
 *
 * Rules followed:
 * - Policies come from the workload's namespace, then the root namespace, each oldest first; a policy
 *   without a selector covers its namespace (the whole mesh from the root namespace); a selector
 *   applies when its matchLabels are a subset of the workload's labels, in the root namespace too.
 * - A policy with `targetRef` or `targetRefs` is ignored by sidecars and Istio (non Gateway API) gateways.
 * - All applicable policies are combined: every `jwtRules` entry is one provider, and the providers
 *   are sorted by issuer (newPolicyApplier); rules with the same issuer keep the order above.
 * - A rule that names no header, parameter or cookie gets Envoy's default locations
 *   (jwt_authn extractor.cc ExtractorImpl::addProvider): the `authorization` header with prefix
 *   `Bearer ` and the `access_token` query parameter.
 * - Header names (locations, payload and claim outputs) are lower case, as Envoy's LowerCaseString.
 * - Space-delimited claims: `scope` and `permission` always, plus the rule's `spaceDelimitedClaims`,
 *   sorted (buildSpaceDelimitedClaims).
 * - `jwks_uri` is the old spelling of `jwksUri`; empty strings count as unset.
 *
 * Invariants: pure; the output depends only on the policies, their order, the workload and the root
 * namespace.
 *
 * Not modelled: Gateway API gateways and waypoint targetRefs,
 * `timeout`, the JWKS fetch mode (PILOT_JWT_ENABLE_REMOTE_JWKS), Go's unstable sort among equal issuers.
 */
import { compareStrings } from '../core/compare.ts';
import type { Resource } from '../config/resource.ts';
import type { JwtProvider } from '../xds/security.ts';
import { applies } from './generate-authz.ts';
import type { AuthzWorkload } from './generate-authz.ts';

type JwtRule = NonNullable<NonNullable<Resource<'RequestAuthentication'>['spec']['jwtRules']>[number]>;

const DEFAULT_HEADER = { name: 'authorization', prefix: 'Bearer ' } as const;
const DEFAULT_PARAM = 'access_token';
const DEFAULT_SPACE_DELIMITED: readonly string[] = ['permission', 'scope'];

export function jwtProvidersFor(
  requestAuthentications: readonly Resource<'RequestAuthentication'>[], workload: AuthzWorkload, rootNamespace: string,
): JwtProvider[] {
  // getConfigsForWorkload: the workload's namespace first, then the root namespace (once).
  const namespaces = workload.namespace === rootNamespace ? [rootNamespace] : [workload.namespace, rootNamespace];
  const selected = namespaces.flatMap((namespace) => requestAuthentications.filter(
    (policy) => policy.namespace === namespace && applies(policy, workload, rootNamespace)));
  const providers = selected.flatMap((policy) => (policy.spec.jwtRules ?? []).map((rule) => providerOf(rule ?? {}, `${policy.namespace}/${policy.name}`)));
  // Array.prototype.sort is stable: equal issuers keep the selection order.
  return providers.sort((a, b) => compareStrings(a.issuer, b.issuer));
}

export function providerOf(rule: JwtRule, source: string): JwtProvider {
  const fromHeaders = (rule.fromHeaders ?? []).filter((h) => h !== null && h !== undefined)
    .map((h) => ({ name: h.name.toLowerCase(), prefix: h.prefix ?? '' }));
  const fromParams = [...(rule.fromParams ?? [])];
  const fromCookies = [...(rule.fromCookies ?? [])];
  const none = fromHeaders.length === 0 && fromParams.length === 0 && fromCookies.length === 0;
  const payloadHeader = rule.outputPayloadToHeader ?? '';
  return {
    issuer: rule.issuer ?? '',
    audiences: [...(rule.audiences ?? [])],
    jwks: nonEmpty(rule.jwks),
    jwksUri: nonEmpty(rule.jwksUri) ?? nonEmpty(rule.jwks_uri),
    fromHeaders: none ? [{ ...DEFAULT_HEADER }] : fromHeaders,
    fromParams: none ? [DEFAULT_PARAM] : fromParams,
    fromCookies,
    forwardOriginalToken: rule.forwardOriginalToken === true,
    outputPayloadToHeader: payloadHeader === '' ? null : payloadHeader.toLowerCase(),
    outputClaimToHeaders: (rule.outputClaimToHeaders ?? []).filter((o) => o !== null && o !== undefined)
      .map((o) => ({ header: o.header.toLowerCase(), claim: o.claim })),
    spaceDelimitedClaims: [...new Set([...DEFAULT_SPACE_DELIMITED, ...(rule.spaceDelimitedClaims ?? [])])].sort(compareStrings),
    source,
  };
}

function nonEmpty(value: string | null | undefined): string | null {
  return value === undefined || value === null || value === '' ? null : value;
}
