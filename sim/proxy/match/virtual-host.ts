/**
 * Envoy's virtual host selection for one RouteConfiguration (`RouteMatcher::findVirtualHost`), which
 * Istio's own simulator mirrors (`matchVirtualHost` in pilot/pkg/simulation/traffic.go).
 *
 * Rules followed:
 * - The Host is lower-cased (ASCII); with `ignorePortInHostMatching` its `:port` is stripped first
 *   (HeaderUtility::getPortStart: the last `:` not inside `[…]`). Domains are lower-cased too.
 * - An exact domain wins; then the longest suffix wildcard (`*.foo.com`, `*-bar.foo.com`), then the
 *   longest prefix wildcard (`foo.*`), then `*`. A wildcard's `*` stands for at least one character:
 *   `*.foo.com` does not match `foo.com` nor `.foo.com` (Envoy requires host.size() > suffix.size()).
 * - A domain with a port (`reviews:9080`) is compared as written, so it matches only a Host carrying
 *   that port and only when the port is not stripped (ignorePortInHostMatching false), as in Envoy.
 * - No match: null (Envoy answers 404 with flag NR).
 *
 * Invariants: pure. Among equal candidates the first virtual host in config order wins (Envoy rejects
 * a RouteConfiguration with a duplicate domain, so this only matters for configs Envoy would NACK).
 * The lookup is Envoy's: an index built once per RouteConfiguration (exact domains in a hash map, suffix
 * and prefix wildcards in maps by their fixed part, tried from the longest length down), so a request
 * costs the length of its Host, not the size of the table. Config is immutable, so the index is kept
 * in a WeakMap by identity: derived data that dies with its config, never state a world can observe.
 * `selectVirtualHostReference` is the plain scan over every domain, kept to check the index against.
 *
 * Not modelled: VHDS (on-demand virtual hosts), a trailing dot in Host (Envoy's strip_trailing_host_dot
 * is an HCM option Istio leaves off).
 */
import type { RouteConfiguration, VirtualHost } from '../../xds/route.ts';
import { asciiLowerCase, splitAuthority } from '../request.ts';

type Rank = { readonly virtualHost: VirtualHost; readonly tier: number; readonly length: number };

const TIER_EXACT = 3;
const TIER_SUFFIX = 2;
const TIER_PREFIX = 1;
const TIER_ANY = 0;

/** Envoy's domain maps for one RouteConfiguration, lower-cased; each key keeps its first virtual host. */
interface VirtualHostIndex {
  readonly exact: Map<string, VirtualHost>;
  /** `*.foo.com` under `.foo.com`; lengths of the keys, longest first. */
  readonly suffixes: Map<string, VirtualHost>;
  readonly suffixLengths: readonly number[];
  /** `foo.*` under `foo.`; lengths of the keys, longest first. */
  readonly prefixes: Map<string, VirtualHost>;
  readonly prefixLengths: readonly number[];
  readonly any: VirtualHost | null;
  /** Answers so far by the authority as written. */
  readonly byAuthority: Map<string, VirtualHost | null>;
}

const indexes = new WeakMap<RouteConfiguration, VirtualHostIndex>();

export function selectVirtualHost(config: RouteConfiguration, authority: string): VirtualHost | null {
  let index = indexes.get(config);
  if (index === undefined) {
    index = buildIndex(config);
    indexes.set(config, index);
  }
  const known = index.byAuthority.get(authority);
  if (known !== undefined) return known;
  const chosen = lookUp(index, config, authority);
  // Remembered per authority as sent (most traffic repeats a few); bounded for ever-new ones.
  if (index.byAuthority.size < AUTHORITIES_REMEMBERED_MAX) index.byAuthority.set(authority, chosen);
  return chosen;
}

const AUTHORITIES_REMEMBERED_MAX = 65_536;

function lookUp(index: VirtualHostIndex, config: RouteConfiguration, authority: string): VirtualHost | null {
  const lowered = asciiLowerCase(authority);
  const host = config.ignorePortInHostMatching ? splitAuthority(lowered).host : lowered;
  const exact = index.exact.get(host);
  if (exact !== undefined) return exact;
  // The wildcard's `*` stands for at least one character: only keys shorter than the host.
  for (const length of index.suffixLengths) {
    if (length >= host.length) continue;
    const found = index.suffixes.get(host.slice(host.length - length));
    if (found !== undefined) return found;
  }
  for (const length of index.prefixLengths) {
    if (length >= host.length) continue;
    const found = index.prefixes.get(host.slice(0, length));
    if (found !== undefined) return found;
  }
  return index.any;
}

function buildIndex(config: RouteConfiguration): VirtualHostIndex {
  const exact = new Map<string, VirtualHost>();
  const suffixes = new Map<string, VirtualHost>();
  const prefixes = new Map<string, VirtualHost>();
  let any: VirtualHost | null = null;
  const keep = (map: Map<string, VirtualHost>, key: string, virtualHost: VirtualHost): void => {
    if (!map.has(key)) map.set(key, virtualHost);
  };
  for (const virtualHost of config.virtualHosts) {
    for (const written of virtualHost.domains) {
      const domain = asciiLowerCase(written);
      if (domain === '*') any ??= virtualHost;
      else if (domain.startsWith('*')) keep(suffixes, domain.slice(1), virtualHost);
      else if (domain.endsWith('*')) keep(prefixes, domain.slice(0, -1), virtualHost);
      else keep(exact, domain, virtualHost);
    }
  }
  return { exact, suffixes, suffixLengths: lengthsLongestFirst(suffixes), prefixes, prefixLengths: lengthsLongestFirst(prefixes), any, byAuthority: new Map() };
}

function lengthsLongestFirst(map: ReadonlyMap<string, VirtualHost>): number[] {
  return [...new Set([...map.keys()].map((key) => key.length))].sort((a, b) => b - a);
}

/** The same choice by scanning every domain of every virtual host: the reference the index is checked against. */
export function selectVirtualHostReference(config: RouteConfiguration, authority: string): VirtualHost | null {
  const lowered = asciiLowerCase(authority);
  const host = config.ignorePortInHostMatching ? splitAuthority(lowered).host : lowered;
  let best: Rank | null = null;
  for (const virtualHost of config.virtualHosts) {
    for (const domain of virtualHost.domains) {
      const rank = rankDomain(asciiLowerCase(domain), host, virtualHost);
      if (rank !== null && (best === null || beats(rank, best))) best = rank;
    }
  }
  return best?.virtualHost ?? null;
}

/** How well one domain matches the host (Envoy's category order), or null when it does not. */
export function rankDomain(domain: string, host: string, virtualHost: VirtualHost): Rank | null {
  if (domain === '*') return { virtualHost, tier: TIER_ANY, length: 0 };
  if (domain.startsWith('*')) {
    const suffix = domain.slice(1);
    const matches = host.length > suffix.length && host.endsWith(suffix);
    return matches ? { virtualHost, tier: TIER_SUFFIX, length: suffix.length } : null;
  }
  if (domain.endsWith('*')) {
    const prefix = domain.slice(0, -1);
    const matches = host.length > prefix.length && host.startsWith(prefix);
    return matches ? { virtualHost, tier: TIER_PREFIX, length: prefix.length } : null;
  }
  return domain === host ? { virtualHost, tier: TIER_EXACT, length: domain.length } : null;
}

// Strictly better only: on a tie the earlier virtual host keeps its place.
function beats(candidate: Rank, incumbent: Rank): boolean {
  if (candidate.tier !== incumbent.tier) return candidate.tier > incumbent.tier;
  return candidate.length > incumbent.length;
}
