// PeerAuthentication, AuthorizationPolicy and RequestAuthentication rules (Istio's webhook and the CRDs'
// CEL rules), checked through loadManifests so each case is a real manifest with real field paths.
import test from 'ava';
import { loadManifests } from './load-resources.ts';
import type { Resource } from './resource.ts';
import { checkAuthorizationPolicy, checkPeerAuthentication, checkRequestAuthentication } from './rules-security.ts';
import { attributeProblems, ipBlockProblem, parseJwks, pathTemplateProblem, portValueProblem, serviceAccountProblem } from './rules-security-values.ts';

function findings(yaml: string) {
  return loadManifests([{ path: 't.yaml', text: yaml }]).diagnostics.map((d) => ({
    severity: d.severity, code: d.code, field: d.field, message: d.message,
  }));
}

const meta = (kind: string, name: string, extra = '') => `apiVersion: security.istio.io/v1
kind: ${kind}
metadata: {name: ${name}, namespace: foo${extra}}
spec:
`;
const pa = (spec: string) => meta('PeerAuthentication', 'default') + spec;
const ap = (spec: string, name = 'httpbin', extra = '') => meta('AuthorizationPolicy', name, extra) + spec;
const ra = (spec: string) => meta('RequestAuthentication', 'jwt') + spec;

const JWKS = '{"keys": [{"kty": "RSA", "e": "AQAB", "n": "xAE7eB6qugXyCAG3yhh7pkDkT65pHymX-P7KfIupjf59vsdo91bSP9C8H07pSAGQO1MV_xFj9VswgsCg4R6otmg5PV2He95lZdHtOcU5DXIg_pbhLdKXbi66GlVeK6ABZOUW3WYtnNHD-91gVuoeJT_DwtGGcp4ignkgXfkiEm4sw-4sfb4qdt5oLbyVpmW6x9cfa7vs2WTfURiCrBoUqgBo_-4WTiULmmHSGZHOjzwa8WtrtOQGsAFjIbno85jp6MnGGGZPYZbDAa_b3y5u-YpW7ypZrvD8BgtKVjgtQgZhLAGezMt0ua3DRrWnKqTZ0BJ_EyxOGuHJrLsn00fnMQ"}]}';
const PRIVATE_JWKS = '{"keys": [{"kty": "EC", "crv": "P-256", "x": "a", "y": "b"}, {"kty": "EC", "crv": "P-256", "x": "a", "y": "b", "d": "secret"}]}';

