import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { loadManifests } from '../config/load-resources.ts';
import type { AnyResource } from '../config/resource.ts';
import { buildTopology } from './build-topology.ts';
import { MESH_SETTINGS_DEFAULT } from './model.ts';
import type { EndpointInfo, MeshSettings, Topology } from './model.ts';

function load(text: string): AnyResource[] {
  const { resources, diagnostics } = loadManifests([{ path: 'mesh.yaml', text }]);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(`fixture has errors: ${errors.map((d) => `${d.line}: ${d.message}`).join('; ')}`);
  return resources;
}

function build(text: string, settings: Partial<MeshSettings> = {}): Topology {
  return buildTopology(load(text), { ...MESH_SETTINGS_DEFAULT, ...settings });
}

const service = (topology: Topology, hostname: string) => {
  const found = topology.services.find((s) => s.hostname === hostname);
  if (found === undefined) throw new Error(`no service ${hostname}`);
  return found;
};
const endpointsOf = (topology: Topology, hostname: string) => topology.endpoints.filter((e) => e.service === hostname);
const brief = (endpoints: readonly EndpointInfo[]) => endpoints.map((e) => `${e.servicePort}→${e.address}:${e.port}`);

function deployment(name: string, options: { namespace?: string; labels?: string; replicas?: number; ports?: string; sa?: string } = {}): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${options.namespace ?? 'shop'}}
spec:
${options.replicas === undefined ? '' : `  replicas: ${options.replicas}\n`}  selector: {matchLabels: ${options.labels ?? `{app: ${name}}`}}
  template:
    metadata: {labels: ${options.labels ?? `{app: ${name}}`}}
    spec:
${options.sa === undefined ? '' : `      serviceAccountName: ${options.sa}\n`}      containers:
      - name: app
        image: app:1
${options.ports === undefined ? '' : `        ports: ${options.ports}\n`}---
`;
}

const SHOP_NS = `apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
`;

// ---- services ----

test('a Service is name.ns.svc.cluster.local with a cluster IP allocated from the service CIDR after kube-dns', (t) => {
  const topology = build(`apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
`);
  const web = service(topology, 'web.shop.svc.cluster.local');
  t.like(web, { name: 'web', namespace: 'shop', kind: 'ClusterIP', address: '10.96.0.11', resolution: 'STATIC', location: 'MESH_INTERNAL', externalName: null });
  t.deepEqual(web.ports, [{ name: 'http', port: 80, targetPort: 8080, protocol: 'HTTP' }]);
  t.deepEqual(web.exportTo, ['*']);
  t.deepEqual(web.source, { kind: 'Service', namespace: 'shop', name: 'web' });
});

test('a fixed clusterIP is kept and never handed to another Service; allocation is in (namespace, name) order', (t) => {
  const topology = build(`apiVersion: v1
kind: Service
metadata: {name: b, namespace: shop}
spec: {ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: fixed, namespace: shop}
spec: {clusterIP: 10.96.0.12, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: a, namespace: shop}
spec: {ports: [{port: 80}]}
`);
  t.deepEqual(topology.services.map((s) => [s.name, s.address]), [['a', '10.96.0.11'], ['b', '10.96.0.13'], ['fixed', '10.96.0.12']]);
});

test('targetPort defaults to the port (Kubernetes ServicePort defaulting)', (t) => {
  const topology = build('apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: shop}\nspec: {ports: [{name: http, port: 9080}]}\n');
  t.is(service(topology, 's.shop.svc.cluster.local').ports[0]!.targetPort, 9080);
});

// `clusterIP: ""` (what many Helm charts render) means "allocate one" in Kubernetes (ServiceSpec:
// 'Valid values are "None", empty string (""), or a valid IP address').
test('clusterIP: "" gets an allocated address, as when it is absent', (t) => {
  const topology = build('apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: shop}\nspec: {clusterIP: "", ports: [{port: 80}]}\n');
  t.is(service(topology, 's.shop.svc.cluster.local').address, '10.96.0.11');
});

test('a headless Service (clusterIP: None) has no address, resolution NONE, and endpoints for its pods', (t) => {
  const topology = build(`${SHOP_NS}apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{name: tcp-mysql, port: 3306}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: mysql}]
