import test from 'ava';
import { loadManifests } from '../config/load-resources.ts';
import { MESH_CONFIG_DEFAULT } from '../config/mesh-config.ts';
import { buildTopology } from '../topology/build-topology.ts';
import type { ProxyIdentity } from '../xds/proxy-config.ts';
import { buildPushContext } from './push-context.ts';
import { buildSidecarInbound, inboundTargets } from './generate-inbound.ts';
import { pushProxyFrom } from './proxy-scope.ts';

function push(yaml: string) {
  const resources = loadManifests([{ path: 't.yaml', text: yaml }]).resources;
  return buildPushContext({ mesh: MESH_CONFIG_DEFAULT, topology: buildTopology(resources), virtualServices: [], destinationRules: [], gateways: [], sidecars: [], peerAuthentications: [], authorizationPolicies: [], requestAuthentications: [] });
}

const proxy: ProxyIdentity = { id: 'app.shop', type: 'sidecar', namespace: 'shop', workload: 'app', pod: 'app', ip: '10.244.9.9', labels: { app: 'app' } };

const MESH = `apiVersion: v1
kind: Pod
metadata: {name: app, namespace: shop, labels: {app: app}}
spec: {containers: [{name: app, image: app}]}
status: {podIP: 10.244.9.9}
---
apiVersion: v1
kind: Service
metadata: {name: b-new, namespace: shop, creationTimestamp: "2024-02-01T00:00:00Z"}
spec: {selector: {app: app}, ports: [{name: http, port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: z-old, namespace: shop, creationTimestamp: "2024-01-01T00:00:00Z"}
spec: {selector: {app: app}, ports: [{name: tcp, port: 81, targetPort: 8080}]}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: mine, namespace: shop}
spec:
  hosts: [mine.example.com]
  resolution: STATIC
  ports: [{number: 90, name: http, protocol: HTTP, targetPort: 9000}, {number: 91, name: tcp, protocol: TCP}]
  endpoints: [{address: 10.244.9.9, ports: {tcp: 9100}}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: theirs, namespace: other}
spec:
  hosts: [theirs.example.com]
  resolution: STATIC
  ports: [{number: 70, name: http, protocol: HTTP}]
  endpoints: [{address: 10.244.9.9}]
`;

test('targets: one per target port, the oldest service first; inline entry endpoints at the address, own namespace only', (t) => {
  const targets = inboundTargets(push(MESH), proxy);
  t.deepEqual(targets.map((x) => `${x.targetPort} ${x.service} ${x.protocol}`), [
    '8080 z-old.shop.svc.cluster.local TCP',
    '9000 mine.example.com HTTP',
    '9100 mine.example.com TCP',
  ]);
});

test('chains: HTTP ports an HTTP chain, TCP ports a chain matching any application protocol', (t) => {
  const { listener, clusters } = buildSidecarInbound(push(MESH), proxy);
  t.deepEqual(listener.filterChains.map((c) => `${c.name} ${c.filter.kind} ${c.match.applicationProtocol ?? 'any'}`), ['8080_tcp tcp any', '9000_http http http', '9100_tcp tcp any']);
  t.deepEqual(Object.keys(clusters).sort(), ['InboundPassthroughCluster', 'inbound|8080||', 'inbound|9000||', 'inbound|9100||']);
});

test('the push view counts the inline entry of its namespace as a service target', (t) => {
  t.deepEqual(pushProxyFrom(push(MESH), proxy).serviceTargets.map((s) => s.hostname).sort(), ['b-new.shop.svc.cluster.local', 'mine.example.com', 'z-old.shop.svc.cluster.local']);
});
