// The security analyzers (security.ts and its security-*.ts parts), run through validateManifests so every
// case is a real manifest set: exact code, severity, field and message of what they report, and silence
// for the safe configuration next to each mistake.
import test from 'ava';
import { validateManifests } from './validate-manifests.ts';
import { principalProblem } from './security-authz.ts';

const OWN_CODES = new Set(['MS0203', 'MS0204', 'MS0205', 'MS0206', 'MS0207', 'MS0208']);

/** Warnings of the security analyzers (IST0101 only about namespaces), as `severity code field: message`. */
function security(...docs: string[]): string[] {
  const { diagnostics } = validateManifests([{ path: 't.yaml', text: docs.join('---\n') }]);
  return diagnostics
    .filter((d) => OWN_CODES.has(d.code) || (d.code === 'IST0101' && d.message.startsWith('Referenced namespace')))
    .map((d) => `${d.severity} ${d.code} ${d.resource?.kind ?? ''} ${d.resource?.namespace ?? ''}/${d.resource?.name ?? ''} ${d.field}: ${d.message}`);
}

function hints(...docs: string[]): string[] {
  const { diagnostics } = validateManifests([{ path: 't.yaml', text: docs.join('---\n') }]);
  return diagnostics.filter((d) => OWN_CODES.has(d.code) || d.message.startsWith('Referenced namespace')).map((d) => d.hint);
}

// ---- manifests ----------------------------------------------------------------------------------

const namespace = (name: string, injected: boolean) =>
  `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n${injected ? '  labels: {istio-injection: enabled}\n' : ''}`;

const deployment = (ns: string, name: string, labels: string, containerPort = 8080) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}}
spec:
  selector: {matchLabels: {${labels}}}
  template:
    metadata: {labels: {${labels}}}
    spec:
      containers: [{name: app, image: app, ports: [{containerPort: ${containerPort}}]}]
`;

const service = (ns: string, name: string, port = 9080, targetPort = 8080) => `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${ns}}
spec:
  selector: {app: ${name}}
  ports: [{name: http, port: ${port}, targetPort: ${targetPort}}]
