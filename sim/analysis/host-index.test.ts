import test from 'ava';
import { loadManifests } from '../config/load-resources.ts';
import { buildTopology } from '../topology/build-topology.ts';
import type { ServiceInfo } from '../topology/model.ts';
import { HostIndex, toFqdn } from './context.ts';

const SUFFIX = 'cluster.local';

function kubeService(name: string, namespace: string, exportTo: readonly string[] = ['*']): ServiceInfo {
  return {
    hostname: `${name}.${namespace}.svc.${SUFFIX}`,
    namespace,
    name,
    kind: 'ClusterIP',
    address: '10.96.0.20',
    ports: [{ name: 'http', port: 80, targetPort: 80, protocol: 'HTTP' }],
    selector: { app: name },
    externalName: null,
    resolution: 'STATIC',
    location: 'MESH_INTERNAL',
    exportTo,
    source: { kind: 'Service', namespace, name },
  };
}

function serviceEntry(host: string, namespace: string, exportTo: readonly string[] = ['*'], name = host.replace(/[^a-z0-9]+/g, '-')): ServiceInfo {
  return {
    hostname: host,
    namespace,
    name,
    kind: 'ServiceEntry',
    address: null,
    ports: [{ name: 'https', port: 443, targetPort: 443, protocol: 'TLS' }],
    selector: undefined,
    externalName: null,
    resolution: 'DNS',
    location: 'MESH_EXTERNAL',
    exportTo,
    source: { kind: 'ServiceEntry', namespace, name },
  };
}

const find = (index: HostIndex, host: string, from: string) => {
  const found = index.find(host, from, SUFFIX);
  return found === undefined ? undefined : `${found.kind}:${found.namespace}/${found.hostname}`;
};

// ---- toFqdn (Istio pkg/config/analysis/analyzers/util ConvertHostToFQDN) ----

test('toFqdn: a short name is completed with the referring namespace and the domain suffix', (t) => {
  t.is(toFqdn('reviews', 'bookinfo', SUFFIX), 'reviews.bookinfo.svc.cluster.local');
  t.is(toFqdn('reviews', 'prod', 'example.org'), 'reviews.prod.svc.example.org');
});

test('toFqdn: a name with a dot is taken literally, even when it looks like a partial kube name', (t) => {
  t.is(toFqdn('reviews.bookinfo', 'default', SUFFIX), 'reviews.bookinfo');
  t.is(toFqdn('reviews.bookinfo.svc.cluster.local', 'default', SUFFIX), 'reviews.bookinfo.svc.cluster.local');
  t.is(toFqdn('api.example.com', 'default', SUFFIX), 'api.example.com');
});

test('toFqdn: wildcards are left alone, including the bare "*"', (t) => {
  t.is(toFqdn('*', 'default', SUFFIX), '*');
  t.is(toFqdn('*.example.com', 'default', SUFFIX), '*.example.com');
});

// ---- HostIndex.find (Istio GetDestinationHost) ----

test('a short name resolves against the referrer\'s namespace only', (t) => {
  const index = new HostIndex([kubeService('reviews', 'bookinfo'), kubeService('reviews', 'prod')]);
  t.is(find(index, 'reviews', 'bookinfo'), 'ClusterIP:bookinfo/reviews.bookinfo.svc.cluster.local');
  t.is(find(index, 'reviews', 'prod'), 'ClusterIP:prod/reviews.prod.svc.cluster.local');
  t.is(find(index, 'reviews', 'default'), undefined, 'no reviews in default; the short name does not search other namespaces');
});

test('a fully qualified name finds the service from any namespace (exportTo * by default)', (t) => {
  const index = new HostIndex([kubeService('reviews', 'bookinfo')]);
  t.is(find(index, 'reviews.bookinfo.svc.cluster.local', 'default'), 'ClusterIP:bookinfo/reviews.bookinfo.svc.cluster.local');
});

test('a dotted partial name is literal: reviews.bookinfo does not find reviews.bookinfo.svc.cluster.local', (t) => {
  const index = new HostIndex([kubeService('reviews', 'bookinfo')]);
  t.is(find(index, 'reviews.bookinfo', 'bookinfo'), undefined);
});

test('ServiceEntry exportTo ".": visible only in its own namespace', (t) => {
  const index = new HostIndex([serviceEntry('api.example.com', 'team-a', ['.'])]);
  t.is(find(index, 'api.example.com', 'team-a'), 'ServiceEntry:team-a/api.example.com');
  t.is(find(index, 'api.example.com', 'team-b'), undefined);
});

test('ServiceEntry exportTo "*": visible everywhere', (t) => {
  const index = new HostIndex([serviceEntry('api.example.com', 'team-a', ['*'])]);
  t.is(find(index, 'api.example.com', 'team-b'), 'ServiceEntry:team-a/api.example.com');
});

