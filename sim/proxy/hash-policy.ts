/**
 * The request's hash key for a consistent-hash cluster, from the route's hash policies, as Envoy's
 * HashPolicyImpl::generateHash computes it (source/common/http/hash_policy.cc); and the one 32-bit text
 * hash the ring and the Maglev table place hosts with.
 *
 * Rules followed:
 * - header: the request header's value (lower-cased name, pseudo-headers readable); present with an
 *   empty value still hashes; absent: no value.
 * - cookie: the first `name=value` pair of the Cookie header (a value in double quotes is unquoted,
 *   Http::Utility::parseCookieValue); an absent or empty cookie gives no value.
 * - connection_properties.source_ip: the downstream address when true; nothing when false.
 * - query_parameter: the first value of the parameter, undecoded (QueryParamsMulti::parseQueryString);
 *   `?k` without `=` is the value ''.
 * - Several policies combine in order: hash = rotl(hash, 1) ^ next, for each that yields a value; none
 *   that yields one leaves the request without a key (the balancer then hashes a random value).
 *
 * Invariants: pure; keys are unsigned 32-bit integers from sim/core/hash.ts hash32 (FNV-1a) with the
 * murmur3 finaliser on top, so nearby texts (`10.1.0.1:80_0`, `…_1`) land far apart.
 *
 * Not modelled: Envoy's xxHash64 values (keys are 32-bit and differ from Envoy's, so which host a given
 * value reaches differs; the properties hold); a cookie policy with a ttl generating the cookie (and its
 * Set-Cookie) when the request has none — here such a request has no key; cookie attributes; header
 * regex_rewrite; filter_state policies; `terminal`; source IP taken from X-Forwarded-For.
 */
import { hash32 } from '../core/hash.ts';
import type { HashPolicy } from '../xds/route.ts';
import { asciiLowerCase, firstQueryValue, headerValue, parseQueryParams } from './request.ts';
import type { Call, HttpRequest } from './request.ts';

/** murmur3's fmix32 over FNV-1a 32: a well-spread 32-bit key for a text (seed: a second, independent key). */
export function hashKeyOf(text: string, seed = 0): number {
  let h = (hash32(text) ^ Math.imul(seed, 0x9e3779b9)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The request's hash key, or null when no policy yields a value. */
export function requestHashKey(policies: readonly HashPolicy[] | undefined, call: Call, request: HttpRequest): number | null {
  let hash: number | null = null;
  for (const policy of policies ?? []) {
    const value = policyValue(policy, call, request);
    if (value === null) continue;
    const next = hashKeyOf(value);
    hash = hash === null ? next : (((hash << 1) | (hash >>> 31)) ^ next) >>> 0;
  }
  return hash;
}

function policyValue(policy: HashPolicy, call: Call, request: HttpRequest): string | null {
  switch (policy.kind) {
    case 'header':
      return headerValue(request, asciiLowerCase(policy.headerName)) ?? null;
    case 'cookie': {
      const value = cookieValue(request, policy.name);
      return value === null || value === '' ? null : value;
    }
    case 'connectionProperties':
      return policy.sourceIp ? call.sourceIp ?? null : null;
    case 'queryParameter':
      return firstQueryValue(parseQueryParams(request.path, { decode: false }), policy.name) ?? null;
  }
}

/** Http::Utility::parseCookieValue: the first pair named `name` in the Cookie header, unquoted. */
export function cookieValue(request: HttpRequest, name: string): string | null {
  const header = headerValue(request, 'cookie');
  if (header === undefined) return null;
  for (const piece of header.split(';')) {
    const pair = piece.trimStart();
    const equal = pair.indexOf('=');
    if (equal < 0 || pair.slice(0, equal) !== name) continue;
    const value = pair.slice(equal + 1);
    return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  }
  return null;
}