`;

const peerAuthentication = (ns: string, name: string, body: string) =>
  `apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: ${name}, namespace: ${ns}}\nspec:\n${body}\n`;

const destinationRule = (ns: string, name: string, host: string, body: string) =>
  `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: ${name}, namespace: ${ns}}\nspec:\n  host: ${host}\n${body}\n`;

const authorizationPolicy = (body: string) =>
  `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: allow, namespace: shop}\nspec:\n${body}\n`;

/** Namespace shop (injected) with reviews-v1/v2 (app=reviews, port 9080 → 8080). */
const SHOP = [
  namespace('shop', true),
  deployment('shop', 'reviews-v1', 'app: reviews, version: v1'),
  deployment('shop', 'reviews-v2', 'app: reviews, version: v2'),
  service('shop', 'reviews'),
];
const STRICT_SHOP = peerAuthentication('shop', 'default', '  mtls: {mode: STRICT}');
const TLS = (mode: string) => `  trafficPolicy:\n    tls: {mode: ${mode}}`;
/** Namespace legacy (not injected) with a curl Deployment: a client without a sidecar. */
const LEGACY = [namespace('legacy', false), deployment('legacy', 'curl', 'app: curl')];

// ---- MS0203: DestinationRule DISABLE towards STRICT workloads ----------------------------------

const DISABLE_TO_STRICT = 'TLS mode DISABLE sends plaintext to reviews.shop.svc.cluster.local:9080, but workloads shop/reviews-v1 and shop/reviews-v2 require mutual TLS there (STRICT from PeerAuthentication shop/default): the server sidecar refuses these plaintext connections (client sidecars answer 503 UF).';

test('MS0203: top-level tls DISABLE to a host whose namespace is STRICT', (t) => {
  t.deepEqual(security(...SHOP, STRICT_SHOP, destinationRule('shop', 'reviews', 'reviews', TLS('DISABLE'))), [
    `warning MS0203 DestinationRule shop/reviews spec.trafficPolicy.tls.mode: ${DISABLE_TO_STRICT}`,
  ]);
  t.deepEqual(hints(...SHOP, STRICT_SHOP, destinationRule('shop', 'reviews', 'reviews', TLS('DISABLE'))), [
    'Remove the tls setting (auto mTLS then sends Istio mTLS to pods with a sidecar) or set mode ISTIO_MUTUAL; or keep the PeerAuthentication PERMISSIVE while plaintext clients remain.',
  ]);
});

test('MS0203: a tls block without a mode is DISABLE, reported at the block', (t) => {
  t.deepEqual(security(...SHOP, STRICT_SHOP, destinationRule('shop', 'reviews', 'reviews', '  trafficPolicy:\n    tls: {sni: reviews.shop}')), [
    `warning MS0203 DestinationRule shop/reviews spec.trafficPolicy.tls: ${DISABLE_TO_STRICT}`,
  ]);
});

test('MS0203: a port-level DISABLE for the service port; the mesh-wide STRICT decides', (t) => {
  const dr = destinationRule('shop', 'reviews', 'reviews.shop.svc.cluster.local', '  trafficPolicy:\n    portLevelSettings:\n    - port: {number: 9080}\n      tls: {mode: DISABLE}');
  t.deepEqual(security(...SHOP, peerAuthentication('istio-system', 'default', '  mtls: {mode: STRICT}'), dr), [
    `warning MS0203 DestinationRule shop/reviews spec.trafficPolicy.portLevelSettings[0].tls.mode: ${DISABLE_TO_STRICT.replace('shop/default', 'istio-system/default')}`,
  ]);
});

test('MS0203: STRICT set by portLevelMtls on the target port; a subset DISABLE names only its own pods', (t) => {
  const pa = peerAuthentication('shop', 'reviews', '  selector: {matchLabels: {app: reviews}}\n  portLevelMtls:\n    8080: {mode: STRICT}');
  const dr = destinationRule('shop', 'reviews', 'reviews', '  subsets:\n  - name: v1\n    labels: {version: v1}\n    trafficPolicy:\n      tls: {mode: DISABLE}');
  t.deepEqual(security(...SHOP, pa, dr), [
    'warning MS0203 DestinationRule shop/reviews spec.subsets[0].trafficPolicy.tls.mode: TLS mode DISABLE sends plaintext to reviews.shop.svc.cluster.local:9080 subset v1, but workload shop/reviews-v1 requires mutual TLS there (STRICT from PeerAuthentication shop/reviews): the server sidecar refuses these plaintext connections (client sidecars answer 503 UF).',
  ]);
});

test('MS0203: a mesh-wide wildcard DestinationRule covers the services no DestinationRule names', (t) => {
  const wildcard = destinationRule('istio-system', 'plaintext', '"*.local"', TLS('DISABLE'));
  t.deepEqual(security(...SHOP, STRICT_SHOP, wildcard), [
    `warning MS0203 DestinationRule istio-system/plaintext spec.trafficPolicy.tls.mode: ${DISABLE_TO_STRICT}`,
  ]);
  t.deepEqual(security(...SHOP, STRICT_SHOP, wildcard, destinationRule('shop', 'reviews', 'reviews', TLS('ISTIO_MUTUAL'))), []);
});

test('MS0203: nothing when the server is PERMISSIVE, the port is DISABLE, auto mTLS decides, or the DR asks for mTLS', (t) => {
  const disable = destinationRule('shop', 'reviews', 'reviews', TLS('DISABLE'));
  t.deepEqual(security(...SHOP, disable), [], 'no PeerAuthentication: PERMISSIVE');
  t.deepEqual(security(...SHOP, peerAuthentication('shop', 'default', '  mtls: {mode: PERMISSIVE}'), disable), []);
  const portDisable = peerAuthentication('shop', 'reviews', '  selector: {matchLabels: {app: reviews}}\n  portLevelMtls:\n    8080: {mode: DISABLE}');
  t.deepEqual(security(...SHOP, STRICT_SHOP, portDisable, disable), [], 'the workload port is DISABLE');
  const replaced = destinationRule('shop', 'reviews', 'reviews', '  trafficPolicy:\n    tls: {mode: DISABLE}\n    portLevelSettings:\n    - port: {number: 9080}\n      loadBalancer: {simple: ROUND_ROBIN}');
  t.deepEqual(security(...SHOP, STRICT_SHOP, replaced), [], 'a port-level entry replaces the top-level tls');
  t.deepEqual(security(...SHOP, STRICT_SHOP, destinationRule('shop', 'reviews', 'reviews', TLS('ISTIO_MUTUAL'))), []);
});

// ---- MS0204: STRICT while clients without a sidecar run ---------------------------------------

test('MS0204: STRICT on exposed workloads while a workload without a sidecar runs in the mesh', (t) => {
  t.deepEqual(security(...SHOP, ...LEGACY, STRICT_SHOP), [
    'warning MS0204 PeerAuthentication shop/default spec.mtls.mode: STRICT mutual TLS applies to workloads shop/reviews-v1 and shop/reviews-v2, but workload legacy/curl runs without a sidecar: once STRICT applies, its plaintext connections to them will be refused.',
  ]);
  t.deepEqual(hints(...SHOP, ...LEGACY, STRICT_SHOP), [
    'Inject sidecars into the clients first (namespace legacy is not labelled for injection and the pod does not ask for it), or keep the mode PERMISSIVE until every client has one.',
  ]);
});

test('MS0204: a mesh-wide STRICT is reported on the root policy; an opted-out pod counts as a client', (t) => {
  const optedOut = deployment('shop', 'batch', 'app: batch, sidecar.istio.io/inject: "false"');
  t.deepEqual(security(...SHOP, optedOut, peerAuthentication('istio-system', 'mesh', '  mtls: {mode: STRICT}')), [
    'warning MS0204 PeerAuthentication istio-system/mesh spec.mtls.mode: STRICT mutual TLS applies to workloads shop/reviews-v1 and shop/reviews-v2, but workload shop/batch runs without a sidecar: once STRICT applies, its plaintext connections to them will be refused.',
  ]);
});

test('MS0204: nothing when every client has a sidecar, the clients are system pods, or STRICT reaches no sidecar', (t) => {
  t.deepEqual(security(...SHOP, STRICT_SHOP), []);
  t.deepEqual(security(...SHOP, deployment('kube-system', 'coredns', 'app: coredns'), STRICT_SHOP), []);
  t.deepEqual(security(...LEGACY, service('legacy', 'curl', 80, 8080), peerAuthentication('legacy', 'default', '  mtls: {mode: STRICT}')), [],
    'the STRICT namespace has no sidecar to enforce it');
  t.deepEqual(security(...SHOP, ...LEGACY, peerAuthentication('shop', 'default', '  mtls: {mode: PERMISSIVE}')), []);
});

// ---- MS0205: ISTIO_MUTUAL towards pods without a sidecar ----------------------------------------

test('MS0205: ISTIO_MUTUAL to a service whose pods have no sidecar', (t) => {
  const docs = [...LEGACY, service('legacy', 'curl', 80, 8080), destinationRule('legacy', 'curl', 'curl', TLS('ISTIO_MUTUAL'))];
  t.deepEqual(security(...docs), [
    'warning MS0205 DestinationRule legacy/curl spec.trafficPolicy.tls.mode: TLS mode ISTIO_MUTUAL sends Istio mutual TLS to curl.legacy.svc.cluster.local:80, but workload legacy/curl has no sidecar to complete the handshake: requests from sidecars fail (503 UF).',
  ]);
  t.deepEqual(hints(...docs), [
    'Inject a sidecar there first (now: namespace legacy is not labelled for injection and the pod does not ask for it), or remove the tls setting: auto mTLS sends Istio mTLS only to pods with a sidecar and plaintext to the others.',
  ]);
});

test('MS0205: nothing towards pods with a sidecar, or towards ServiceEntry endpoints meshsim cannot see into', (t) => {
  t.deepEqual(security(...SHOP, destinationRule('shop', 'reviews', 'reviews', TLS('ISTIO_MUTUAL'))), []);
  const entry = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: vm, namespace: shop}
spec:
  hosts: [vm.example.internal]
  location: MESH_INTERNAL
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: STATIC
  endpoints: [{address: 10.1.2.3}]
`;
  t.deepEqual(security(namespace('shop', true), entry, destinationRule('shop', 'vm', 'vm.example.internal', TLS('ISTIO_MUTUAL'))), []);
});

