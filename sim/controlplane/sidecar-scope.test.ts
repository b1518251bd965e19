// SidecarScope selection and imports (Istio pilot/pkg/model/sidecar.go; docs: Sidecar egress hosts).
import test from 'ava';
import { loadManifests } from '../config/load-resources.ts';
import { MESH_CONFIG_DEFAULT } from '../config/mesh-config.ts';
import type { Resource } from '../config/resource.ts';
import { buildTopology } from '../topology/build-topology.ts';
import { buildPushContext } from './push-context.ts';
import { sidecarScopeFor } from './sidecar-scope.ts';
import type { ProxyIdentity } from '../xds/proxy-config.ts';

function push(yaml: string) {
  const resources = loadManifests([{ path: 't.yaml', text: yaml }]).resources;
  const of = <K extends Resource['kind']>(kind: K) => resources.filter((r) => r.kind === kind) as unknown as Resource<K>[];
  return buildPushContext({ mesh: MESH_CONFIG_DEFAULT, topology: buildTopology(resources), virtualServices: of('VirtualService'), destinationRules: [], gateways: [], sidecars: of('Sidecar'), peerAuthentications: [], authorizationPolicies: [], requestAuthentications: [] });
}

const proxy = (namespace: string, labels: Record<string, string> = {}): ProxyIdentity => ({ id: `p.${namespace}`, type: 'sidecar', namespace, workload: 'w', pod: 'p', ip: '10.244.0.2', labels });

const services = `apiVersion: v1
kind: Service
metadata: {name: a, namespace: shop}
spec: {ports: [{name: http, port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: b, namespace: other}
spec: {ports: [{name: http, port: 80}]}
`;

test('without a Sidecar everything the mesh exports is visible', (t) => {
  const p = push(services);
  const scope = sidecarScopeFor(p, proxy('shop'));
  t.is(scope.sidecar, null);
  t.true(p.topology.services.every((s) => scope.importsService(s)));
});

test('a namespace-wide Sidecar imports only its egress hosts: "./*" is its own namespace', (t) => {
  const p = push(`${services}---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: shop}
spec:
  egress: [{hosts: ["./*"]}]
`);
  const scope = sidecarScopeFor(p, proxy('shop'));
  t.is(scope.sidecar, 'shop/default');
  t.deepEqual(p.topology.services.filter((s) => scope.importsService(s)).map((s) => s.name), ['a']);
});

test('a root-namespace default Sidecar: "./*" is each workload\'s own namespace (model/sidecar.go config namespace)', (t) => {
  const p = push(`${services}---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: istio-system}
spec:
  egress: [{hosts: ["./*"]}]
`);
  const shop = sidecarScopeFor(p, proxy('shop'));
  t.is(shop.sidecar, 'istio-system/default');
  t.deepEqual(p.topology.services.filter((s) => shop.importsService(s)).map((s) => s.name), ['a']);
  const other = sidecarScopeFor(p, proxy('other'));
  t.deepEqual(p.topology.services.filter((s) => other.importsService(s)).map((s) => s.namespace), p.topology.services.filter((s) => s.namespace === 'other').map((s) => s.namespace));
  t.true(p.topology.services.some((s) => s.namespace === 'other'));
});

test('a workload-selected Sidecar beats the namespace-wide one; the root namespace one is the mesh default', (t) => {
  const p = push(`${services}---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: istio-system}
spec:
  egress: [{hosts: ["other/*"]}]
  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: special, namespace: shop}
spec:
  workloadSelector: {labels: {app: special}}
  egress: [{hosts: ["*/*"]}]
`);
  t.is(sidecarScopeFor(p, proxy('shop', { app: 'special' })).sidecar, 'shop/special');
  const fallback = sidecarScopeFor(p, proxy('shop', { app: 'plain' }));
  t.is(fallback.sidecar, 'istio-system/default');
  t.is(fallback.outboundTrafficPolicy, 'REGISTRY_ONLY');
  t.deepEqual(p.topology.services.filter((s) => fallback.importsService(s)).map((s) => s.name), ['b']);
});

test('"~/*" imports nothing', (t) => {
  const p = push(`${services}---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: shop}
spec:
  egress: [{hosts: ["~/*"]}]
`);
  const scope = sidecarScopeFor(p, proxy('shop'));
  t.false(p.topology.services.some((s) => scope.importsService(s)));
});
