// Authorization cases as data: each names the Istio rule it holds (source path, testdata file or
// integration test), the policies, the request, and the decision Istio's sidecar would make.
import test from 'ava';
import type { ExtAuthzProvider, RbacAction, RbacPolicy, RbacRule } from '../xds/security.ts';
import type { AuthzHttp, AuthzRequest, AuthzOptions } from './authz.ts';
import { evaluateAuthorization } from './authz.ts';

const FOO_SLEEP = 'spiffe://cluster.local/ns/foo/sa/sleep';
const BAR_CURL = 'spiffe://cluster.local/ns/bar/sa/curl';

const BASE: AuthzRequest = {
  sourcePrincipal: FOO_SLEEP,
  sourceIp: '10.0.0.1',
  requestPrincipal: null,
  destinationIp: '10.0.1.9',
  destinationPort: 8080,
  http: { method: 'GET', host: 'httpbin.foo.svc.cluster.local', path: '/get', headers: {} },
};

type RequestChange = Partial<Omit<AuthzRequest, 'http'>> & { readonly http?: Partial<AuthzHttp> };

function request(change: RequestChange = {}): AuthzRequest {
  const { http, ...rest } = change;
  return { ...BASE, ...rest, http: { ...BASE.http!, ...http } };
}

function tcpRequest(change: Omit<RequestChange, 'http'> = {}): AuthzRequest {
  const { http: _http, ...rest } = BASE;
  return { ...rest, ...change };
}

function policy(name: string, action: RbacAction, rules: readonly RbacRule[], extra: Partial<RbacPolicy> = {}): RbacPolicy {
  return { name: name.includes('/') ? name : `foo/${name}`, action, rules, dryRun: false, ...extra };
}

const allow = (rules: readonly RbacRule[], name = 'allow'): RbacPolicy => policy(name, 'ALLOW', rules);
const HTTP_OPA: ExtAuthzProvider = { name: 'opa', resolved: true, protocol: 'http', service: 'opa.foo.svc.cluster.local', cluster: 'outbound|8000||opa.foo.svc.cluster.local', failOpen: false, statusOnError: null };
const GRPC: ExtAuthzProvider = { ...HTTP_OPA, name: 'grpc', protocol: 'grpc', cluster: 'outbound|9000||opa.foo.svc.cluster.local' };
const deny = (rules: readonly RbacRule[], name = 'deny'): RbacPolicy => policy(name, 'DENY', rules);

interface Expect {
  readonly allowed: boolean;
  readonly decision?: 'ALLOW' | 'DENY' | 'CUSTOM';
  readonly policy?: string | null;
  readonly rule?: number | null;
  readonly audited?: readonly string[];
  readonly dryRun?: readonly { policy: string; wouldDeny: boolean }[];
  readonly reason?: RegExp;
  readonly provider?: string | null;
  readonly status?: number | null;
  readonly flag?: 'UAEX' | null;
}

type Case = readonly [rule: string, policies: readonly RbacPolicy[], request: AuthzRequest, expect: Expect, options?: Partial<AuthzOptions>];

const ALLOWED: Expect = { allowed: true };
const DENIED_BY_ALLOW: Expect = { allowed: false, decision: 'ALLOW', policy: null };
const deniedBy = (name: string, rule = 0): Expect => ({ allowed: false, decision: 'DENY', policy: `foo/${name}`, rule });
const allowedBy = (name: string, rule = 0): Expect => ({ allowed: true, decision: 'ALLOW', policy: `foo/${name}`, rule });

const emptyRules: Case[] = [
  ['builder.go rbacPolicyMatchNever (testdata allow-nil-rule): ALLOW without rules denies everything', [allow([])], request(), { ...DENIED_BY_ALLOW, reason: /no rules/ }],
  ['testdata allow-empty-rule: ALLOW rules [{}] allows everything', [allow([{}])], request({ sourcePrincipal: null }), allowedBy('allow')],
  ['testdata deny-empty-rule: DENY rules [{}] denies everything', [deny([{}])], request(), deniedBy('deny')],
  ['istio-semantics §8.3: DENY without rules matches nothing (a no-op)', [deny([])], request(), { allowed: true, decision: 'ALLOW', policy: null }],
  ['authorization.go ListAuthorizationPolicies: no policy, no RBAC filter: allowed', [], request(), { allowed: true, decision: 'ALLOW', policy: null, reason: /no AuthorizationPolicy/ }],
  ['model.go New: an empty `from` list means any source', [allow([{ from: [], to: [{ methods: ['GET'] }] }])], request({ sourcePrincipal: null }), allowedBy('allow')],
];

