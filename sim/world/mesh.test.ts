import test from 'ava';
import { buildMesh } from './mesh.ts';

const cacerts = `apiVersion: v1
kind: Secret
metadata: {name: cacerts, namespace: istio-system}
stringData:
  ca-cert.pem: "-----BEGIN CERTIFICATE----- plugged"
  root-cert.pem: "-----BEGIN CERTIFICATE----- root"
  cert-chain.pem: "-----BEGIN CERTIFICATE----- chain"
  ca-key.pem: "key"
`;

test('istiod signs with its own root by default', (t) => {
  const mesh = buildMesh([{ path: 'sa.yaml', text: 'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: curl}\n' }]);
  t.deepEqual(mesh.ca.root, { id: 'istio-ca-root', plugged: false });
  t.is(mesh.ca.settings.trustDomain, 'cluster.local');
});

test('a cacerts Secret in istio-system plugs in the root (bring your own CA)', (t) => {
  const mesh = buildMesh([{ path: 'cacerts.yaml', text: cacerts }]);
  t.true(mesh.ca.root.plugged);
  t.regex(mesh.ca.root.id, /^cacerts:/);
});

test('a cacerts Secret in another namespace is not the one istiod reads', (t) => {
  const mesh = buildMesh([{ path: 'cacerts.yaml', text: cacerts.replace('istio-system', 'default') }]);
  t.false(mesh.ca.root.plugged);
});

test('trust-domain aliases come from the mesh config', (t) => {
  const configMap = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: |\n    trustDomain: new.example\n    trustDomainAliases: [old.example]\n';
  const mesh = buildMesh([{ path: 'mesh.yaml', text: configMap }]);
  t.deepEqual(mesh.ca.settings, { trustDomain: 'new.example', trustDomainAliases: ['old.example'], workloadCertTtlUs: 86_400_000_000 });
});

test('identities are issued in the mesh config trust domain; an explicit trustDomain option wins', (t) => {
  const configMap = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: "trustDomain: new.example"\n---\n';
  const deployment = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: curl, namespace: default}\nspec:\n  selector: {matchLabels: {app: curl}}\n  template:\n    metadata: {labels: {app: curl}}\n    spec: {serviceAccountName: curl, containers: [{name: c, image: curl}]}\n';
  const identity = (mesh: ReturnType<typeof buildMesh>) => mesh.topology.workloads.find((w) => w.name === 'curl')?.identity;
  t.is(identity(buildMesh([{ path: 'm.yaml', text: configMap + deployment }])), 'spiffe://new.example/ns/default/sa/curl');
  t.is(identity(buildMesh([{ path: 'm.yaml', text: configMap + deployment }], { mesh: { trustDomain: 'other.example' } })), 'spiffe://other.example/ns/default/sa/curl');
  t.is(identity(buildMesh([{ path: 'm.yaml', text: deployment }])), 'spiffe://cluster.local/ns/default/sa/curl');
});

test('extension providers come from the mesh config', (t) => {
  const configMap = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: |\n    extensionProviders:\n    - name: ext\n      envoyExtAuthzGrpc: {service: ext.foo.svc.cluster.local, port: "9000"}\n';
  const mesh = buildMesh([{ path: 'mesh.yaml', text: configMap }]);
  t.like(mesh.push.mesh.extensionProviders[0], { name: 'ext', kind: 'envoyExtAuthzGrpc', service: 'ext.foo.svc.cluster.local', port: 9000, failOpen: false });
});

test('gateways get the RequestAuthentications and AuthorizationPolicies that select them, never PeerAuthentication', (t) => {
  const text = `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: istio-system}
spec: {mtls: {mode: STRICT}}
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt-example, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  jwtRules: [{issuer: testing@secure.istio.io, jwksUri: "https://example.com/jwks.json"}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: frontend-ingress, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  action: DENY
  rules: [{from: [{source: {notRequestPrincipals: ["*"]}}]}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ext, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  action: CUSTOM
  provider: {name: not-defined}
  rules: [{}]
---
apiVersion: v1
kind: Namespace
metadata: {name: foo, labels: {istio-injection: enabled}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: httpbin, namespace: foo}
spec:
  selector: {matchLabels: {app: httpbin}}
  template:
    metadata: {labels: {app: httpbin}}
    spec: {containers: [{name: c, image: httpbin}]}
`;
  const mesh = buildMesh([{ path: 'g.yaml', text }]);
  const security = (namespace: string) => mesh.proxyConfig(mesh.topology.pods.find((p) => p.namespace === namespace)!)?.security;
  const gateway = security('istio-system');
  t.is(gateway?.inboundMtls, null);
  t.deepEqual(gateway?.jwtProviders.map((p) => p.source), ['istio-system/jwt-example']);
  t.deepEqual(gateway?.authorization.map((p) => p.name), ['istio-system/ext', 'istio-system/frontend-ingress']);
  t.deepEqual(gateway?.extAuthzProviders, [{ name: 'not-defined', resolved: false, error: 'available providers are [] but found "not-defined"' }]);
  const sidecar = security('foo');
  t.is(sidecar?.inboundMtls?.mode, 'STRICT');
  t.deepEqual(sidecar?.jwtProviders, []);
  t.deepEqual(sidecar?.authorization, []);
});
