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