const principals: Case[] = [
  ['generator.go srcPrincipalGenerator (TestAuthz_Principal): exact principal', [allow([{ from: [{ principals: ['cluster.local/ns/foo/sa/sleep'] }] }])], request(), allowedBy('allow')],
  ['generator.go srcPrincipalGenerator: another principal does not match', [allow([{ from: [{ principals: ['cluster.local/ns/foo/sa/sleep'] }] }])], request({ sourcePrincipal: BAR_CURL }), DENIED_BY_ALLOW],
  ['matcher/string.go StringMatcherWithPrefix: `x*` is a prefix after spiffe://', [allow([{ from: [{ principals: ['cluster.local/ns/foo/*'] }] }])], request(), allowedBy('allow')],
  ['matcher/string.go StringMatcherWithPrefix: `*x` is spiffe:// then a suffix', [allow([{ from: [{ principals: ['*/sa/curl'] }] }])], request({ sourcePrincipal: BAR_CURL }), allowedBy('allow')],
  ['matcher/string.go: `*` is regex .+, so a plaintext peer has no principal (plaintext.yaml.tmpl)', [allow([{ from: [{ principals: ['*'] }] }])], request({ sourcePrincipal: null }), DENIED_BY_ALLOW],
  ['matcher/string.go: `*` is any authenticated peer', [allow([{ from: [{ principals: ['*'] }] }])], request(), allowedBy('allow')],
  ['TestAuthz_DenyPlaintext: DENY notPrincipals ["*"] denies plaintext', [deny([{ from: [{ notPrincipals: ['*'] }] }])], request({ sourcePrincipal: null }), deniedBy('deny')],
  ['TestAuthz_DenyPlaintext: DENY notPrincipals ["*"] lets mTLS through', [deny([{ from: [{ notPrincipals: ['*'] }] }])], request(), ALLOWED],
  ['the proxy matches principals as compiled: the control plane widened them to the trust-domain aliases (bundle.go)',
    [allow([{ from: [{ principals: ['td1/ns/foo/sa/sleep', 'old-td/ns/foo/sa/sleep'] }] }])], request({ sourcePrincipal: 'spiffe://old-td/ns/foo/sa/sleep' }), allowedBy('allow')],
  ['the proxy does not rewrite cluster.local itself: a principal is matched as written',
    [allow([{ from: [{ principals: ['cluster.local/ns/foo/sa/sleep'] }] }])], request({ sourcePrincipal: 'spiffe://td1/ns/foo/sa/sleep' }), DENIED_BY_ALLOW],
];

const namespacesAndAccounts: Case[] = [
  ['generator.go srcNamespaceGenerator: regex .*/ns/foo/.* on the peer', [allow([{ from: [{ namespaces: ['foo'] }] }])], request(), allowedBy('allow')],
  ['generator.go srcNamespaceGenerator: needs an authenticated peer', [allow([{ from: [{ namespaces: ['foo'] }] }])], request({ sourcePrincipal: null }), DENIED_BY_ALLOW],
  ['generator.go srcNamespaceGenerator: `*` inside a namespace becomes .*', [allow([{ from: [{ namespaces: ['f*'] }] }])], request(), allowedBy('allow')],
  ['generator.go srcNamespaceGenerator: `foo` does not match namespace `foobar`', [allow([{ from: [{ namespaces: ['foo'] }] }])], request({ sourcePrincipal: 'spiffe://cluster.local/ns/foobar/sa/x' }), DENIED_BY_ALLOW],
  ['model.go rule.principal (TestAuthz_NegativeMatch): DENY notNamespaces [foo] denies bar', [deny([{ from: [{ notNamespaces: ['foo'] }] }])], request({ sourcePrincipal: BAR_CURL }), deniedBy('deny')],
  ['model.go rule.principal (TestAuthz_NegativeMatch): DENY notNamespaces [foo] spares foo', [deny([{ from: [{ notNamespaces: ['foo'] }] }])], request(), ALLOWED],
  ['generator.go serviceAccountRegex: ns/sa', [allow([{ from: [{ serviceAccounts: ['foo/sleep'] } as never] }])], request(), allowedBy('allow')],
  ['generator.go serviceAccountRegex: a bare sa is in the policy\'s namespace', [policy('bar/allow', 'ALLOW', [{ from: [{ serviceAccounts: ['sleep'] } as never] }])], request(), DENIED_BY_ALLOW],
  ['generator.go serviceAccountRegex: sa must not be a prefix of a longer name', [allow([{ from: [{ serviceAccounts: ['foo/sleep'] } as never] }])], request({ sourcePrincipal: 'spiffe://cluster.local/ns/foo/sa/sleep-2' }), DENIED_BY_ALLOW],
  ['model.go attrSrcServiceAccount: when source.serviceAccount', [allow([{ when: [{ key: 'source.serviceAccount', values: ['foo/sleep'] }] }])], request(), allowedBy('allow')],
  ['model.go attrSrcTrustDomain: when source.trustDomain exact is the prefix spiffe://td/', [allow([{ when: [{ key: 'source.trustDomain', values: ['cluster.local'] }] }])], request(), allowedBy('allow')],
];