`);
  const db = service(topology, 'db.shop.svc.cluster.local');
  t.like(db, { kind: 'Headless', address: null, resolution: 'NONE' });
  t.deepEqual(endpointsOf(topology, db.hostname).map((e) => [e.pod, e.port]), [['db-0', 3306], ['db-1', 3306]]);
});

test('an ExternalName Service keeps its target, has no address and no endpoints', (t) => {
  const topology = build(`apiVersion: v1
kind: Service
metadata: {name: ext, namespace: shop}
spec: {type: ExternalName, externalName: db.example.com}
`);
  t.like(service(topology, 'ext.shop.svc.cluster.local'), { kind: 'ExternalName', address: null, externalName: 'db.example.com', resolution: 'DNS' });
  t.deepEqual(endpointsOf(topology, 'ext.shop.svc.cluster.local'), []);
});

test('the networking.istio.io/exportTo annotation becomes the Service\'s exportTo (comma-separated, trimmed)', (t) => {
  const topology = build(`apiVersion: v1
kind: Service
metadata: {name: s, namespace: shop, annotations: {networking.istio.io/exportTo: ". , istio-system"}}
spec: {ports: [{port: 80}]}
`);
  t.deepEqual(service(topology, 's.shop.svc.cluster.local').exportTo, ['.', 'istio-system']);
});

test('port protocols come from the port name and appProtocol (Istio ConvertProtocol)', (t) => {
  const topology = build(`apiVersion: v1
kind: Service
metadata: {name: s, namespace: shop}
spec:
  ports:
  - {name: grpc-web, port: 1}
  - {name: tcp, port: 2, appProtocol: http}
  - {name: web, port: 3}
  - {name: mysql-main, port: 3306}
  - {name: dns, port: 53, protocol: UDP}
`);
  t.deepEqual(service(topology, 's.shop.svc.cluster.local').ports.map((p) => p.protocol), ['GRPC-Web', 'HTTP', 'auto', 'MySQL', 'UDP']);
});

// ---- endpoints ----

test('a named targetPort is resolved per pod; a pod without that port name gives no endpoint (EndpointSlice rules)', (t) => {
  const topology = build(`${SHOP_NS}apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: web-http}
  - {name: metrics, port: 9090, targetPort: 9090}
---
${deployment('web-v1', { labels: '{app: web, version: v1}', ports: '[{name: web-http, containerPort: 8080}]' })}${deployment('web-v2', { labels: '{app: web, version: v2}', ports: '[{name: web-http, containerPort: 8081}]' })}${deployment('web-v3', { labels: '{app: web, version: v3}', ports: '[{containerPort: 8080}]' })}`);
  const endpoints = endpointsOf(topology, 'web.shop.svc.cluster.local');
  const byWorkload = (workload: string) => endpoints.filter((e) => e.workload === workload).map((e) => `${e.servicePort}→${e.port}`);
  t.deepEqual(byWorkload('web-v1'), ['80→8080', '9090→9090']);
  t.deepEqual(byWorkload('web-v2'), ['80→8081', '9090→9090']);
  t.deepEqual(byWorkload('web-v3'), ['9090→9090'], 'no web-http port: no endpoint for port 80');
});

test('a Service selects only pods in its own namespace whose labels carry every selector pair', (t) => {
  const topology = build(`apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web, tier: front}, ports: [{port: 80}]}
---
${deployment('match', { labels: '{app: web, tier: front, version: v1}' })}${deployment('partial', { labels: '{app: web}' })}${deployment('elsewhere', { namespace: 'other', labels: '{app: web, tier: front}' })}`);
  t.deepEqual([...new Set(endpointsOf(topology, 'web.shop.svc.cluster.local').map((e) => e.workload))], ['match']);
});

test('a Service without a selector has no endpoints (they would be managed by hand)', (t) => {
  const topology = build(`apiVersion: v1
