/**
 * Istio authorization attributes: for each `from`/`to` field and `when` key, how one written value
 * becomes a predicate on the request (Istio's pilot/pkg/security/authz/model/generator.go generators,
 * with the matchers of authz/matcher/string.go and header.go), or why it cannot (a generation error).
 *
 * Rules followed (each value):
 * - Strings (StringMatcher): `*` any NON-EMPTY value (regex `.+`), `*x` suffix, `x*` prefix, else exact.
 * - Headers, `:method`, `:authority` (HeaderMatcher): `*` is present_match; `hosts` ignore case.
 * - `principals` / `source.principal` (srcPrincipalGenerator): matched as `spiffe://` + value on the
 *   authenticated peer; `*` is `.+`; a plaintext peer matches nothing.
 * - `namespaces` / `source.namespace`: the peer must contain `/ns/<ns>/` (Istio's regex), a `*` inside
 *   the value matching any text.
 * - `serviceAccounts` / `source.serviceAccount`: `ns/sa` or bare `sa` (the policy's namespace), regex
 *   `spiffe://.+/ns/<ns>/(.+/|)sa/<sa>(/.+)?`. `trustDomains` / `source.trustDomain`
 *   (srcTrustDomainGenerator): `*` any SPIFFE peer, `td` prefix `spiffe://td/`, a wildcard standing for
 *   text without `/`.
 * - Principals arrive already widened to the trust-domain bundle (the control plane's
 *   MigrateTrustDomain), so they are matched as written.
 * - IPs: address or CIDR on the direct peer (`ipBlocks`, `source.ip`), the original client
 *   (`remoteIpBlocks`, `remote.ip`) or the local address (`destination.ip`); ports: 0..65535.
 * - `paths`: on the path without query; `{*}`/`{**}` make the value a URI template (authz-path.ts).
 * - `requestPrincipals` / `request.auth.principal`: `iss/sub` split at the last `/`, each side matched
 *   per Istio's requestPrincipalGenerator; `request.auth.audiences`, `.presenter`, `.claims[a][b]` match
 *   a string claim or any string of a list claim.
 * - HTTP-only attributes (hosts, paths, methods, requestPrincipals, request.headers, request.auth.*)
 *   fail to generate on TCP chains.
 *
 * Invariants: pure; a compiled predicate reads only the request.
 *
 * Not modelled: `experimental.envoy.filters.*` (Envoy dynamic metadata: such a
 * condition never matches here, and the evaluator says so).
 */
import type { AuthzRequest } from './authz-request.ts';
import { headerValue, jwtAudiences, jwtClaim, jwtIssuerSubject, jwtPresenter, pathWithoutQuery } from './authz-request.ts';
import { matchPathTemplate, containsPathTemplate } from './authz-path.ts';
import { cidrContains, parseCidr, parseIp } from './match/cidr.ts';
import { asciiLowerCase } from './request.ts';

export interface CompileContext {
  readonly policyNamespace: string;
  readonly tcp: boolean;
}

export type ValueTest = (request: AuthzRequest) => boolean;
export type CompiledValue = { readonly ok: true; readonly test: ValueTest } | { readonly ok: false; readonly error: string };

export interface Attribute {
  /** Istio's attribute name, for reasons. */
  readonly name: string;
  readonly httpOnly: boolean;
  /** Istio's "extended" generators build one matcher for the whole list: an error drops the list. */
  readonly wholeList: boolean;
  /** Envoy metadata meshsim cannot see. */
  readonly unevaluable: boolean;
  readonly compile: (value: string, context: CompileContext) => CompiledValue;
  /** What the request carries for this attribute, for reasons. */
  readonly observed: (request: AuthzRequest) => string;
}

const SPIFFE = 'spiffe://';
const ok = (test: ValueTest): CompiledValue => ({ ok: true, test });
const fail = (error: string): CompiledValue => ({ ok: false, error });

/** Istio's StringMatcher(v) on a present value. */
export function matchPattern(pattern: string, value: string): boolean {
  if (pattern === '*') return value.length > 0;
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  return value === pattern;
}