const addresses: Case[] = [
  ['generator.go srcIPGenerator: ipBlocks CIDR on the direct peer', [allow([{ from: [{ ipBlocks: ['10.0.0.0/24'] }] }])], request(), allowedBy('allow')],
  ['generator.go srcIPGenerator: a single IP is a /32', [allow([{ from: [{ ipBlocks: ['10.0.0.2'] }] }])], request(), DENIED_BY_ALLOW],
  ['generator.go srcIPGenerator: notIpBlocks', [deny([{ from: [{ notIpBlocks: ['10.0.0.0/8'] }] }])], request({ sourceIp: '192.168.1.1' }), deniedBy('deny')],
  ['generator.go remoteIPGenerator (TestAuthz_IngressGateway): remoteIpBlocks read the original client', [allow([{ from: [{ remoteIpBlocks: ['172.16.0.0/16'] }] }])], request({ remoteIp: '172.16.3.4' }), allowedBy('allow')],
  ['generator.go remoteIPGenerator: without X-Forwarded-For the remote IP is the peer', [allow([{ when: [{ key: 'remote.ip', values: ['10.0.0.1'] }] }])], request(), allowedBy('allow')],
  ['generator.go srcIPGenerator: when source.ip', [deny([{ when: [{ key: 'source.ip', values: ['10.0.0.0/16'] }] }])], request(), deniedBy('deny')],
  ['generator.go destIPGenerator: when destination.ip', [allow([{ when: [{ key: 'destination.ip', values: ['10.0.1.9'] }] }])], request(), allowedBy('allow')],
  ['generator.go destPortGenerator: when destination.port', [allow([{ when: [{ key: 'destination.port', values: ['8080'] }] }])], request(), allowedBy('allow')],
  ['generator.go connSNIGenerator: when connection.sni suffix', [allow([{ when: [{ key: 'connection.sni', values: ['*.svc.cluster.local'] }] }])], request({ sni: 'outbound_.80_._.httpbin.foo.svc.cluster.local' }), allowedBy('allow')],
  ['generator.go connSNIGenerator: no SNI matches no value', [allow([{ when: [{ key: 'connection.sni', values: ['*'] }] }])], request(), DENIED_BY_ALLOW],
];

const JWT = { requestPrincipal: 'https://issuer.example.com/alice', requestClaims: { iss: 'https://issuer.example.com', sub: 'alice', groups: ['admins', 'dev'], nested1: { nested2: 'deep' }, permission: 'read write', custom: 'a b', aud: 'svc', azp: 'web' } };