const valid: [string, string][] = [
  ['namespace-wide STRICT PeerAuthentication', pa('  mtls: {mode: STRICT}')],
  ['workload PeerAuthentication with portLevelMtls', pa('  selector:\n    matchLabels: {app: finance}\n  mtls: {mode: STRICT}\n  portLevelMtls:\n    8080: {mode: DISABLE}')],
  ['ALLOW with principals, namespaces, templated paths, methods, ports and when conditions', ap([
    '  selector:', '    matchLabels: {app: httpbin, version: v1}', '  action: ALLOW', '  rules:', '  - from:',
    '    - source: {principals: ["cluster.local/ns/default/sa/sleep"]}', '    - source: {namespaces: ["dev"]}',
    '    to:', '    - operation:', '        methods: ["GET", "POST"]', '        paths: ["/info*", "/api/{*}/users/{**}"]', '        ports: ["8080"]',
    '    when:', '    - key: request.auth.claims[iss]', '      values: ["https://accounts.google.com"]',
    '    - key: source.ip', '      values: ["10.0.0.0/16", "192.168.1.1"]', '    - key: request.headers[x-token]', '      notValues: ["guest"]',
    '    - key: destination.port', '      values: ["8080"]', '    - key: source.trustDomain', '      values: ["*.example.com"]'].join('\n'))],
  ['ALLOW nothing (an empty spec denies all)', ap('  {}', 'allow-nothing')],
  ['DENY with explicit ports, and DENY by IP block', ap([
    '  action: DENY', '  rules:', '  - from:', '    - source: {notNamespaces: ["foo"]}', '    to:', '    - operation: {ports: ["8080"], methods: ["POST"]}',
    '  - from:', '    - source: {ipBlocks: ["203.0.113.0/24"]}'].join('\n'), 'deny', ', annotations: {"istio.io/dry-run": "true"}')],
  ['CUSTOM with a provider', ap('  action: CUSTOM\n  provider: {name: my-ext-authz}\n  rules:\n  - to:\n    - operation: {paths: ["/admin/*"]}', 'ext-authz')],
  ['AUDIT by path', ap('  action: AUDIT\n  rules:\n  - to:\n    - operation: {paths: ["/user/profile/*"]}', 'audit')],
  ['ALLOW by service account, attached to a waypoint', ap([
    '  targetRefs:', '  - {kind: Gateway, group: gateway.networking.k8s.io, name: waypoint}', '  rules:', '  - from:',
    '    - source: {serviceAccounts: ["default/sleep", "bookinfo-productpage"]}'].join('\n'), 'waypoint')],
  ['ALLOW and DENY by trustDomains / notTrustDomains (istio/api Source fields 13, 14)', ap([
    '  rules:', '  - from:', '    - source: {trustDomains: ["cluster.local", "*.example.com", "td-*", "*"]}',
    '  - from:', '    - source: {notTrustDomains: ["evil.org"], namespaces: ["foo"]}'].join('\n'), 'trust-domains')],
  ['RequestAuthentication with presence (the current CRD)', ra('  jwtRules:\n  - issuer: example\n    jwksUri: https://example.com/jwks.json\n    presence: REQUIRED')],
  ['RequestAuthentication with issuer and jwksUri', ra([
    '  selector:', '    matchLabels: {app: httpbin}', '  jwtRules:', '  - issuer: "issuer-foo"', '    jwksUri: https://example.com/.well-known/jwks.json',
    '    audiences: [bookstore_android.apps.example.com]', '    timeout: 5s'].join('\n'))],
  ['RequestAuthentication with inline jwks, header location and claim output', ra([
    '  jwtRules:', '  - issuer: "testing@secure.istio.io"', `    jwks: '${JWKS}'`, '    fromHeaders:', '    - {name: x-jwt-assertion, prefix: "Bearer "}',
    '    fromParams: [my_token]', '    outputClaimToHeaders:', '    - {header: x-jwt-sub, claim: sub}'].join('\n'))],
];

for (const [title, yaml] of valid) {
  test(`valid: ${title}`, (t) => {
    t.deepEqual(findings(yaml), []);
  });
}

type Case = { rule: string; yaml: string; severity: 'error' | 'warning'; field: string; message: string };
const E = 'error' as const;
const W = 'warning' as const;
const P = 'invalid policy httpbin.foo: ';
const rule = (body: string) => `  rules:\n  - ${body}`;