/** Istio's HeaderMatcher / HostMatcher: `*` is presence, the rest as StringMatcher. */
function matchHeader(pattern: string, value: string | undefined, ignoreCase: boolean): boolean {
  if (value === undefined) return false;
  if (pattern === '*') return true;
  return ignoreCase ? matchPattern(asciiLowerCase(pattern), asciiLowerCase(value)) : matchPattern(pattern, value);
}

/** StringMatcherWithPrefix(v, "spiffe://") on the peer's URI SAN. */
function matchPrincipal(pattern: string, uri: string): boolean {
  if (pattern === '*') return uri.length > 0;
  if (pattern.startsWith('*')) return uri.startsWith(SPIFFE) && uri.length >= SPIFFE.length + pattern.length - 1 && uri.endsWith(pattern.slice(1));
  if (pattern.endsWith('*')) return uri.startsWith(SPIFFE + pattern.slice(0, -1));
  return uri === SPIFFE + pattern;
}

/** A string or any string element of a list (Envoy ListMatcher one_of OR'd with the value itself). */
function matchClaimValue(pattern: string, value: unknown): boolean {
  if (typeof value === 'string') return matchPattern(pattern, value);
  return Array.isArray(value) && value.some((item) => typeof item === 'string' && matchPattern(pattern, item));
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function onPeer(test: (uri: string) => boolean): ValueTest {
  return (request) => request.sourcePrincipal !== null && test(request.sourcePrincipal);
}

const peer = (request: AuthzRequest): string => request.sourcePrincipal === null ? 'a plaintext peer (no principal)' : `peer ${request.sourcePrincipal}`;
const quoted = (value: string | undefined): string => value === undefined ? '(absent)' : JSON.stringify(value);

function principalAttribute(name: string): Attribute {
  return { name, httpOnly: false, wholeList: false, unevaluable: false, observed: peer,
    compile: (value) => ok(onPeer((uri) => matchPrincipal(value, uri))) };
}

function namespaceAttribute(name: string): Attribute {
  return { name, httpOnly: false, wholeList: false, unevaluable: false, observed: peer,
    compile: (value) => {
      const regex = new RegExp(`^.*/ns/${value.split('*').map(escapeRegex).join('.*')}/.*$`);
      return ok(onPeer((uri) => regex.test(uri)));
    } };
}

function serviceAccountAttribute(name: string): Attribute {
  return { name, httpOnly: false, wholeList: false, unevaluable: false, observed: peer,
    compile: (value, context) => {
      const slash = value.indexOf('/');
      const namespace = slash < 0 ? context.policyNamespace : value.slice(0, slash);
      const account = slash < 0 ? value : value.slice(slash + 1);
      const regex = new RegExp(`^spiffe://.+/ns/${escapeRegex(namespace)}/(.+/|)sa/${escapeRegex(account)}(/.+)?$`);
      return ok(onPeer((uri) => regex.test(uri)));
    } };
}

const trustDomainAttribute: Attribute = { name: 'source.trustDomain', httpOnly: false, wholeList: false, unevaluable: false, observed: peer,
  compile: (value) => {
    if (value === '*') return ok(onPeer((uri) => uri.startsWith(SPIFFE)));
    if (!value.includes('*')) return ok(onPeer((uri) => uri.startsWith(`${SPIFFE}${value}/`)));
    const star = value.indexOf('*');
    const regex = new RegExp(`^spiffe://${escapeRegex(value.slice(0, star))}[^/]*${escapeRegex(value.slice(star + 1))}/.*$`);
    return ok(onPeer((uri) => regex.test(uri)));
  } };

function ipAttribute(name: string, pick: (request: AuthzRequest) => string): Attribute {
  return { name, httpOnly: false, wholeList: false, unevaluable: false, observed: (request) => `address ${pick(request)}`,
    compile: (value) => {
      const range = parseCidr(value);
      if (range === null) return fail(`invalid IP address or CIDR range ${JSON.stringify(value)}`);
      return ok((request) => {
        const address = parseIp(pick(request));
        return address !== null && cidrContains(range, address);
      });
    } };
}

function portAttribute(name: string): Attribute {
  return { name, httpOnly: false, wholeList: false, unevaluable: false, observed: (request) => `port ${request.destinationPort}`,
    compile: (value) => {
      if (!/^[0-9]+$/.test(value) || Number(value) > 65535) return fail(`invalid port ${JSON.stringify(value)}`);
      const port = Number(value);
      return ok((request) => request.destinationPort === port);
    } };
}

function headerAttribute(name: string, header: string, ignoreCase: boolean): Attribute {
  return { name, httpOnly: true, wholeList: false, unevaluable: false, observed: (request) => `${header} ${quoted(headerValue(request, header))}`,
    compile: (value) => ok((request) => matchHeader(value, headerValue(request, header), ignoreCase)) };
}

const pathAttribute: Attribute = { name: 'paths', httpOnly: true, wholeList: false, unevaluable: false,
  observed: (request) => `path ${quoted(request.http === undefined ? undefined : pathWithoutQuery(request.http.path))}`,
  compile: (value) => {
    const test = containsPathTemplate(value) ? (path: string) => matchPathTemplate(value, path) : (path: string) => matchPattern(value, path);
    return ok((request) => request.http !== undefined && test(pathWithoutQuery(request.http.path)));
  } };

const requestPrincipalAttribute: Attribute = { name: 'request.auth.principal', httpOnly: true, wholeList: true, unevaluable: false,
  observed: (request) => request.requestPrincipal === null ? 'no request principal (no JWT)' : `request principal ${request.requestPrincipal}`,
  compile: (value) => {
    const [matchIss, matchSub] = requestPrincipalMatchers(value);
    return ok((request) => {
      const jwt = jwtIssuerSubject(request);
      return jwt !== null && matchIss(jwt.iss) && matchSub(jwt.sub);
    });
  } };

type Side = (text: string) => boolean;
const anyNonEmpty: Side = (text) => text.length > 0;

/** requestPrincipalGenerator: the issuer and subject matchers for one value. */
function requestPrincipalMatchers(value: string): [Side, Side] {
  const slash = value.lastIndexOf('/');
  const found = slash >= 0;
  const iss = found ? value.slice(0, slash) : value;
  const sub = found ? value.slice(slash + 1) : '';
  const exact = (want: string): Side => (text) => text === want;
  // `*`: any issuer and any subject.
  if (value === '*') return [anyNonEmpty, anyNonEmpty];
  // `*x`: with a `/`, issuer `*` or suffix and exact subject; without, any issuer and subject suffix.
  if (value.startsWith('*')) {
    if (!found) return [anyNonEmpty, (text) => text.endsWith(value.slice(1))];
    return [iss === '*' ? anyNonEmpty : (text) => text.endsWith(iss.slice(1)), exact(sub)];
  }
  // `x*`: with a `/`, exact issuer and subject `*` or prefix; without, issuer prefix and any subject.
  if (value.endsWith('*')) {
    if (!found) return [(text) => text.startsWith(value.slice(0, -1)), anyNonEmpty];
    return [exact(iss), sub === '*' ? anyNonEmpty : (text) => text.startsWith(sub.slice(0, -1))];
  }
  // Exact issuer and exact subject.
  return [exact(iss), exact(sub)];
}

function claimAttribute(name: string, read: (request: AuthzRequest) => unknown): Attribute {
  return { name, httpOnly: true, wholeList: true, unevaluable: false, observed: (request) => `${name} ${JSON.stringify(read(request)) ?? 'absent'}`,
    compile: (value) => ok((request) => matchClaimValue(value, read(request))) };
}

/** extractNameInBrackets: `[name]` → name. */
function nameInBrackets(text: string): string | null {
  return text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : null;
}

/** extractNameInNestedBrackets: `[a][b]` → [a, b]; anything else falls back to one bracketed name. */
export function claimPath(text: string): string[] | null {
  const names: string[] = [];
  let begin = 0;
  while (begin < text.length) {
    const end = text[begin] === '[' ? text.indexOf(']', begin + 1) : -1;
    const nested = end < 0 ? -1 : text.indexOf('[', begin + 1);
    if (end < 0 || (nested >= 0 && nested < end)) {
      const whole = nameInBrackets(text);
      return whole === null ? null : [whole];
    }
    names.push(text.slice(begin + 1, end));
    begin = end + 1;
  }
  return names;
}

function invalid(name: string, error: string): Attribute {
  return { name, httpOnly: false, wholeList: true, unevaluable: false, observed: () => 'nothing', compile: () => fail(error) };
}

const envoyFilterAttribute = (name: string): Attribute => ({ name, httpOnly: false, wholeList: true, unevaluable: true,
  observed: () => 'Envoy filter metadata', compile: () => ok(() => false) });

const SOURCE_IP = (request: AuthzRequest): string => request.sourceIp;
const REMOTE_IP = (request: AuthzRequest): string => request.remoteIp ?? request.sourceIp;

/** The attribute a `when` key names (model.go New), or null for an unknown key (the rule is invalid). */
export function attributeForKey(key: string): Attribute | null {
  // model.go New: permission-side keys (destination.*, connection.sni), then principal-side ones.
  switch (key) {
    case 'destination.ip': return ipAttribute(key, (request) => request.destinationIp);
    case 'destination.port': return portAttribute(key);
    case 'connection.sni': return { name: key, httpOnly: false, wholeList: false, unevaluable: false, observed: (request) => `SNI ${quoted(request.sni)}`,
      compile: (value) => ok((request) => request.sni !== undefined && matchPattern(value, request.sni)) };
    case 'source.ip': return ipAttribute(key, SOURCE_IP);
    case 'remote.ip': return ipAttribute(key, REMOTE_IP);
    case 'source.namespace': return namespaceAttribute(key);
    case 'source.trustDomain': return trustDomainAttribute;
    case 'source.serviceAccount': return serviceAccountAttribute(key);
    case 'source.principal': return principalAttribute(key);
    case 'request.auth.principal': return requestPrincipalAttribute;
    case 'request.auth.audiences': return claimAttribute(key, jwtAudiences);
    case 'request.auth.presenter': return claimAttribute(key, jwtPresenter);
    default: return prefixedAttribute(key);
  }
}

function prefixedAttribute(key: string): Attribute | null {
  if (key.startsWith('experimental.envoy.filters.')) return envoyFilterAttribute(key);
  if (key.startsWith('request.headers')) {
    const header = nameInBrackets(key.slice('request.headers'.length));
    if (header === null) return invalid(key, `expecting format [<NAME>], but found ${key.slice('request.headers'.length)}`);
    return headerAttribute(key, header, false);
  }
  if (key.startsWith('request.auth.claims')) {
    const path = claimPath(key.slice('request.auth.claims'.length));
    if (path === null) return invalid(key, `expecting format [<NAME>], but found ${key.slice('request.auth.claims'.length)}`);
    return claimAttribute(key, (request) => jwtClaim(request, path));
  }
  return null;
}

/** The attributes behind `from[].source` fields (value field name → attribute). */
export const SOURCE_ATTRIBUTES: readonly (readonly [field: string, notField: string, attribute: Attribute])[] = [
  ['principals', 'notPrincipals', principalAttribute('principals')],
  ['requestPrincipals', 'notRequestPrincipals', { ...requestPrincipalAttribute, name: 'requestPrincipals' }],
  ['namespaces', 'notNamespaces', namespaceAttribute('namespaces')],
  ['serviceAccounts', 'notServiceAccounts', serviceAccountAttribute('serviceAccounts')],
  // model.go New: trustDomains/notTrustDomains become the source.trustDomain rule.
  ['trustDomains', 'notTrustDomains', { ...trustDomainAttribute, name: 'trustDomains' }],
  ['ipBlocks', 'notIpBlocks', ipAttribute('ipBlocks', SOURCE_IP)],
  ['remoteIpBlocks', 'notRemoteIpBlocks', ipAttribute('remoteIpBlocks', REMOTE_IP)],
];

/** The attributes behind `to[].operation` fields. */
export const OPERATION_ATTRIBUTES: readonly (readonly [field: string, notField: string, attribute: Attribute])[] = [
  ['hosts', 'notHosts', headerAttribute('hosts', ':authority', true)],
  ['ports', 'notPorts', portAttribute('ports')],
  ['methods', 'notMethods', headerAttribute('methods', ':method', false)],
  ['paths', 'notPaths', pathAttribute],
];
