// The real-cluster configs in kind-configs/ must describe the same mesh as meshsim's built-in
// install profile, or results from the two targets would not be comparable.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { IstioOperator } from '@kubernetes-models/istio/install.istio.io/v1alpha1/IstioOperator';
import { installManifests, loadManifests } from '../sim/index.ts';

const kindConfig = parse(readFileSync('kind-configs/single-node.yaml', 'utf8'));
const operator = parse(readFileSync('kind-configs/istio-default.yaml', 'utf8'));

test('the kind cluster uses the pod and service CIDRs meshsim assigns addresses from', (t) => {
  t.is(kindConfig.kind, 'Cluster');
  t.is(kindConfig.apiVersion, 'kind.x-k8s.io/v1alpha4');
  t.is(kindConfig.networking.podSubnet, '10.244.0.0/16');
  t.is(kindConfig.networking.serviceSubnet, '10.96.0.0/12');
});

test('the IstioOperator overlay is schema-valid', (t) => {
  t.notThrows(() => new IstioOperator(operator).validate());
});

test('the ingress gateway ports match the built-in default profile, and the node ports are mapped', (t) => {
  const builtIn = loadManifests([installManifests('default', 'istio-system')!]).resources
    .find((r) => r.kind === 'Service' && r.name === 'istio-ingressgateway');
  t.truthy(builtIn);
  const expected = ((builtIn!.spec as { ports: { name: string; port: number; targetPort: number }[] }).ports)
    .map((p) => `${p.name}:${p.port}->${p.targetPort}`);
  const gateway = operator.spec.components.ingressGateways[0];
  const actual = gateway.k8s.service.ports.map((p: { name: string; port: number; targetPort: number }) => `${p.name}:${p.port}->${p.targetPort}`);
  t.deepEqual(actual, expected);
  const mapped = new Set(kindConfig.nodes[0].extraPortMappings.map((m: { containerPort: number }) => m.containerPort));
  for (const p of gateway.k8s.service.ports) if (p.nodePort !== undefined) t.true(mapped.has(p.nodePort), `node port ${p.nodePort} is mapped`);
});