const failing: Case[] = [
  { rule: 'PA CEL: portLevelMtls requires selector', yaml: pa('  portLevelMtls:\n    8080: {mode: DISABLE}'),
    severity: E, field: 'spec.portLevelMtls', message: 'portLevelMtls requires selector' },
  { rule: 'PA CEL: port keys in range', yaml: pa('  selector:\n    matchLabels: {app: a}\n  portLevelMtls:\n    0: {mode: DISABLE}'),
    severity: E, field: 'spec.portLevelMtls.0', message: 'port must be between 1-65535' },
  { rule: 'PA selector without labels', yaml: pa('  selector: {}\n  mtls: {mode: STRICT}'),
    severity: W, field: 'spec.selector', message: 'workload selector specified without labels' },
  { rule: 'PA CEL: selector key wildcard', yaml: pa('  selector:\n    matchLabels: {"app*": a}'),
    severity: E, field: 'spec.selector.matchLabels.app*', message: 'wildcard not allowed in label key match' },
  { rule: 'PA CEL: selector value wildcard', yaml: pa('  selector:\n    matchLabels: {app: "a*"}'),
    severity: E, field: 'spec.selector.matchLabels.app', message: 'wildcard not allowed in label value match' },
  { rule: 'PA CEL: selector key empty', yaml: pa('  selector:\n    matchLabels: {"": a}'),
    severity: E, field: 'spec.selector.matchLabels.', message: 'key must not be empty' },
  { rule: 'AP CUSTOM without rules', yaml: ap('  action: CUSTOM\n  provider: {name: ext}'),
    severity: E, field: 'spec.action', message: `${P}CUSTOM action without \`rules\` is meaningless as it will never be triggered, add an empty rule \`{}\` if you want it be triggered for every request` },
  { rule: 'AP CUSTOM needs a provider name', yaml: ap('  action: CUSTOM\n  provider: {}\n  rules:\n  - {}'),
    severity: E, field: 'spec.provider.name', message: `${P}\`provider.name\` must not be empty` },
  { rule: 'AP CUSTOM cannot match principals', yaml: ap('  action: CUSTOM\n  provider: {name: ext}\n' + rule('from:\n    - source: {principals: ["cluster.local/ns/a/sa/b"]}')),
    severity: E, field: 'spec.rules[0].from[0].source.principals', message: `${P}From.Principals is currently not supported with CUSTOM action` },
  { rule: 'AP CUSTOM cannot match JWT claims', yaml: ap('  action: CUSTOM\n  provider: {name: ext}\n' + rule('when:\n    - key: request.auth.claims[iss]\n      values: [x]')),
    severity: E, field: 'spec.rules[0].when[0].key', message: `${P}request.auth.claims[iss] is currently not supported with CUSTOM action` },
  { rule: 'AP provider only with CUSTOM', yaml: ap('  action: DENY\n  provider: {name: ext}\n' + rule('to:\n    - operation: {ports: ["80"]}')),
    severity: E, field: 'spec.provider', message: `${P}\`provider\` must not be with non CUSTOM action, found DENY` },
  { rule: 'AP DENY without rules', yaml: ap('  action: DENY'),
    severity: E, field: 'spec.action', message: `${P}DENY action without \`rules\` is meaningless as it will never be triggered, add an empty rule \`{}\` if you want it be triggered for every request` },
  { rule: 'AP from.source nil', yaml: ap(rule('from:\n    - {}')),
    severity: E, field: 'spec.rules[0].from[0]', message: `${P}\`from.source\` must not be nil, found at rule 0` },
  { rule: 'AP from.source empty', yaml: ap(rule('from:\n    - source: {}')),
    severity: E, field: 'spec.rules[0].from[0].source', message: `${P}\`from.source\` must not be empty, found at rule 0` },
  { rule: 'AP to.operation nil', yaml: ap(rule('to:\n    - {}')),
    severity: E, field: 'spec.rules[0].to[0]', message: `${P}\`to.operation\` must not be nil, found at rule 0` },
  { rule: 'AP to.operation empty', yaml: ap(rule('to:\n    - operation: {}')),
    severity: E, field: 'spec.rules[0].to[0].operation', message: `${P}\`to.operation\` must not be empty, found at rule 0` },
  { rule: 'AP CEL: serviceAccounts with namespaces', yaml: ap(rule('from:\n    - source: {serviceAccounts: [sleep], namespaces: [foo]}')),
    severity: E, field: 'spec.rules[0].from[0].source.serviceAccounts', message: 'Cannot set serviceAccounts with namespaces or principals' },
  { rule: 'AP serviceAccounts format', yaml: ap(rule('from:\n    - source: {serviceAccounts: ["a/b/c"]}')),
    severity: E, field: 'spec.rules[0].from[0].source.serviceAccounts[0]', message: `${P}expected format 'serviceAccount' or 'namespace/serviceAccount', found "a/b/c" in ServiceAccounts` },
  { rule: 'AP empty values', yaml: ap(rule('from:\n    - source: {principals: ["a", ""]}')),
    severity: E, field: 'spec.rules[0].from[0].source.principals[1]', message: `${P}empty value not allowed, found in Principals` },
  { rule: 'AP ipBlocks CIDR', yaml: ap(rule('from:\n    - source: {ipBlocks: ["10.0.0.0/33"]}')),
    severity: E, field: 'spec.rules[0].from[0].source.ipBlocks[0]', message: `${P}bad CIDR range (10.0.0.0/33): netip.ParsePrefix("10.0.0.0/33"): prefix length out of range` },
  { rule: 'AP remoteIpBlocks IP', yaml: ap(rule('from:\n    - source: {remoteIpBlocks: ["1.2.3"]}')),
    severity: E, field: 'spec.rules[0].from[0].source.remoteIpBlocks[0]', message: `${P}bad IP address (1.2.3)` },
  { rule: 'AP ports are numbers', yaml: ap(rule('to:\n    - operation: {ports: ["http"]}')),
    severity: E, field: 'spec.rules[0].to[0].operation.ports[0]', message: `${P}bad port (http): strconv.ParseUint: parsing "http": invalid syntax` },
  { rule: 'AP notPorts at most 65535', yaml: ap(rule('to:\n    - operation: {notPorts: ["70000"]}')),
    severity: E, field: 'spec.rules[0].to[0].operation.notPorts[0]', message: `${P}bad port (70000): <nil>` },
  { rule: 'AP path template {**} last', yaml: ap(rule('to:\n    - operation: {paths: ["/foo/{**}/{*}"]}')),
    severity: E, field: 'spec.rules[0].to[0].operation.paths[0]', message: `${P}invalid or unsupported path foo/{**}/{*}, found in Paths. {**} is not the last operator` },
  { rule: 'AP path braces outside templates', yaml: ap(rule('to:\n    - operation: {notPaths: ["/foo/{id}"]}')),
    severity: E, field: 'spec.rules[0].to[0].operation.notPaths[0]', message: `${P}invalid or unsupported path foo/{id}, found in NotPaths. Contains '{' or '}' beyond a supported path template` },
  { rule: 'AP path literal next to a template', yaml: ap(rule('to:\n    - operation: {paths: ["/{*}/a|b"]}')),
    severity: E, field: 'spec.rules[0].to[0].operation.paths[0]', message: `${P}invalid or unsupported path {*}/a|b, found in Paths. Contains segment a|b with invalid string literal` },
  { rule: 'AP trustDomains: no / (CheckTrustDomainValues)', yaml: ap(rule('from:\n    - source: {trustDomains: ["cluster.local/ns/foo"]}')),
    severity: E, field: 'spec.rules[0].from[0].source.trustDomains[0]', message: `${P}trust domain must not contain '/', found in TrustDomains: "cluster.local/ns/foo"` },
  { rule: 'AP notTrustDomains: wildcard only at an end (CheckWildcardValues)', yaml: ap(rule('from:\n    - source: {notTrustDomains: ["a*b"]}')),
    severity: E, field: 'spec.rules[0].from[0].source.notTrustDomains[0]', message: `${P}wildcard is only allowed at the start or end, found in NotTrustDomains: "a*b"` },
  { rule: 'AP trustDomains: one wildcard', yaml: ap(rule('from:\n    - source: {trustDomains: ["*a*"]}')),
    severity: E, field: 'spec.rules[0].from[0].source.trustDomains[0]', message: `${P}at most one wildcard is allowed, found in TrustDomains: "*a*"` },
  { rule: 'AP trustDomains: empty value', yaml: ap(rule('from:\n    - source: {trustDomains: [""]}')),
    severity: E, field: 'spec.rules[0].from[0].source.trustDomains[0]', message: `${P}empty value not allowed, found in TrustDomains` },
  { rule: 'AP CUSTOM cannot match trust domains', yaml: ap('  action: CUSTOM\n  provider: {name: ext}\n' + rule('from:\n    - source: {trustDomains: ["cluster.local"]}')),
    severity: E, field: 'spec.rules[0].from[0].source.trustDomains', message: `${P}From.TrustDomains is currently not supported with CUSTOM action` },
  { rule: 'AP CRD: trustDomains is a list', yaml: ap(rule('from:\n    - source: {trustDomains: cluster.local}')),
    severity: E, field: 'spec.rules[0].from[0].source.trustDomains', message: 'must be an array, not the string "cluster.local"' },
  { rule: 'AP DENY with only trustDomains warns about TCP (Istio counts trustDomains as no TCP field)', yaml: ap('  action: DENY\n' + rule('from:\n    - source: {trustDomains: ["evil.org"]}')),
    severity: W, field: 'spec.rules[0]', message: 'configured AuthorizationPolicy will deny all traffic to TCP ports under its scope due to the use of only HTTP attributes in a DENY rule; it is recommended to explicitly specify the port' },
  { rule: 'RA CRD: presence enum', yaml: ra('  jwtRules:\n  - issuer: example\n    presence: MANDATORY'),
    severity: E, field: 'spec.jwtRules[0].presence', message: 'Unsupported value: "MANDATORY": supported values: "OPTIONAL", "REQUIRED"' },
  { rule: 'AP when key empty', yaml: ap(rule('when:\n    - key: ""\n      values: [x]')),
    severity: E, field: 'spec.rules[0].when[0].key', message: `${P}\`key\` must not be empty` },
  { rule: 'AP when needs values', yaml: ap(rule('when:\n    - key: request.headers[x-user]')),
    severity: E, field: 'spec.rules[0].when[0]', message: `${P}at least one of \`values\` or \`notValues\` must be set for key request.headers[x-user]` },
  { rule: 'AP when destination.namespace', yaml: ap(rule('when:\n    - key: destination.namespace\n      values: [foo]')),
    severity: E, field: 'spec.rules[0].when[0].key', message: `${P}invalid \`value\` for \`key\` destination.namespace: attribute destination.namespace is replaced by the metadata.namespace` },
  { rule: 'AP when destination.labels', yaml: ap(rule('when:\n    - key: destination.labels[app]\n      values: [foo]')),
    severity: E, field: 'spec.rules[0].when[0].key', message: `${P}invalid \`value\` for \`key\` destination.labels[app]: attribute destination.labels[app] is replaced by the workload selector` },
  { rule: 'AP when destination.user', yaml: ap(rule('when:\n    - key: destination.user\n      values: [foo]')),
    severity: E, field: 'spec.rules[0].when[0].key', message: `${P}invalid \`value\` for \`key\` destination.user: deprecated attribute destination.user: only supported in v1alpha1` },
  { rule: 'AP when unknown key (reported for notValues too, as Istio does)', yaml: ap(rule('when:\n    - key: request.method\n      values: [GET]')),
    severity: E, field: 'spec.rules[0].when[0].key', message: `${P}invalid \`notValue\` for \`key\` request.method: unknown attribute: request.method` },
  { rule: 'AP when map key', yaml: ap(rule('when:\n    - key: "request.headers[]"\n      values: [x]')),
    severity: E, field: 'spec.rules[0].when[0].key', message: `${P}invalid \`value\` for \`key\` request.headers[]: bad key (request.headers[]): should have format a[b]` },
  { rule: 'AP when source.ip', yaml: ap(rule('when:\n    - key: source.ip\n      values: [not-an-ip]')),
    severity: E, field: 'spec.rules[0].when[0].values[0]', message: `${P}invalid \`value\` for \`key\` source.ip: bad IP address (not-an-ip)` },
  { rule: 'AP when destination.port', yaml: ap(rule('when:\n    - key: destination.port\n      notValues: ["99999"]')),
    severity: E, field: 'spec.rules[0].when[0].notValues[0]', message: `${P}invalid \`notValue\` for \`key\` destination.port: bad port (99999): <nil>` },
  { rule: 'AP when empty value', yaml: ap(rule('when:\n    - key: request.headers[x-user]\n      values: [""]')),
    severity: E, field: 'spec.rules[0].when[0].values[0]', message: `${P}invalid \`value\` for \`key\` request.headers[x-user]: empty value not allowed, found in request.headers[x-user]` },
  { rule: 'AP DENY with only HTTP attributes', yaml: ap('  action: DENY\n' + rule('to:\n    - operation: {methods: [POST]}')),
    severity: W, field: 'spec.rules[0]', message: 'configured AuthorizationPolicy will deny all traffic to TCP ports under its scope due to the use of only HTTP attributes in a DENY rule; it is recommended to explicitly specify the port' },
  { rule: 'AP selector without labels', yaml: ap('  selector: {}'),
    severity: W, field: 'spec.selector', message: 'workload selector specified without labels' },
  { rule: 'AP CEL: selector or targetRefs', yaml: ap('  selector:\n    matchLabels: {app: a}\n  targetRefs:\n  - {kind: Service, group: "", name: a}'),
    severity: E, field: 'spec.targetRefs', message: 'only one of targetRefs or selector can be set' },
  { rule: 'AP targetRef kinds', yaml: ap('  targetRefs:\n  - {kind: Deployment, group: apps, name: a}'),
    severity: E, field: 'spec.targetRefs[0].kind', message: `${P}targetRef must be to one of [core/v1/Service networking.istio.io/v1/ServiceEntry gateway.networking.k8s.io/v1/Gateway gateway.networking.k8s.io/v1/GatewayClass] but was apps/Deployment` },
  { rule: 'AP CEL: targetRef in the same namespace', yaml: ap('  targetRef: {kind: Service, group: "", name: a, namespace: bar}'),
    severity: E, field: 'spec.targetRef.namespace', message: 'cross namespace referencing is not currently supported' },
  { rule: 'AP dry-run only for ALLOW/DENY', yaml: ap('  action: AUDIT\n' + rule('to:\n    - operation: {paths: ["/a"]}'), 'audit', ', annotations: {"istio.io/dry-run": "true"}'),
    severity: E, field: 'metadata.annotations.istio.io/dry-run', message: 'the annotation istio.io/dry-run currently only supports action ALLOW/DENY, found action AUDIT in foo/audit' },
  { rule: 'AP dry-run is a bool', yaml: ap('  action: DENY\n' + rule('to:\n    - operation: {ports: ["80"]}'), 'httpbin', ', annotations: {"istio.io/dry-run": "yes"}'),
    severity: E, field: 'metadata.annotations.istio.io/dry-run', message: 'foo/httpbin has annotation istio.io/dry-run with invalid value (yes): strconv.ParseBool: parsing "yes": invalid syntax' },
  { rule: 'RA CEL: jwks or jwksUri', yaml: ra(`  jwtRules:\n  - issuer: a\n    jwksUri: https://a.example.com/jwks\n    jwks: '${JWKS}'`),
    severity: E, field: 'spec.jwtRules[0]', message: 'only one of jwks or jwksUri can be set' },
  { rule: 'RA CEL: jwksUri scheme', yaml: ra('  jwtRules:\n  - issuer: a\n    jwksUri: ftp://a.example.com/jwks'),
    severity: E, field: 'spec.jwtRules[0].jwksUri', message: 'url must have scheme http:// or https://' },
  { rule: 'RA issuer or jwksUri', yaml: ra('  jwtRules:\n  - audiences: [a]'),
    severity: E, field: 'spec.jwtRules[0]', message: 'issuer or jwksUri must be non-empty string' },
  { rule: 'RA inline jwks parses', yaml: ra('  jwtRules:\n  - issuer: a\n    jwks: "{not json"'),
    severity: E, field: 'spec.jwtRules[0].jwks', message: 'jwks parse error: the value is not JSON' },
  { rule: 'RA inline jwks keys have a known kty', yaml: ra(`  jwtRules:\n  - issuer: a\n    jwks: '{"keys": [{"n": "x"}]}'`),
    severity: E, field: 'spec.jwtRules[0].jwks', message: 'jwks parse error: key 0: invalid key type from JSON ()' },
  { rule: 'RA inline jwks with a private key', yaml: ra(`  jwtRules:\n  - issuer: a\n    jwks: '${PRIVATE_JWKS}'`),
    severity: W, field: 'spec.jwtRules[0].jwks', message: 'jwks key at index 1 contains private key material; only public keys are used for verification' },
  { rule: 'RA CEL: timeout at least 1ms', yaml: ra('  jwtRules:\n  - issuer: a\n    jwksUri: https://a.example.com/jwks\n    timeout: 500us'),
    severity: E, field: 'spec.jwtRules[0].timeout', message: 'must be a valid duration greater than 1ms' },
  { rule: 'RA selector without labels', yaml: ra('  selector: {matchLabels: {}}\n  jwtRules:\n  - issuer: a'),
    severity: W, field: 'spec.selector', message: 'workload selector specified without labels' },
];