kind: Service
metadata: {name: manual, namespace: shop}
spec: {ports: [{port: 80}]}
---
${deployment('web')}`);
  t.deepEqual(endpointsOf(topology, 'manual.shop.svc.cluster.local'), []);
});

// ---- workloads and pods ----

test('Deployment replicas give that many pods with deterministic, distinct names name-<hash>-<suffix>', (t) => {
  const text = `${SHOP_NS}${deployment('web', { replicas: 3 })}${deployment('one')}${deployment('none', { replicas: 0 })}`;
  const topology = build(text);
  const pods = (workload: string) => topology.pods.filter((p) => p.workload === workload).map((p) => p.name);
  t.is(pods('web').length, 3);
  t.is(new Set(pods('web')).size, 3);
  t.is(pods('one').length, 1, 'replicas default to 1');
  t.deepEqual(pods('none'), [], 'replicas: 0 runs no pod');
  for (const name of pods('web')) t.regex(name, /^web-[0-9a-z]+-[0-9a-z]{5}$/);
  const hashes = new Set(pods('web').map((name) => name.split('-')[1]));
  t.is(hashes.size, 1, 'one ReplicaSet: one pod-template-hash');
  t.deepEqual(build(text).pods, topology.pods, 'same input, same names and IPs');
});

// Surprise (cosmetic): Kubernetes writes pod-template-hash and the pod suffix with the alphabet
// "bcdfghjklmnpqrstvwxz2456789" (k8s.io/apimachinery/pkg/util/rand SafeEncodeString: no vowels, no 0/1/3);
// the suffix follows it but the hash here is hex, so names like web-1728a1b92c-jh4wr cannot occur in a
// cluster. Right: both parts from that alphabet.
test('Deployment pod names use Kubernetes\' safe alphabet for the pod-template-hash too', (t) => {
  const topology = build(`${deployment('web', { replicas: 2 })}${deployment('api', { replicas: 2 })}`);
  for (const pod of topology.pods) t.regex(pod.name, /^[a-z]+-[bcdfghjklmnpqrstvwxz2456789]{1,10}-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
});

test('StatefulSet pods are name-0, name-1, … (ordinal index)', (t) => {
  const topology = build(`apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  serviceName: db
  replicas: 3
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: mysql}]}
`);
  t.deepEqual(topology.pods.map((p) => p.name), ['db-0', 'db-1', 'db-2']);
  t.like(topology.workloads[0], { kind: 'StatefulSet', replicas: 3 });
});

test('a DaemonSet runs one pod per node (nodeCount), names name-<suffix>', (t) => {
  const text = `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: shop}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: agent, image: agent}]}
`;
  t.is(build(text).pods.length, 1, 'nodeCount defaults to 1');
  const pods = build(text, { nodeCount: 3 }).pods.map((p) => p.name);
  t.is(pods.length, 3);
  t.is(new Set(pods).size, 3);
  for (const name of pods) t.regex(name, /^agent-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
});

test('a bare Pod keeps its name and its status.podIP, which is then never given to another pod', (t) => {
  const topology = build(`apiVersion: v1
kind: Pod
metadata: {name: sleep, namespace: shop, labels: {app: sleep}}
spec: {containers: [{name: sleep, image: curl}]}
status: {podIP: 10.244.0.3}
---
apiVersion: v1
kind: Pod
metadata: {name: a-first, namespace: shop}
spec: {containers: [{name: c, image: c}]}
---
${deployment('b-web', { replicas: 2 })}`);
  const ips = Object.fromEntries(topology.pods.map((p) => [p.name, p.ip]));
  t.is(ips['sleep'], '10.244.0.3');
  t.is(ips['a-first'], '10.244.0.2');
  const web = topology.pods.filter((p) => p.workload === 'b-web').map((p) => p.ip);
  t.deepEqual(web, ['10.244.0.4', '10.244.0.5']);
  t.like(topology.workloads.find((w) => w.name === 'sleep'), { kind: 'Pod', replicas: 1 });
});

test('SPIFFE identity: spiffe://<trust domain>/ns/<ns>/sa/<sa>, the service account defaulting to "default"', (t) => {
  const topology = build(`${deployment('web', { sa: 'web-sa' })}${deployment('plain')}apiVersion: v1
kind: Pod
metadata: {name: legacy, namespace: shop}
spec:
  serviceAccount: old-field
  containers: [{name: c, image: c}]