const jwt: Case[] = [
  ['TestAuthz_JWT / jwt_test.go authn-authz no-token: requestPrincipals ["*"] without a token is 403', [allow([{ from: [{ requestPrincipals: ['*'] }] }])], request(), DENIED_BY_ALLOW],
  ['generator.go requestPrincipalGenerator: exact iss/sub, issuer split at the last /', [allow([{ from: [{ requestPrincipals: ['https://issuer.example.com/alice'] }] }])], request(JWT), allowedBy('allow')],
  ['generator.go requestPrincipalGenerator: iss/* is an exact issuer, any subject', [allow([{ from: [{ requestPrincipals: ['https://issuer.example.com/*'] }] }])], request(JWT), allowedBy('allow')],
  ['generator.go requestPrincipalGenerator: */sub is any issuer, exact subject', [allow([{ from: [{ requestPrincipals: ['*/bob'] }] }])], request(JWT), DENIED_BY_ALLOW],
  ['TestAuthz_JWT /token3: notRequestPrincipals also matches a request without a token', [deny([{ from: [{ notRequestPrincipals: ['*'] }] }])], request(), deniedBy('deny')],
  ['generator.go requestClaimGenerator: a list claim contains the value', [allow([{ when: [{ key: 'request.auth.claims[groups]', values: ['admins'] }] }])], request(JWT), allowedBy('allow')],
  ['util.go extractNameInNestedBrackets: claims[nested1][nested2]', [allow([{ when: [{ key: 'request.auth.claims[nested1][nested2]', values: ['deep'] }] }])], request(JWT), allowedBy('allow')],
  ['TestAuthz_JWT PermissionTokenWithSpaceDelimitedPermission: `permission` is split on spaces', [allow([{ when: [{ key: 'request.auth.claims[permission]', values: ['write'] }] }])], request(JWT), allowedBy('allow')],
  ['policy_applier.go buildSpaceDelimitedClaims: other claims are not split by default', [allow([{ when: [{ key: 'request.auth.claims[custom]', values: ['b'] }] }])], request(JWT), DENIED_BY_ALLOW],
  ['generator.go requestAudiencesGenerator: request.auth.audiences', [allow([{ when: [{ key: 'request.auth.audiences', values: ['svc'] }] }])], request(JWT), allowedBy('allow')],
  ['generator.go requestPresenterGenerator: request.auth.presenter', [allow([{ when: [{ key: 'request.auth.presenter', values: ['w*'] }] }])], request(JWT), allowedBy('allow')],
  ['generator.go requestPrincipalGenerator: when request.auth.principal', [deny([{ when: [{ key: 'request.auth.principal', values: ['https://issuer.example.com/alice'] }] }])], request(JWT), deniedBy('deny')],
  ['generator.go requestClaimGenerator: no token, no claims', [allow([{ when: [{ key: 'request.auth.claims[groups]', values: ['*'] }] }])], request(), DENIED_BY_ALLOW],
];

const operations: Case[] = [
  ['matcher/header.go HostMatcher (TestAuthz_IngressGateway): hosts ignore case', [deny([{ to: [{ hosts: ['deny.x.com'] }] }])], request({ http: { host: 'DENY.x.COM' } }), deniedBy('deny')],
  ['matcher/header.go HostMatcher: the port in Host is not stripped', [allow([{ to: [{ hosts: ['example.com'] }] }])], request({ http: { host: 'example.com:8080' } }), DENIED_BY_ALLOW],
  ['matcher/header.go HostMatcher: `*.x` is a suffix', [allow([{ to: [{ hosts: ['*.example.com'] }] }])], request({ http: { host: 'api.example.com' } }), allowedBy('allow')],
  ['istio-semantics §8.4: ports are the workload (target) port', [allow([{ to: [{ ports: ['8080'] }] }])], request({ destinationPort: 8080 }), allowedBy('allow')],
  ['istio-semantics §8.4: a service port is not the workload port', [allow([{ to: [{ ports: ['80'] }] }])], request({ destinationPort: 8080 }), DENIED_BY_ALLOW],
  ['model.go rule.permission: notPorts', [deny([{ to: [{ notPorts: ['8080'] }] }])], request({ destinationPort: 9090 }), deniedBy('deny')],
  ['generator.go methodGenerator: methods are case-sensitive', [allow([{ to: [{ methods: ['get'] }] }])], request(), DENIED_BY_ALLOW],
  ['generator.go methodGenerator: notMethods', [deny([{ to: [{ notMethods: ['GET', 'HEAD'] }] }])], request({ http: { method: 'POST' } }), deniedBy('deny')],
  ['TestAuthz_Principal: paths ignore the query string', [allow([{ to: [{ paths: ['/allow'] }] }])], request({ http: { path: '/allow?param=value' } }), allowedBy('allow')],
  ['matcher/string.go: paths `x*` is a prefix', [allow([{ to: [{ paths: ['/public*'] }] }])], request({ http: { path: '/public/a' } }), allowedBy('allow')],
  ['matcher/string.go: paths `*x` is a suffix', [allow([{ to: [{ paths: ['*.html'] }] }])], request({ http: { path: '/a/index.html' } }), allowedBy('allow')],
  ['TestAuthz_PathTemplating: /allow/admin/{**} matches /allow/admin/', [allow([{ to: [{ paths: ['/allow/admin/{**}'] }] }])], request({ http: { path: '/allow/admin/' } }), allowedBy('allow')],
  ['TestAuthz_PathTemplating: /allow/admin/{**} does not match /allow/admin', [allow([{ to: [{ paths: ['/allow/admin/{**}'] }] }])], request({ http: { path: '/allow/admin' } }), DENIED_BY_ALLOW],
  ['TestAuthz_PathTemplating: /foo/{*}/bar/{**} does not match /foo/bar/bat.txt', [allow([{ to: [{ paths: ['/foo/{*}/bar/{**}'] }] }])], request({ http: { path: '/foo/bar/bat.txt' } }), DENIED_BY_ALLOW],
  ['TestAuthz_PathTemplating: {*} is never empty (/foo//bar/bat.txt)', [allow([{ to: [{ paths: ['/foo/{*}/bar/{**}'] }] }])], request({ http: { path: '/foo//bar/bat.txt' } }), DENIED_BY_ALLOW],
  ['TestAuthz_PathTemplating: /store/{**}/cart matches /store//cart', [allow([{ to: [{ paths: ['/store/{**}/cart'] }] }])], request({ http: { path: '/store//cart' } }), allowedBy('allow')],
  ['TestAuthz_PathTemplating: /store/{**}/cart does not match /store/cart', [allow([{ to: [{ paths: ['/store/{**}/cart'] }] }])], request({ http: { path: '/store/cart' } }), DENIED_BY_ALLOW],
  ['model.go rule.permission: notPaths', [deny([{ to: [{ notPaths: ['/healthz'] }] }])], request({ http: { path: '/healthz?x=1' } }), ALLOWED],
];

