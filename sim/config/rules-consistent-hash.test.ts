// Istio's validateLoadBalancer rules for consistentHash (pkg/config/validation/validation.go), checked
// through loadManifests so each case is a real manifest; the oneofs come from the schema.
import test from 'ava';
import { loadManifests } from './load-resources.ts';

const dr = (consistentHash: string, at = 'trafficPolicy') => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  ${at === 'trafficPolicy' ? 'trafficPolicy:' : 'trafficPolicy:\n    portLevelSettings:\n    - port: {number: 9080}'}
${at === 'trafficPolicy' ? '    ' : '      '}loadBalancer:
${at === 'trafficPolicy' ? '      ' : '        '}consistentHash: ${consistentHash}
`;

function findings(yaml: string): [string, string, string][] {
  return loadManifests([{ path: 't.yaml', text: yaml }]).diagnostics.map((d) => [d.severity, d.field ?? '', d.message]);
}

const CH = 'spec.trafficPolicy.loadBalancer.consistentHash';

const cases: [rule: string, yaml: string, expected: [string, string, string][]][] = [
  ['a header key with a ring size is valid', dr('{httpHeaderName: x-user, ringHash: {minimumRingSize: 4096}}'), []],
  ['maglev with a prime table is valid', dr('{useSourceIp: true, maglev: {tableSize: 65537}}'), []],
  ['Envoy’s isPrime lets a table of 1 through', dr('{httpHeaderName: x, maglev: {tableSize: 1}}'), []],
  ['deprecated minimumRingSize: a warning', dr('{httpHeaderName: x, minimumRingSize: 10}'),
    [['warning', `${CH}.minimumRingSize`, "consistent hash MinimumRingSize is deprecated, use ConsistentHashLB's RingHash configuration instead"]]],
  ['minimumRingSize next to ringHash: an error too', dr('{httpHeaderName: x, minimumRingSize: 10, ringHash: {minimumRingSize: 20}}'), [
    ['warning', `${CH}.minimumRingSize`, "consistent hash MinimumRingSize is deprecated, use ConsistentHashLB's RingHash configuration instead"],
    ['error', CH, 'only one of MinimumRingSize or Maglev/Ringhash can be specified'],
  ]],
  ['maglev without a table size: not set, and 0 is not prime', dr('{httpHeaderName: x, maglev: {}}'), [
    ['error', `${CH}.maglev.tableSize`, 'tableSize must be set for maglev'],
    ['error', `${CH}.maglev.tableSize`, 'tableSize must be a prime number for maglev'],
  ]],
  ['maglev table of 65536: not prime', dr('{httpHeaderName: x, maglev: {tableSize: 65536}}'),
    [['error', `${CH}.maglev.tableSize`, 'tableSize must be a prime number for maglev']]],
  ['maglev table of 5000011: too big (though prime)', dr('{httpHeaderName: x, maglev: {tableSize: 5000011}}'),
    [['error', `${CH}.maglev.tableSize`, 'tableSize must be less than 5000011 for maglev']]],
  ['port-level settings are checked the same way', dr('{httpHeaderName: x, maglev: {tableSize: 100}}', 'port'),
    [['error', 'spec.trafficPolicy.portLevelSettings[0].loadBalancer.consistentHash.maglev.tableSize', 'tableSize must be a prime number for maglev']]],
];

for (const [rule, yaml, expected] of cases) {
  test(`validateLoadBalancer: ${rule}`, (t) => {
    t.deepEqual(findings(yaml), expected);
  });
}

test('one hash key and one hash algorithm: the schema’s oneofs', (t) => {
  const keys = findings(dr('{httpHeaderName: x, httpQueryParameterName: q}'));
  t.is(keys.length, 1);
  t.regex(keys[0]?.[2] ?? '', /exclude each other \(httpHeaderName, httpQueryParameterName\)/);
  const algorithms = findings(dr('{useSourceIp: true, ringHash: {}, maglev: {tableSize: 65537}}'));
  t.is(algorithms.length, 1);
  t.regex(algorithms[0]?.[2] ?? '', /exclude each other \(.*ringHash, maglev\)/);
});