`);
  const identity = (name: string) => topology.workloads.find((w) => w.name === name)?.identity;
  t.is(identity('web'), 'spiffe://cluster.local/ns/shop/sa/web-sa');
  t.is(identity('plain'), 'spiffe://cluster.local/ns/shop/sa/default');
  t.is(identity('legacy'), 'spiffe://cluster.local/ns/shop/sa/old-field', 'the deprecated serviceAccount field still counts');
  t.true(topology.pods.every((p) => p.identity === identity(p.workload)));
  const other = build(deployment('web', { sa: 'web-sa' }), { trustDomain: 'example.org' });
  t.is(other.workloads[0]!.identity, 'spiffe://example.org/ns/shop/sa/web-sa');
});

test('pods get a sidecar by the namespace label; a gateway deployment is a gateway proxy', (t) => {
  const topology = build(`${SHOP_NS}${deployment('web')}${deployment('plain', { namespace: 'other' })}apiVersion: apps/v1
kind: Deployment
metadata: {name: ingress, namespace: other}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  template:
    metadata:
      labels: {istio: ingressgateway, sidecar.istio.io/inject: "true"}
      annotations: {inject.istio.io/templates: gateway}
    spec: {containers: [{name: istio-proxy, image: auto}]}
`);
  const proxy = (name: string) => topology.workloads.find((w) => w.name === name)?.proxy;
  t.is(proxy('web'), 'sidecar');
  t.is(proxy('plain'), 'none');
  t.is(proxy('ingress'), 'gateway');
});

test('namespaces: declared ones with their labels, and the ones resources merely live in', (t) => {
  const topology = build(`${SHOP_NS}${deployment('web', { namespace: 'implied' })}`);
  t.deepEqual(topology.namespaces, [
    { name: 'implied', labels: {}, declared: false },
    { name: 'shop', labels: { 'istio-injection': 'enabled' }, declared: true },
  ]);
});

// ---- WorkloadEntry ----

const VM = `apiVersion: v1
kind: Service
metadata: {name: vm, namespace: shop}
spec:
  selector: {app: vm}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm-1, namespace: shop}
spec: {address: 192.168.1.10, labels: {app: vm}, serviceAccount: vm-sa}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm-plain, namespace: shop}
spec: {address: 192.168.1.11, labels: {app: vm, security.istio.io/tlsMode: disabled}}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm-other-ns, namespace: other}
spec: {address: 192.168.1.12, labels: {app: vm}}
`;

test('a Service selects WorkloadEntries in its namespace: endpoint at the entry\'s address, identity from its service account', (t) => {
  const topology = build(VM);
  const endpoints = endpointsOf(topology, 'vm.shop.svc.cluster.local');
  t.deepEqual(brief(endpoints), ['80→192.168.1.10:8080', '80→192.168.1.11:8080']);
  t.like(endpoints[0], { workload: 'vm-1', identity: 'spiffe://cluster.local/ns/shop/sa/vm-sa', proxy: 'sidecar' });
  t.like(endpoints[1], { workload: 'vm-plain', identity: 'spiffe://cluster.local/ns/shop/sa/default', proxy: 'none' });
});

// For a Kubernetes Service selecting a WorkloadEntry, Istio looks the service port's *name* up in the
// entry's `ports` even when targetPort is a number (kube/controller/util.go findServiceTargetPort returns
// the port name, controller.go serviceInstanceFromWorkloadInstance uses wi.PortMap[name] when present),
// so ports {http: 9999} sends port 80 to 9999.
test('a WorkloadEntry port named like the Service port overrides a numeric targetPort (Istio serviceInstanceFromWorkloadInstance)', (t) => {
  const topology = build(`apiVersion: v1
kind: Service
metadata: {name: vm, namespace: shop}
spec:
  selector: {app: vm}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm-1, namespace: shop}
spec: {address: 192.168.1.10, labels: {app: vm}, ports: {http: 9999}}
`);
  t.deepEqual(brief(endpointsOf(topology, 'vm.shop.svc.cluster.local')), ['80→192.168.1.10:9999']);
});

// ---- ServiceEntry ----

const SERVICE_ENTRIES = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: static, namespace: shop}
spec:
  hosts: [static.example.com]
  addresses: [240.1.1.1]
  location: MESH_EXTERNAL
  resolution: STATIC
  ports:
  - {number: 443, name: https, protocol: TLS}
  - {number: 80, name: http, protocol: HTTP, targetPort: 8080}
  endpoints:
  - {address: 1.1.1.1, labels: {zone: a}}
  - {address: 1.1.1.2, ports: {https: 8443}, serviceAccount: ext}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: dns, namespace: shop}
spec:
  hosts: [api.example.com, api2.example.com]
  resolution: DNS
  ports: [{number: 443, name: https, protocol: TLS}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: passthrough, namespace: shop}
spec:
  hosts: ["*.wild.example.com"]
  resolution: NONE
  ports: [{number: 80, name: http, protocol: HTTP}]
`;