const headers: Case[] = [
  ['generator.go requestHeaderGenerator: header names are case-insensitive', [allow([{ when: [{ key: 'request.headers[X-Token]', values: ['abc'] }] }])], request({ http: { headers: { 'x-token': 'abc' } } }), allowedBy('allow')],
  ['matcher/header.go HeaderMatcher: `*` is present_match (an empty value counts)', [allow([{ when: [{ key: 'request.headers[x-token]', values: ['*'] }] }])], request({ http: { headers: { 'x-token': '' } } }), allowedBy('allow')],
  ['model.go rule.principal: a missing header matches notValues', [deny([{ when: [{ key: 'request.headers[x-token]', notValues: ['abc'] }] }])], request(), deniedBy('deny')],
  ['model.go New: a source.namespace condition', [allow([{ when: [{ key: 'source.namespace', values: ['foo'] }] }])], request(), allowedBy('allow')],
  ['model.go New: a source.principal condition', [allow([{ when: [{ key: 'source.principal', notValues: ['cluster.local/ns/foo/sa/sleep'] }] }])], request(), DENIED_BY_ALLOW],
  ['model.go New: experimental.envoy.filters.* cannot be evaluated here: never matches', [deny([{ when: [{ key: 'experimental.envoy.filters.a.b[c]', values: ['x'] }] }])], request(), { allowed: true }],
  ['model.go New: an unknown attribute makes the rule invalid, for DENY too', [deny([{ when: [{ key: 'request.unknown', values: ['x'] }] }])], request(), ALLOWED],
  ['model.go New: an unknown attribute drops only that rule', [deny([{ when: [{ key: 'bogus', values: ['x'] }] }, {}])], request(), deniedBy('deny', 1)],
];

const combining: Case[] = [
  ['model.go New: fields inside one source are ANDed', [allow([{ from: [{ principals: ['cluster.local/ns/foo/sa/sleep'], namespaces: ['bar'] }] }])], request(), DENIED_BY_ALLOW],
  ['model.go New: sources are ORed', [allow([{ from: [{ namespaces: ['bar'] }, { namespaces: ['foo'] }] }])], request(), allowedBy('allow')],
  ['model.go New: operations are ORed', [allow([{ to: [{ methods: ['POST'] }, { paths: ['/get'] }] }])], request(), allowedBy('allow')],
  ['model.go New: all when conditions must match', [allow([{ when: [{ key: 'source.namespace', values: ['foo'] }, { key: 'destination.port', values: ['80'] }] }])], request(), DENIED_BY_ALLOW],
  ['model.go New: from AND to', [allow([{ from: [{ namespaces: ['foo'] }], to: [{ methods: ['POST'] }] }])], request(), DENIED_BY_ALLOW],
  ['builder.go build: rules of a policy are ORed; the matching rule is reported', [allow([{ to: [{ methods: ['POST'] }] }, { to: [{ methods: ['GET'] }] }])], request(), allowedBy('allow', 1)],
  ['model.go rule.principal: values of one field are ORed', [allow([{ from: [{ principals: ['cluster.local/ns/bar/sa/curl', 'cluster.local/ns/foo/sa/sleep'] }] }])], request(), allowedBy('allow')],
  ['model.go rule.principal: values and notValues of one field are ANDed', [allow([{ from: [{ namespaces: ['f*'], notNamespaces: ['foo'] }] }])], request(), DENIED_BY_ALLOW],
];