// ---- MS0207: portLevelMtls keyed by a service port ---------------------------------------------

test('MS0207: portLevelMtls keyed by the Service port names the target port in the hint', (t) => {
  const pa = peerAuthentication('shop', 'reviews', '  selector: {matchLabels: {app: reviews}}\n  mtls: {mode: STRICT}\n  portLevelMtls:\n    9080: {mode: PERMISSIVE}');
  t.deepEqual(security(...SHOP, pa), [
    'warning MS0207 PeerAuthentication shop/reviews spec.portLevelMtls.9080: Port 9080 in portLevelMtls is not a target port of any Service in front of the selected workloads (their target ports: 8080): port-level mTLS is keyed by the workload\'s port, so this setting does not apply to traffic through those Services.',
  ]);
  t.deepEqual(hints(...SHOP, pa), ['9080 is the port of Service shop/reviews, which sends it to target port 8080: key portLevelMtls by that port.']);
});

test('MS0207: a port that is no Service port either gets the general hint', (t) => {
  const pa = peerAuthentication('shop', 'reviews', '  selector: {matchLabels: {app: reviews}}\n  portLevelMtls:\n    7070: {mode: DISABLE}');
  t.deepEqual(hints(...SHOP, pa), ['Key portLevelMtls by the port the workload listens on (here 8080), not by a Service port.']);
});