test('ServiceEntry STATIC: inline endpoints on every port, ports mapped by port name, else targetPort, else the number', (t) => {
  const topology = build(SERVICE_ENTRIES);
  const entry = service(topology, 'static.example.com');
  t.like(entry, { kind: 'ServiceEntry', address: '240.1.1.1', resolution: 'STATIC', location: 'MESH_EXTERNAL', namespace: 'shop', name: 'static' });
  t.deepEqual(entry.ports.map((p) => [p.port, p.targetPort, p.protocol]), [[443, 443, 'TLS'], [80, 8080, 'HTTP']]);
  const endpoints = endpointsOf(topology, 'static.example.com');
  t.deepEqual(brief(endpoints).sort(), ['443→1.1.1.1:443', '443→1.1.1.2:8443', '80→1.1.1.1:8080', '80→1.1.1.2:8080']);
  t.deepEqual(endpoints.find((e) => e.address === '1.1.1.1')?.labels, { zone: 'a' });
  t.is(endpoints.find((e) => e.address === '1.1.1.2')?.identity, 'ext');
  t.true(endpoints.every((e) => e.pod === ''));
  // tlsMode istio (a serviceAccount, no tlsMode label) marks an inline endpoint mesh-capable (getTLSModeFromWorkloadEntry).
  t.deepEqual(endpoints.map((e) => `${e.address} ${e.proxy}`).sort(), ['1.1.1.1 none', '1.1.1.1 none', '1.1.1.2 sidecar', '1.1.1.2 sidecar']);
});

test('ServiceEntry DNS without endpoints: one service per host, each host its own endpoint on every port', (t) => {
  const topology = build(SERVICE_ENTRIES);
  t.deepEqual(brief(endpointsOf(topology, 'api.example.com')), ['443→api.example.com:443']);
  t.deepEqual(brief(endpointsOf(topology, 'api2.example.com')), ['443→api2.example.com:443']);
  t.like(service(topology, 'api2.example.com'), { resolution: 'DNS', address: null, location: 'MESH_EXTERNAL' });
});

test('ServiceEntry NONE: no endpoints (traffic goes to the original destination); a wildcard host is kept as written', (t) => {
  const topology = build(SERVICE_ENTRIES);
  t.like(service(topology, '*.wild.example.com'), { resolution: 'NONE' });
  t.deepEqual(endpointsOf(topology, '*.wild.example.com'), []);
});

test('ServiceEntry defaults: resolution NONE, location MESH_EXTERNAL, exportTo everywhere, no protocol is auto', (t) => {
  const topology = build(`apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: bare, namespace: shop}
spec:
  hosts: [bare.example.com]
  ports: [{number: 9000, name: data}]
`);
  t.like(service(topology, 'bare.example.com'), { resolution: 'NONE', location: 'MESH_EXTERNAL' });
  t.deepEqual(service(topology, 'bare.example.com').exportTo, ['*']);
  t.is(service(topology, 'bare.example.com').ports[0]!.protocol, 'auto');
});

test('ServiceEntry workloadSelector: pods and WorkloadEntries of its namespace only, at targetPort; WorkloadEntry ports by port name', (t) => {
  const topology = build(`apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: sel, namespace: shop}
spec:
  hosts: [sel.internal]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP, targetPort: 8080}]
  workloadSelector: {labels: {app: vm}}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm-mapped, namespace: shop}
spec: {address: 192.168.1.20, labels: {app: vm}, ports: {http: 9090}}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm-target, namespace: shop}
spec: {address: 192.168.1.21, labels: {app: vm}}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm-far, namespace: other}
spec: {address: 192.168.1.22, labels: {app: vm}}
---
${deployment('vm-pod', { labels: '{app: vm}' })}${deployment('not-vm')}`);
  const endpoints = endpointsOf(topology, 'sel.internal');
  t.deepEqual(endpoints.map((e) => `${e.workload} ${e.port}`).sort(), ['vm-mapped 9090', 'vm-pod 8080', 'vm-target 8080']);
  t.deepEqual(service(topology, 'sel.internal').selector, { app: 'vm' });
});