const order: Case[] = [
  ['authorization_policy.proto: DENY is evaluated before ALLOW', [allow([{}]), deny([{ to: [{ paths: ['/get'] }] }])], request(), deniedBy('deny')],
  ['authorization_policy.proto: any matching ALLOW policy allows', [allow([{ to: [{ paths: ['/x'] }] }], 'a'), allow([{ to: [{ paths: ['/get'] }] }], 'b')], request(), allowedBy('b')],
  ['builder.go: AUDIT only marks', [policy('audit', 'AUDIT', [{}])], request(), { allowed: true, decision: 'ALLOW', policy: null, audited: ['foo/audit'] }],
  ['builder.go: AUDIT marks even when DENY denies', [policy('audit', 'AUDIT', [{}]), deny([{}])], request(), { ...deniedBy('deny'), audited: ['foo/audit'] }],
  ['authorization_policy.proto: CUSTOM runs first; a provider deny wins over ALLOW', [policy('ext', 'CUSTOM', [{}], { provider: 'opa' }), allow([{}])], request(),
    { allowed: false, decision: 'CUSTOM', policy: 'foo/ext', rule: 0, provider: 'opa', status: 403, flag: 'UAEX' }, { providers: [HTTP_OPA], customDecision: () => 'deny' }],
  ['authorization_policy.proto: CUSTOM cannot bypass DENY', [policy('ext', 'CUSTOM', [{}], { provider: 'opa' }), deny([{}])], request(), deniedBy('deny'), { providers: [HTTP_OPA], customDecision: () => 'allow' }],
  ['builder.go buildHTTP: ext_authz is only called when a CUSTOM rule matches', [policy('ext', 'CUSTOM', [{ to: [{ paths: ['/admin'] }] }], { provider: 'opa' })], request(), ALLOWED, { providers: [HTTP_OPA], customDecision: () => 'deny' }],
  ['extauthz.go getExtAuthz: a provider not in extensionProviders turns the rules into deny rules (403, no UAEX)', [policy('ext', 'CUSTOM', [{}], { provider: 'missing' })], request(),
    { allowed: false, decision: 'CUSTOM', provider: 'missing', status: 403, flag: null, reason: /cannot use extension provider "missing".*bad-CUSTOM-action/ }, { providers: [HTTP_OPA] }],
  ['extauthz.go processExtensionProvider: a provider with errors denies what its rules match', [policy('ext', 'CUSTOM', [{}], { provider: 'opa' })], request(),
    { allowed: false, decision: 'CUSTOM', reason: /port must be in the range/ }, { providers: [{ name: 'opa', resolved: false, error: 'port must be in the range [1, 65535], found: 0' }], customDecision: () => 'allow' }],
  ['extauthz.go getBadCustomDenyRules: … and leaves what they do not match alone', [policy('ext', 'CUSTOM', [{ to: [{ paths: ['/admin'] }] }], { provider: 'missing' })], request(), ALLOWED],
  ['builder.go buildHTTP: several CUSTOM providers without PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS deny',
    [policy('ext-a', 'CUSTOM', [{}], { provider: 'a' }), policy('ext-b', 'CUSTOM', [{ to: [{ paths: ['/x'] }] }], { provider: 'b' })], request(),
    { allowed: false, decision: 'CUSTOM', policy: 'foo/ext-a', reason: /PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS/ }, { customDecision: () => 'allow' }],
  ['Envoy ext_authz: an allowing provider lets the request on to the RBAC filters', [policy('ext', 'CUSTOM', [{}], { provider: 'opa' })], request(),
    { allowed: true, decision: 'ALLOW', policy: 'foo/ext', provider: 'opa', status: null, reason: /allowed it; then allowed/ }, { providers: [HTTP_OPA], customDecision: () => 'allow' }],
  ['Envoy ext_authz failure_mode_allow: a failing provider with failOpen lets the request on', [policy('ext', 'CUSTOM', [{}], { provider: 'opa' })], request(),
    { allowed: true, provider: 'opa', reason: /failOpen lets the request through/ }, { providers: [{ ...HTTP_OPA, failOpen: true }], customDecision: () => 'error' }],
  ['Envoy ext_authz status_on_error: a failing provider without failOpen answers statusOnError', [policy('ext', 'CUSTOM', [{}], { provider: 'opa' })], request(),
    { allowed: false, decision: 'CUSTOM', status: 503, flag: 'UAEX' }, { providers: [{ ...HTTP_OPA, statusOnError: 503 }], customDecision: () => 'error' }],
  ['Envoy ext_authz: a failing provider without statusOnError answers 403', [policy('ext', 'CUSTOM', [{}], { provider: 'opa' })], request(),
    { allowed: false, status: 403, flag: 'UAEX' }, { providers: [HTTP_OPA], customDecision: () => 'error' }],
  ['no answer for the provider counts as deny', [policy('ext', 'CUSTOM', [{}], { provider: 'opa' })], request(),
    { allowed: false, decision: 'CUSTOM', reason: /no answer was given/ }, { providers: [HTTP_OPA] }],
  ['Envoy engine_impl.h std::map: the reported policy is the first by name, not by age', [deny([{}], 'zeta'), deny([{}], 'alpha')], request(), deniedBy('alpha')],
  ['builder.go policyName: `rule[10]` sorts before `rule[1]` in Envoy\'s map', [deny([{ to: [{ paths: ['/get'] }] }, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}], 'many')], request({ http: { path: '/x' } }), deniedBy('many', 10)],
];

