// The generated topology: deterministic names, round-robin placement, manifests that validate cleanly
// and give the mesh the workloads the names promise; and the field reader's exact unit conversions.
import test from 'ava';
import { validateManifests } from '../sim/index.ts';
import { describe, nearest, parsePercentPpm } from './field-reader.ts';
import { generateTopology, topologyNames, topologyTraffic } from './generate-topology.ts';

test('names are zero-padded (2 digits for namespaces, 4 for services), wider when the count needs it', (t) => {
  const big = topologyNames({ namespaces: 10, services: 1000, podsPerService: 2, port: 8080 });
  t.deepEqual([big.namespaces[0], big.namespaces[9]], ['ns-00', 'ns-09']);
  t.deepEqual([big.services[0], big.services[13], big.services[999]], [
    { namespace: 'ns-00', name: 'svc-0000' },
    { namespace: 'ns-03', name: 'svc-0013' },
    { namespace: 'ns-09', name: 'svc-0999' },
  ]);
  const wide = topologyNames({ namespaces: 101, services: 10_001, podsPerService: 1, port: 80 });
  t.deepEqual([wide.namespaces[0], wide.services[0]!.name, wide.services[10_000]!.name], ['ns-000', 'svc-00000', 'svc-10000']);
});

test('the generated manifests validate without a diagnostic and give one injected Deployment per service', (t) => {
  const spec = { namespaces: 3, services: 7, podsPerService: 2, port: 9090 };
  const source = generateTopology(spec, 'x.yaml#topology');
  t.is(source.path, 'x.yaml#topology');
  t.is(generateTopology(spec, 'x.yaml#topology').text, source.text, 'the same spec gives the same text');
  const { diagnostics, topology } = validateManifests([source]);
  t.deepEqual(diagnostics, []);
  const mine = (ns: string) => ns.startsWith('ns-');
  t.deepEqual(topology.namespaces.filter((n) => mine(n.name)).map((n) => [n.name, n.labels['istio-injection']]), [['ns-00', 'enabled'], ['ns-01', 'enabled'], ['ns-02', 'enabled']]);
  const workloads = topology.workloads.filter((w) => mine(w.namespace));
  t.deepEqual(workloads.map((w) => `${w.kind} ${w.namespace}/${w.name} ${w.replicas} ${w.proxy} ${w.serviceAccount} ${w.labels['app']}/${w.labels['version']}`), [
    'Deployment ns-00/svc-0000 2 sidecar svc-0000 svc-0000/v1',
    'Deployment ns-00/svc-0003 2 sidecar svc-0003 svc-0003/v1',
    'Deployment ns-00/svc-0006 2 sidecar svc-0006 svc-0006/v1',
    'Deployment ns-01/svc-0001 2 sidecar svc-0001 svc-0001/v1',
    'Deployment ns-01/svc-0004 2 sidecar svc-0004 svc-0004/v1',
    'Deployment ns-02/svc-0002 2 sidecar svc-0002 svc-0002/v1',
    'Deployment ns-02/svc-0005 2 sidecar svc-0005 svc-0005/v1',
  ]);
  const services = topology.services.filter((s) => mine(s.namespace));
  t.is(services.length, 7);
  t.deepEqual(services[0]!.ports.map((p) => [p.name, p.port, p.targetPort, p.protocol]), [['http', 9090, 9090, 'HTTP']]);
  t.is(topology.endpoints.filter((e) => mine(e.namespace)).length, 14);
});

test('percentages convert to ppm exactly, with at most 4 decimals', (t) => {
  t.is(parsePercentPpm('99.9%'), 999_000);
  t.is(parsePercentPpm('99.95%'), 999_500);
  t.is(parsePercentPpm('0.0001%'), 1);
  t.is(parsePercentPpm('100%'), 1_000_000);
  t.is(parsePercentPpm('0.1 %'), 1_000);
  t.is(parsePercentPpm('12.34567%'), undefined);
  t.is(parsePercentPpm('99.9'), undefined);
  t.is(parsePercentPpm('-1%'), undefined);
  t.is(parsePercentPpm('1e2%'), undefined);
});

test('nearest suggests only likely typos, closest first', (t) => {
  t.deepEqual(nearest('timline', ['timeline', 'traffic', 'seed'], 3), ['timeline']);
  t.deepEqual(nearest('enableAutoMTLS', ['enableAutoMtls', 'trustDomain'], 1), ['enableAutoMtls']);
  t.deepEqual(nearest('foo', ['timeline', 'traffic', 'seed'], 3), []);
  t.deepEqual(nearest('default/reviews-v9', ['default/reviews-v1', 'default/reviews-v2', 'shop/x'], 3), ['default/reviews-v1', 'default/reviews-v2']);
});

test('values are named in messages as manifests name them', (t) => {
  t.is(describe(10), 'the integer 10');
  t.is(describe(1.5), 'the number 1.5');
  t.is(describe('3'), 'the string "3"');
  t.is(describe(true), 'the boolean true');
  t.is(describe(null), 'an empty value');
  t.is(describe([]), 'a list');
  t.is(describe({}), 'a mapping');
});

test('generated flows go from service k across namespaces, or within the namespace when Sidecars scope it', (t) => {
  const spec = { namespaces: 10, services: 1000, podsPerService: 2, port: 8080, traffic: { flows: 700, rate: 100, line: 3 } };
  const flows = topologyTraffic(spec, 10_000_000);
  t.is(flows.length, 700);
  t.deepEqual([flows[0]!.name, flows[0]!.from, flows[0]!.url, flows[0]!.ratePerSecond, flows[0]!.endUs], ['flow-000', 'ns-00/svc-0000', 'http://svc-0501.ns-01:8080/', 100, 10_000_000]);
  t.is(flows[699]!.url, 'http://svc-0200.ns-00:8080/', 'the partner wraps around the service list');
  const scoped = topologyTraffic({ ...spec, sidecarScoping: true }, 10_000_000);
  t.true(scoped.every((f) => f.from.split('/')[0] === new URL(f.url).hostname.split('.')[1]), 'a scoped flow stays in its namespace');
  t.deepEqual(topologyTraffic({ namespaces: 1, services: 3, podsPerService: 1, port: 80 }, 1), [], 'no traffic field, no flows');
});

test('sidecarScoping adds one Sidecar per namespace that imports only its own namespace and istio-system', (t) => {
  const source = generateTopology({ namespaces: 2, services: 4, podsPerService: 1, port: 8080, sidecarScoping: true }, 'x.yaml#topology');
  const { diagnostics, allResources } = validateManifests([source]);
  t.deepEqual(diagnostics, []);
  const sidecars = allResources.filter((r) => r.kind === 'Sidecar');
  t.deepEqual(sidecars.map((r) => `${r.namespace}/${r.name}`), ['ns-00/default', 'ns-01/default']);
  t.deepEqual((sidecars[0]!.spec as { egress: { hosts: string[] }[] }).egress[0]!.hosts, ['./*', 'istio-system/*']);
});