test('ServiceEntry exportTo a named namespace: visible there (and not in its own namespace unless listed)', (t) => {
  const index = new HostIndex([serviceEntry('api.example.com', 'team-a', ['team-b'])]);
  t.is(find(index, 'api.example.com', 'team-b'), 'ServiceEntry:team-a/api.example.com');
  t.is(find(index, 'api.example.com', 'team-c'), undefined);
  t.is(find(index, 'api.example.com', 'team-a'), undefined);
  const both = new HostIndex([serviceEntry('api.example.com', 'team-a', ['.', 'team-b'])]);
  t.is(find(both, 'api.example.com', 'team-a'), 'ServiceEntry:team-a/api.example.com');
  t.is(find(both, 'api.example.com', 'team-b'), 'ServiceEntry:team-a/api.example.com');
});

test('an empty exportTo list means the default: visible everywhere', (t) => {
  const index = new HostIndex([serviceEntry('api.example.com', 'team-a', [])]);
  t.is(find(index, 'api.example.com', 'team-z'), 'ServiceEntry:team-a/api.example.com');
});

test('exportTo "~" hides the service from every namespace', (t) => {
  const index = new HostIndex([kubeService('secret', 'ops', ['~'])]);
  t.is(find(index, 'secret.ops.svc.cluster.local', 'default'), undefined);
  t.is(find(index, 'secret', 'ops'), undefined);
});

test('of two entries with the same host, the one visible to the referrer is found', (t) => {
  const index = new HostIndex([serviceEntry('api.example.com', 'team-a', ['.']), serviceEntry('api.example.com', 'team-b', ['.'])]);
  t.is(find(index, 'api.example.com', 'team-b'), 'ServiceEntry:team-b/api.example.com');
  t.is(find(index, 'api.example.com', 'team-a'), 'ServiceEntry:team-a/api.example.com');
  t.is(index.named('api.example.com').length, 2, 'named() ignores visibility');
  t.deepEqual(index.named('nothing.example.com'), []);
});

test('a wildcard ServiceEntry host covers the names under it, not the bare domain', (t) => {
  const index = new HostIndex([serviceEntry('*.example.com', 'egress')]);
  t.is(find(index, 'api.example.com', 'default'), 'ServiceEntry:egress/*.example.com');
  t.is(find(index, 'a.b.example.com', 'default'), 'ServiceEntry:egress/*.example.com');
  t.is(find(index, '*.example.com', 'default'), 'ServiceEntry:egress/*.example.com', 'the same wildcard matches exactly');
  t.is(find(index, '*.api.example.com', 'default'), 'ServiceEntry:egress/*.example.com', 'a narrower wildcard is covered');
  t.is(find(index, 'example.com', 'default'), undefined);
  t.is(find(index, 'badexample.com', 'default'), undefined, 'the match is on a label boundary');
  t.is(find(index, 'example.org', 'default'), undefined);
});

test('an exact host wins over a wildcard that also covers it', (t) => {
  const index = new HostIndex([serviceEntry('*.example.com', 'egress'), serviceEntry('api.example.com', 'team-a')]);
  t.is(find(index, 'api.example.com', 'default'), 'ServiceEntry:team-a/api.example.com');
});

test('a wildcard entry respects its exportTo too', (t) => {
  const index = new HostIndex([serviceEntry('*.example.com', 'egress', ['.'])]);
  t.is(find(index, 'api.example.com', 'egress'), 'ServiceEntry:egress/*.example.com');
  t.is(find(index, 'api.example.com', 'default'), undefined);
});

test('an exact entry invisible to the referrer falls back to a visible wildcard', (t) => {
  const index = new HostIndex([serviceEntry('api.example.com', 'team-a', ['.']), serviceEntry('*.example.com', 'egress', ['*'])]);
  t.is(find(index, 'api.example.com', 'team-b'), 'ServiceEntry:egress/*.example.com');
});

test('the Service annotation networking.istio.io/exportTo limits where a Kubernetes Service is found (from manifests)', (t) => {
  const { resources, diagnostics } = loadManifests([{ path: 'mesh.yaml', text: `apiVersion: v1
kind: Service
metadata:
  name: private
  namespace: ops
  annotations: {networking.istio.io/exportTo: "."}
spec: {ports: [{name: http, port: 80}]}
---
apiVersion: v1
kind: Service
metadata:
  name: shared
  namespace: ops
  annotations: {networking.istio.io/exportTo: "ops,frontend"}
spec: {ports: [{name: http, port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: public, namespace: ops}
spec: {ports: [{name: http, port: 80}]}
` }]);
  t.deepEqual(diagnostics.filter((d) => d.severity === 'error'), []);
  const index = new HostIndex(buildTopology(resources).services);
  const fqdn = (name: string) => `${name}.ops.svc.cluster.local`;
  t.truthy(find(index, 'private', 'ops'));
  t.is(find(index, fqdn('private'), 'frontend'), undefined);
  t.truthy(find(index, fqdn('shared'), 'frontend'));
  t.is(find(index, fqdn('shared'), 'backend'), undefined);
  t.truthy(find(index, fqdn('public'), 'backend'));
});