test('MS0207: nothing for a target port, a declared container port, or workloads behind no Service', (t) => {
  const pa = (port: number) => peerAuthentication('shop', 'reviews', `  selector: {matchLabels: {app: reviews}}\n  portLevelMtls:\n    ${port}: {mode: DISABLE}`);
  t.deepEqual(security(...SHOP, pa(8080)), []);
  t.deepEqual(security(...SHOP.slice(0, 3), deployment('shop', 'reviews-v3', 'app: reviews, version: v3', 9090), service('shop', 'reviews'), pa(9090)), []);
  t.deepEqual(security(...SHOP.slice(0, 3), pa(9080)), []);
});

// ---- MS0208 and the selector checks left to selectors.ts --------------------------------------

test('MS0208: a PeerAuthentication with a selector in the root namespace is ignored', (t) => {
  t.deepEqual(security(...SHOP, peerAuthentication('istio-system', 'reviews', '  selector: {matchLabels: {app: reviews}}\n  mtls: {mode: STRICT}')), [
    'warning MS0208 PeerAuthentication istio-system/reviews spec.selector: A PeerAuthentication with a selector in the root namespace istio-system is ignored: the mesh-wide policy there takes no selector, and a workload policy must live in its workload\'s namespace.',
  ]);
  t.deepEqual(security(...SHOP, peerAuthentication('istio-system', 'default', '  mtls: {mode: PERMISSIVE}')), []);
});

test('a selector matching nothing stays selectors.ts\'s single MS0202', (t) => {
  const pa = peerAuthentication('shop', 'ratings', '  selector: {matchLabels: {app: ratings}}\n  mtls: {mode: STRICT}');
  const { diagnostics } = validateManifests([{ path: 't.yaml', text: [...SHOP, pa].join('---\n') }]);
  t.deepEqual(diagnostics.filter((d) => d.resource?.name === 'ratings').map((d) => d.code), ['MS0202']);
});

// ---- MS0206: principals that can never match ---------------------------------------------------

const principals = (field: string, values: string) => authorizationPolicy(`  rules:\n  - from:\n    - source: {${field}: [${values}]}`);

test('MS0206: a principal in another trust domain, in principals and notPrincipals', (t) => {
  t.deepEqual(security(...SHOP, ...LEGACY, principals('principals', '"example.org/ns/legacy/sa/default"')), [
    'warning MS0206 AuthorizationPolicy shop/allow spec.rules[0].from[0].source.principals[0]: Principal "example.org/ns/legacy/sa/default" is in trust domain "example.org", but the mesh\'s trust domain is "cluster.local": it can never match any peer.',
  ]);
  t.deepEqual(hints(...SHOP, ...LEGACY, principals('principals', '"example.org/ns/legacy/sa/default"')), ['Write the mesh\'s trust domain: cluster.local/ns/legacy/sa/default.']);
  t.deepEqual(security(...SHOP, ...LEGACY, principals('notPrincipals', '"example.org/ns/legacy/sa/default"')), [
    'warning MS0206 AuthorizationPolicy shop/allow spec.rules[0].from[0].source.notPrincipals[0]: Principal "example.org/ns/legacy/sa/default" is in trust domain "example.org", but the mesh\'s trust domain is "cluster.local": it can never match, so it excludes no peer.',
  ]);
});

test('MS0206: a spiffe:// prefix and a bare name, also in a source.principal condition', (t) => {
  const ap = authorizationPolicy('  rules:\n  - when:\n    - key: source.principal\n      values: ["spiffe://cluster.local/ns/shop/sa/default", "curl"]');
  t.deepEqual(security(...SHOP, ap), [
    'warning MS0206 AuthorizationPolicy shop/allow spec.rules[0].when[0].values[0]: Principal "spiffe://cluster.local/ns/shop/sa/default" starts with spiffe://, which Istio adds itself (a peer would need the identity spiffe://spiffe://…): it can never match any peer.',
    'warning MS0206 AuthorizationPolicy shop/allow spec.rules[0].when[0].values[1]: Principal "curl" is not a SPIFFE identity (cluster.local/ns/<namespace>/sa/<service account>): it can never match any peer.',
  ]);
  t.deepEqual(hints(...SHOP, ap), [
    'Write it without the prefix: cluster.local/ns/shop/sa/default.',
    'Write the peer\'s identity, such as cluster.local/ns/default/sa/curl, or match its service account with serviceAccounts.',
  ]);
});