for (const c of failing) {
  test(`fires: ${c.rule}`, (t) => {
    const found = findings(c.yaml);
    const hit = found.find((d) => d.message === c.message && d.field === c.field);
    t.deepEqual(hit, { severity: c.severity, code: c.severity === 'error' ? 'MS0106' : 'MS0107', field: c.field, message: c.message }, JSON.stringify(found, null, 1));
  });
}

function loaded<K extends 'PeerAuthentication' | 'RequestAuthentication' | 'AuthorizationPolicy'>(yaml: string, kind: K): Resource<K> {
  const resource = loadManifests([{ path: 't.yaml', text: yaml }]).resources[0];
  if (resource === undefined || resource.kind !== kind) throw new Error(`no ${kind} loaded`);
  return resource as Resource<K>;
}

test('PA: an empty portLevelMtls map (the schema refuses it first; the webhook rule stands behind it)', (t) => {
  const r = loaded(pa('  selector:\n    matchLabels: {app: a}'), 'PeerAuthentication');
  const found = checkPeerAuthentication({ ...r, spec: { ...r.spec, portLevelMtls: {} } });
  t.deepEqual(found.map((x) => [x.path, x.message]), [[['spec', 'portLevelMtls'], 'port level mTLS, if defined, must have at least one element']]);
});