const dryRun: Case[] = [
  ['builder.go isDryRun (testdata dry-run-mix): a dry-run DENY is reported, not enforced', [policy('dry', 'DENY', [{}], { dryRun: true })], request(),
    { allowed: true, dryRun: [{ policy: 'foo/dry', wouldDeny: true }] }],
  ['testdata dry-run-allow: a dry-run ALLOW alone leaves no ALLOW filter', [policy('dry', 'ALLOW', [{ to: [{ paths: ['/x'] }] }], { dryRun: true })], request(),
    { allowed: true, decision: 'ALLOW', policy: null, dryRun: [{ policy: 'foo/dry', wouldDeny: true }] }],
  ['testdata dry-run-mix: the dry-run ALLOW does not count; the enforced one decides',
    [policy('httpbin-1', 'ALLOW', [{ to: [{ paths: ['/allow'] }] }], { dryRun: true }), policy('httpbin-2', 'ALLOW', [{ to: [{ paths: ['/another'] }] }])],
    request({ http: { path: '/allow' } }), { ...DENIED_BY_ALLOW, dryRun: [{ policy: 'foo/httpbin-1', wouldDeny: false }] }],
  ['RBAC filter: shadow rules of the ALLOW filter are not reached when DENY denies', [policy('dry', 'ALLOW', [{}], { dryRun: true }), deny([{}])], request(),
    { ...deniedBy('deny'), dryRun: [] }],
];

const ns1 = 'spiffe://cluster.local/ns/ns-1/sa/a';
const allowBothHttpTcp = policy('httpbin-deny', 'ALLOW', [
  { from: [{ requestPrincipals: ['id-1'] }], to: [{ methods: ['GET'] }] },
  { from: [{ namespaces: ['ns-1'] }], to: [{ ports: ['8080'], methods: ['GET'] }] },
  { from: [{ namespaces: ['ns-2'], requestPrincipals: ['id-2'] }], to: [{ ports: ['9090'] }] },
  { from: [{ namespaces: ['ns-1'] }], to: [{ ports: ['80'] }] },
]);
const TCP = { tcp: true };