test('MS0206: the trust domain comes from the mesh config; cluster.local always stands for it (bundle.go)', (t) => {
  const meshConfig = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: "trustDomain: example.org"\n';
  t.deepEqual(security(...SHOP, meshConfig, principals('principals', '"example.org/ns/shop/sa/default"')), []);
  t.deepEqual(security(...SHOP, meshConfig, principals('principals', '"cluster.local/ns/shop/sa/default"')), []);
  t.is(security(...SHOP, meshConfig, principals('principals', '"old.example/ns/shop/sa/default"')).length, 1);
});

test('MS0206: a principal in a trust-domain alias is widened to the mesh trust domain and passes', (t) => {
  const meshConfig = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: "trustDomain: new.example\\ntrustDomainAliases: [old.example]"\n';
  t.deepEqual(security(...SHOP, meshConfig, principals('principals', '"old.example/ns/shop/sa/default", "*.example/ns/shop/sa/default"')), []);
  t.deepEqual(principalProblem('other.example/ns/shop/sa/default', 'new.example', ['old.example'])?.what, 'is in trust domain "other.example", but the mesh\'s trust domain is "new.example"');
});

test('MS0206: wildcards pass when a principal of the trust domain can match them', (t) => {
  const fine = ['*', '*/ns/shop/sa/default', '*local/ns/shop/sa/x', '*/sa/curl', 'cluster.local/*', 'clus*', 'cluster.local/ns/shop/sa/*'];
  t.deepEqual(fine.filter((v) => principalProblem(v, 'cluster.local') !== null), []);
  const never = ['*example.org/ns/a/sa/b', 'exam*', 'example.org/*', 'cluster.local.example/ns/a/sa/b'];
  t.deepEqual(never.filter((v) => principalProblem(v, 'cluster.local') === null), []);
  t.deepEqual(principalProblem('exam*', 'cluster.local')?.what, 'is in a trust domain starting with "exam", but the mesh\'s trust domain is "cluster.local"');
});

// ---- IST0101: namespaces that do not exist -------------------------------------------------------

test('IST0101: namespaces and notNamespaces entries matching no namespace', (t) => {
  t.deepEqual(security(...SHOP, principals('namespaces', '"lagacy", "shop", "kube-system", "sh*", "*op"')), [
    'warning IST0101 AuthorizationPolicy shop/allow spec.rules[0].from[0].source.namespaces[0]: Referenced namespace not found: "lagacy".',
  ]);
  t.deepEqual(hints(...SHOP, principals('namespaces', '"lagacy"')), [
    'No namespace lagacy exists in these manifests (there are default, istio-system and shop), so it matches no peer; fix the name, or create the namespace.',
  ]);
  t.deepEqual(security(...SHOP, principals('notNamespaces', '"dev*"')), [
    'warning IST0101 AuthorizationPolicy shop/allow spec.rules[0].from[0].source.notNamespaces[0]: Referenced namespace not found: "dev*".',
  ]);
  t.deepEqual(hints(...SHOP, principals('notNamespaces', '"dev*"')), [
    'No namespace dev* exists in these manifests (there are default, istio-system and shop), so excluding it excludes no peer; fix the name, or create the namespace.',
  ]);
});

test('IST0101: the namespace inside a principal, an ns/sa service account and a source.namespace condition', (t) => {
  const ap = authorizationPolicy([
    '  rules:', '  - from:', '    - source: {principals: ["cluster.local/ns/legacy/sa/curl", "cluster.local/ns/shop/sa/default", "cluster.local/ns/leg*"]}',
    '  - from:', '    - source: {serviceAccounts: ["legacy/curl", "default"]}',
    '    when:', '    - key: source.namespace', '      notValues: ["staging"]'].join('\n'));
  t.deepEqual(security(...SHOP, ap), [
    'warning IST0101 AuthorizationPolicy shop/allow spec.rules[0].from[0].source.principals[0]: Referenced namespace not found: "legacy".',
    'warning IST0101 AuthorizationPolicy shop/allow spec.rules[1].from[0].source.serviceAccounts[0]: Referenced namespace not found: "legacy".',
    'warning IST0101 AuthorizationPolicy shop/allow spec.rules[1].when[0].notValues[0]: Referenced namespace not found: "staging".',
  ]);
  t.deepEqual(security(...SHOP, ...LEGACY, ap.replace('staging', 'legacy')), []);
});
