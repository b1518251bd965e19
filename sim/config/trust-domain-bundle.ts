/**
 * The trust-domain bundle istiod applies to AuthorizationPolicy principals before it builds RBAC
 * (pilot/pkg/security/trustdomain/bundle.go, called from authz/model Model.MigrateTrustDomain): the
 * mesh's trust domain first, then MeshConfig `trustDomainAliases`, so a policy written for one of
 * them matches identities in all of them.
 *
 * Rules followed (ReplaceTrustDomainAliases, for `principals`/`notPrincipals` and `source.principal`):
 * - A principal is `<td>/ns/<ns>/sa/<sa>` (five `/`-separated parts); anything else (`*`, `ns/foo`,
 *   `spiffe://…`) is kept as written, and so is one whose trust domain is exactly `*`.
 * - Its trust domain is widened when it is in the bundle — matched with `*` as prefix or suffix on
 *   either side (trustdomain stringMatch) — or when it is `cluster.local`, which always stands for the
 *   local trust domain and its aliases. Otherwise the principal is kept unchanged.
 * - Widening gives one principal per bundle entry, in bundle order: the entry's own trust domain in
 *   place of the written one, except that an entry the written trust domain matches as `*suffix`
 *   keeps the principal as written (so `*-td` is kept once, not once per entry); duplicates are dropped.
 * - `source.trustDomain` values equal to a bundle entry become the whole bundle
 *   (ExpandTrustDomainAliases), duplicates dropped.
 *
 * Invariants: pure; the bundle is never empty; without aliases and with trust domain `cluster.local`
 * every principal maps to itself.
 *
 * Not modelled: nothing beyond the functions above (Istio's logging of foreign trust domains is
 * the analyzer's job, MS0206).
 */

/** Istio's pointer to the local trust domain (constants.DefaultClusterLocalDomain). */
const CLUSTER_LOCAL = 'cluster.local';

/** The mesh's trust domain, then its aliases (trustdomain.NewBundle). */
export function trustDomainBundle(trustDomain: string, aliases: readonly string[]): readonly string[] {
  return [trustDomain, ...aliases];
}

function prefixMatch(value: string, pattern: string): boolean {
  return pattern.endsWith('*') && value.startsWith(pattern.slice(0, -1));
}

function suffixMatch(value: string, pattern: string): boolean {
  return pattern.startsWith('*') && value.endsWith(pattern.slice(1));
}

/** trustdomain stringMatch: exact, `*`, or a prefix/suffix pattern on either side. */
function inBundle(trustDomain: string, bundle: readonly string[]): boolean {
  return bundle.some((entry) => trustDomain === entry || entry === '*' || prefixMatch(trustDomain, entry) || prefixMatch(entry, trustDomain)
    || suffixMatch(trustDomain, entry) || suffixMatch(entry, trustDomain));
}

/** ReplaceTrustDomainAliases: each principal, widened to the bundle where Istio widens it. */
export function replaceTrustDomainAliases(principals: readonly string[], bundle: readonly string[]): string[] {
  const out: string[] = [];
  for (const principal of principals) {
    const parts = principal.split('/');
    // Not a SPIFFE identity in authorization form, or `*` as trust domain: the trust domain is not enforced.
    if (parts.length !== 5 || parts[0] === '*') {
      out.push(principal);
      continue;
    }
    const written = parts[0]!;
    // A trust domain outside the bundle (and not cluster.local) keeps the policy as it is.
    if (!inBundle(written, bundle) && written !== CLUSTER_LOCAL) {
      out.push(principal);
      continue;
    }
    const widened: string[] = [];
    for (const entry of bundle) {
      // replaceTrustDomains: a `*suffix` trust domain that matches the entry is kept as written.
      const next = suffixMatch(entry, written) ? principal : [entry, ...parts.slice(1)].join('/');
      if (!widened.includes(next)) widened.push(next);
    }
    out.push(...widened);
  }
  return out;
}

/** ExpandTrustDomainAliases: a value naming a bundle entry stands for the whole bundle. */
export function expandTrustDomainAliases(values: readonly string[], bundle: readonly string[]): string[] {
  const out: string[] = [];
  for (const value of values) {
    for (const next of bundle.includes(value) ? bundle : [value]) if (!out.includes(next)) out.push(next);
  }
  return out;
}
