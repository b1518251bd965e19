import test from 'ava';
import { readMeshConfig } from './mesh-config.ts';

test('the mesh config is read as istiod reads it: fields meshsim uses, others passed over', (t) => {
  const reading = readMeshConfig('outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\ntrustDomain: example.org\nenableAutoMtls: false\naccessLogFile: /dev/stdout\n');
  t.deepEqual(reading.problems, []);
  t.deepEqual(reading.config, { outboundTrafficPolicy: 'REGISTRY_ONLY', trustDomain: 'example.org', enableAutoMtls: false });
});

test('an empty mesh config means Istio\'s defaults', (t) => {
  t.deepEqual(readMeshConfig(''), { config: {}, problems: [] });
});

test('values istiod would refuse are problems with their field', (t) => {
  const reading = readMeshConfig('outboundTrafficPolicy: {mode: BLOCK}\nenableAutoMtls: "yes"\ndefaultServiceExportTo: "*"\n');
  t.deepEqual(reading.problems.map((p) => p.field), ['enableAutoMtls', 'outboundTrafficPolicy.mode', 'defaultServiceExportTo']);
  t.deepEqual(reading.config, {});
});

test('YAML that does not parse is one problem', (t) => {
  const reading = readMeshConfig('outboundTrafficPolicy: [\n');
  t.is(reading.problems.length, 1);
  t.regex(reading.problems[0]!.message, /not valid YAML/);
});