test('RA: the webhook rules behind the schema\'s minLength and pattern', (t) => {
  const r = loaded(ra('  jwtRules:\n  - issuer: a'), 'RequestAuthentication');
  const found = checkRequestAuthentication({ ...r, spec: { jwtRules: [{
    issuer: 'a', audiences: [''], fromHeaders: [{ name: '' }], fromParams: [''], fromCookies: [''],
    outputClaimToHeaders: [{ header: '', claim: 'sub' }, { header: 'x b', claim: 'sub' }],
  }] } });
  t.deepEqual(found.map((x) => [x.path.join('.'), x.message]), [
    ['spec.jwtRules.0.audiences.0', 'audience must be non-empty string'],
    ['spec.jwtRules.0.fromHeaders.0.name', 'location header name must be non-empty string'],
    ['spec.jwtRules.0.fromParams.0', 'location query must be non-empty string'],
    ['spec.jwtRules.0.fromCookies.0', 'cookie name must be non-empty string'],
    ['spec.jwtRules.0.outputClaimToHeaders.0', 'outputClaimToHeaders header and claim value must be non-empty string'],
    ['spec.jwtRules.0.outputClaimToHeaders.1.header', 'header name x b is not a valid header name'],
  ]);
});

test('AP: a dry-run error ends validation; `rules: []` counts as no rules', (t) => {
  const r = loaded(ap('  action: AUDIT\n' + rule('to:\n    - operation: {paths: ["/a"]}'), 'audit'), 'AuthorizationPolicy');
  const dryRun = checkAuthorizationPolicy({ ...r, annotations: { 'istio.io/dry-run': 'true' }, spec: { action: 'AUDIT', rules: [{ to: [{}] }] } });
  t.deepEqual(dryRun.map((x) => x.path.join('.')), ['metadata.annotations.istio.io/dry-run']);
  const deny = checkAuthorizationPolicy({ ...r, spec: { action: 'DENY', rules: [] } });
  t.deepEqual(deny.map((x) => x.message), ['invalid policy audit.foo: DENY action without `rules` is meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered for every request']);
});