// Istio gives a pod selected by a ServiceEntry the same port priority as a WorkloadEntry: the pod's
// named (TCP) container port with the ServiceEntry port's name, then targetPort, then the number
// (serviceentry/conversion.go convertWorkloadInstanceToServiceInstance, with PortMap from
// kube/controller/pod.go getPortMap).
test('a pod selected by a ServiceEntry is reached on its container port named like the ServiceEntry port', (t) => {
  const topology = build(`apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: sel, namespace: shop}
spec:
  hosts: [sel.internal]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  workloadSelector: {labels: {app: web}}
---
${deployment('web', { ports: '[{name: http, containerPort: 9080}]' })}`);
  t.deepEqual(endpointsOf(topology, 'sel.internal').map((e) => e.port), [9080]);
});

// Istio gives every host of a ServiceEntry every address in `addresses` (serviceentry/conversion.go
// convertServices loops hosts × addresses; the first address is the default). With one address per
// service, that is the first address for every host.
test('every host of a ServiceEntry gets its first address (Istio convertServices: hosts × addresses)', (t) => {
  const topology = build(`apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: two, namespace: shop}
spec:
  hosts: [a.example.com, b.example.com]
  addresses: [240.0.0.1, 240.0.0.2]
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints: [{address: 1.1.1.1}]
`);
  t.is(service(topology, 'a.example.com').address, '240.0.0.1');
  t.is(service(topology, 'b.example.com').address, '240.0.0.1');
});

// ---- determinism ----

const MESH = `${SHOP_NS}apiVersion: v1
kind: Namespace
metadata: {name: other}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: web-http}]
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: other}
spec:
  selector: {app: api}
  ports: [{name: grpc, port: 9000}]
---
apiVersion: v1
kind: Service
metadata: {name: pinned, namespace: other}
spec: {clusterIP: 10.96.0.11, ports: [{port: 80}]}
---
${deployment('web-v1', { labels: '{app: web, version: v1}', replicas: 2, ports: '[{name: web-http, containerPort: 8080}]', sa: 'web' })}${deployment('web-v2', { labels: '{app: web, version: v2}', ports: '[{name: web-http, containerPort: 8080}]' })}${deployment('api', { namespace: 'other', replicas: 3 })}apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: db}]}
---
apiVersion: v1
kind: Pod
metadata: {name: sleep, namespace: other, labels: {app: sleep}}
spec: {containers: [{name: s, image: s}]}
status: {podIP: 10.244.0.5}
---
${VM}---
${SERVICE_ENTRIES}`;

const MESH_RESOURCES = load(MESH);
const MESH_JSON = JSON.stringify(buildTopology(MESH_RESOURCES));

test('the fixture for the shuffle property is rich (every kind the topology reads)', (t) => {
  const kinds = new Set(MESH_RESOURCES.map((r) => r.kind));
  for (const kind of ['Namespace', 'Service', 'Deployment', 'StatefulSet', 'Pod', 'WorkloadEntry', 'ServiceEntry'] as const) t.true(kinds.has(kind), kind);
  const topology = JSON.parse(MESH_JSON) as Topology;
  t.true(topology.endpoints.length >= 10);
});

testProp(
  'the topology does not depend on the order of the input resources (DESIGN: shuffled manifests, same result)',
  [fc.shuffledSubarray(MESH_RESOURCES, { minLength: MESH_RESOURCES.length, maxLength: MESH_RESOURCES.length })],
  (t, shuffled) => {
    t.is(JSON.stringify(buildTopology(shuffled)), MESH_JSON);
  },
  { numRuns: 40 },
);

test('the same resources loaded twice give byte-identical topologies', (t) => {
  t.is(JSON.stringify(buildTopology(load(MESH))), MESH_JSON);
});

test('pods labelled istio=ingressgateway or istio=egressgateway are gateway proxies, as istioctl installs them', (t) => {
  const topology = build(`apiVersion: apps/v1
kind: Deployment
metadata: {name: my-ingress, namespace: gateways}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  template:
    metadata: {labels: {istio: ingressgateway}}
    spec:
      containers: [{name: proxy, image: auto}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: gateways}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: example.com/web}]
`);
  t.is(topology.workloads.find((w) => w.name === 'my-ingress')?.proxy, 'gateway');
  t.is(topology.workloads.find((w) => w.name === 'web')?.proxy, 'none');
});