const tcp: Case[] = [
  ['testdata tcp/allow-only-http: an ALLOW whose rules are all HTTP-only denies all TCP',
    [policy('httpbin-deny', 'ALLOW', [{ from: [{ requestPrincipals: ['id-1'] }], to: [{ methods: ['GET'] }] }, { from: [{ namespaces: ['ns-1'] }], to: [{ hosts: ['example.com'] }] }])],
    tcpRequest({ sourcePrincipal: ns1 }), { ...DENIED_BY_ALLOW, reason: /HTTP only/ }, TCP],
  ['testdata tcp/allow-both-http-tcp: the TCP-only rule[3] survives', [allowBothHttpTcp], tcpRequest({ sourcePrincipal: ns1, destinationPort: 80 }), allowedBy('httpbin-deny', 3), TCP],
  ['testdata tcp/allow-both-http-tcp: rule[1] (ports + methods) is dropped', [allowBothHttpTcp], tcpRequest({ sourcePrincipal: ns1, destinationPort: 8080 }), DENIED_BY_ALLOW, TCP],
  ['testdata tcp/deny-both-http-tcp rule[1]: DENY methods [GET] denies all TCP', [policy('httpbin-deny', 'DENY', [{ to: [{ methods: ['GET'] }] }])], tcpRequest(), deniedBy('httpbin-deny'), TCP],
  ['testdata tcp/deny-both-http-tcp rule[5]: requestPrincipals + ports 8080 + methods denies TCP on 8080',
    [policy('httpbin-deny', 'DENY', [{ from: [{ requestPrincipals: ['id-1'] }], to: [{ ports: ['8080'], methods: ['GET'] }] }])], tcpRequest({ destinationPort: 8080 }), deniedBy('httpbin-deny'), TCP],
  ['testdata tcp/deny-both-http-tcp rule[5]: …and spares other ports',
    [policy('httpbin-deny', 'DENY', [{ from: [{ requestPrincipals: ['id-1'] }], to: [{ ports: ['8080'], methods: ['GET'] }] }])], tcpRequest({ destinationPort: 9090 }), ALLOWED, TCP],
  ['testdata tcp/deny-both-http-tcp rule[3]: namespaces still apply on TCP', [policy('httpbin-deny', 'DENY', [{ from: [{ namespaces: ['ns-1'] }], to: [{ methods: ['GET'] }] }])],
    tcpRequest({ sourcePrincipal: BAR_CURL }), ALLOWED, TCP],
  ['testdata tcp/deny-both-http-tcp rule[8]: a header condition is dropped, denying all TCP', [policy('httpbin-deny', 'DENY', [{ when: [{ key: 'request.headers[:method]', values: ['GET'] }] }])],
    tcpRequest(), deniedBy('httpbin-deny'), TCP],
  ['testdata tcp/audit-both-http-tcp: AUDIT drops HTTP-only conditions too', [policy('httpbin-audit', 'AUDIT', [{ to: [{ methods: ['method'], ports: ['8080'] }] }])],
    tcpRequest(), { allowed: true, audited: ['foo/httpbin-audit'] }, TCP],
  ['model.go checkError: on HTTP chains nothing is dropped', [policy('httpbin-deny', 'DENY', [{ to: [{ methods: ['POST'] }] }])], request(), ALLOWED],
  ['testdata tcp/custom-both-http-tcp: CUSTOM rules drop HTTP-only conditions on TCP', [policy('ext', 'CUSTOM', [{ to: [{ paths: ['/admin'] }] }], { provider: 'grpc' })],
    tcpRequest(), { allowed: false, decision: 'CUSTOM', flag: 'UAEX' }, { tcp: true, providers: [GRPC], customDecision: () => 'deny' }],
  ['builder.go buildTCP: an HTTP ext_authz provider is ignored on TCP chains', [policy('ext', 'CUSTOM', [{}], { provider: 'opa' })],
    tcpRequest(), { allowed: true, reason: /no ext_authz filter on TCP chains/ }, { tcp: true, providers: [HTTP_OPA], customDecision: () => 'deny' }],
  ['builder.go buildTCP: a bad provider\'s deny rules apply on TCP too', [policy('ext', 'CUSTOM', [{}], { provider: 'missing' })],
    tcpRequest(), { allowed: false, decision: 'CUSTOM', flag: null }, { tcp: true, providers: [HTTP_OPA] }],
  ['model.go checkError: a DENY drops an invalid port value and keeps the rest', [deny([{ to: [{ ports: ['abc', '8080'] }] }])], request(), deniedBy('deny')],
  ['model.go checkError: an ALLOW rule with an invalid IP is dropped', [allow([{ from: [{ ipBlocks: ['not-an-ip'] }] }])], request(), DENIED_BY_ALLOW],
];

const all: readonly Case[] = [...emptyRules, ...principals, ...namespacesAndAccounts, ...addresses, ...jwt, ...operations, ...headers, ...combining, ...order, ...dryRun, ...tcp];

for (const [rule, policies, req, expect, options] of all) {
  test(rule, (t) => {
    const decision = evaluateAuthorization(policies, req, { tcp: false, ...options });
    const picked: Record<string, unknown> = {};
    for (const key of Object.keys(expect)) if (key !== 'reason') picked[key] = decision[key as keyof typeof decision];
    const { reason, ...rest } = expect;
    t.deepEqual(picked, rest, decision.reason);
    if (reason !== undefined) t.regex(decision.reason, reason);
  });
}

test('the table holds at least 60 cases', (t) => {
  t.true(all.length >= 60, `${all.length} cases`);
});