test('AP: the DENY warning is per rule and not raised when a rule names ports or L4 sources', (t) => {
  const r = loaded(ap('  action: DENY\n' + rule('to:\n    - operation: {ports: ["80"]}')), 'AuthorizationPolicy');
  const found = checkAuthorizationPolicy({ ...r, spec: { action: 'DENY', rules: [
    { from: [{ source: { requestPrincipals: ['*'] } }] },
    { from: [{ source: { namespaces: ['a'] } }] },
    { to: [{ operation: { ports: ['80'], paths: ['/a'] } }] },
    { when: [{ key: 'request.headers[x]', values: ['y'] }] },
  ] } });
  t.deepEqual(found.map((x) => [x.severity, x.path.join('.')]), [['warning', 'spec.rules.0']]);
});

test('value checks: Istio\'s parsers, edge by edge', (t) => {
  t.is(ipBlockProblem('2001:db8::/32'), null);
  t.is(ipBlockProblem('10.0.0.0/08'), 'bad CIDR range (10.0.0.0/08): netip.ParsePrefix("10.0.0.0/08"): bad bits after slash: "08"');
  t.is(ipBlockProblem('10.0.0/8'), 'bad CIDR range (10.0.0/8): netip.ParsePrefix("10.0.0/8"): ParseAddr("10.0.0"): unable to parse IP');
  t.is(portValueProblem('0'), null);
  t.is(portValueProblem('-1'), 'bad port (-1): strconv.ParseUint: parsing "-1": invalid syntax');
  t.is(portValueProblem('99999999999'), 'bad port (99999999999): strconv.ParseUint: parsing "99999999999": value out of range');
  t.is(pathTemplateProblem('Paths', ['/{**}', '/a/{*}/b', '/{**}/tail']), null); // Istio only refuses a template after {**}
  t.is(serviceAccountProblem('ServiceAccounts', ['ns/'])?.message, "expected format 'serviceAccount' or 'namespace/serviceAccount', found empty serviceAccount \"ns/\" in ServiceAccounts");
  t.is(serviceAccountProblem('ServiceAccounts', Array.from({ length: 17 }, (_, i) => `sa${i}`))?.message, 'may not have more than 16 values');
  t.deepEqual(attributeProblems('source.trustDomain', ['a*b']), [{ index: 0, message: 'wildcard is only allowed at the start or end, found in source.trustDomain: "a*b"' }]);
  t.deepEqual(attributeProblems('experimental.envoy.filters.a[b]', ['x']), []);
  t.deepEqual(attributeProblems('source.serviceAccount', ['ns/*']), [{ index: 0, message: 'wildcard not allowed, found in source.serviceAccount' }]);
  t.deepEqual(parseJwks('{"kty": "oct", "k": "c2VjcmV0"}'), { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] });
});
