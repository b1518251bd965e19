// Several DestinationRules for one host in one namespace (Istio's mergeDestinationRule,
// pilot/pkg/model/destination_rule.go, with ENABLE_ENHANCED_DESTINATIONRULE_MERGE on): they merge when
// their exportTo sets are equal (subsets added, the oldest rule's traffic policy), a newer rule exported
// more widely merges into the older one and also stands alone, other exportTo sets stay apart, and a
// rule with a workloadSelector never merges.
import test from 'ava';
import { loadManifests } from '../config/load-resources.ts';
import { MESH_CONFIG_DEFAULT } from '../config/mesh-config.ts';
import { ConfigStore } from '../config/store.ts';
import { buildTopology } from '../topology/build-topology.ts';
import { buildPushContext, destinationRuleFor } from './push-context.ts';
import type { PushContext } from './push-context.ts';

const HOST = 'web.shop.svc.cluster.local';

function rule(name: string, month: number, extra: string): string {
  return `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: ${name}, namespace: shop, creationTimestamp: "2024-0${month}-01T00:00:00Z"}\nspec:\n  host: web\n${extra}`;
}

function pushOf(...rules: string[]): PushContext {
  const yaml = ['apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: other}', ...rules].join('\n---\n');
  const loaded = loadManifests([{ path: 't.yaml', text: yaml }]);
  const store = new ConfigStore();
  for (const r of loaded.resources) store.apply(r);
  return buildPushContext({
    mesh: MESH_CONFIG_DEFAULT, topology: buildTopology(loaded.resources),
    virtualServices: [], destinationRules: store.byAge('DestinationRule'), gateways: [], sidecars: [],
    peerAuthentications: [], authorizationPolicies: [], requestAuthentications: [],
  });
}

const subsetsOf = (push: PushContext, client: string) => (destinationRuleFor(push, HOST, 'shop', client)?.spec.subsets ?? []).map((s) => `${s?.name}=${s?.labels?.['version']}`);

test('equal exportTo: one rule, the older subsets first, a repeated subset name keeps the older definition, the older traffic policy', (t) => {
  const push = pushOf(
    rule('new', 2, '  trafficPolicy: {tls: {mode: DISABLE}}\n  subsets: [{name: v2, labels: {version: v2}}, {name: v1, labels: {version: x}}]'),
    rule('old', 1, '  trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}\n  subsets: [{name: v1, labels: {version: v1}}]'),
  );
  t.deepEqual(subsetsOf(push, 'other'), ['v1=v1', 'v2=v2']);
  t.is(destinationRuleFor(push, HOST, 'shop', 'other')?.spec.trafficPolicy?.tls?.mode, 'ISTIO_MUTUAL');
  t.is(destinationRuleFor(push, HOST, 'shop', 'other')?.name, 'old', 'the merged rule is named after the oldest');
});

test('the older rule without a traffic policy takes the newer one\'s', (t) => {
  const push = pushOf(rule('old', 1, '  subsets: [{name: v1, labels: {version: v1}}]'), rule('new', 2, '  trafficPolicy: {tls: {mode: DISABLE}}'));
  t.is(destinationRuleFor(push, HOST, 'shop', 'other')?.spec.trafficPolicy?.tls?.mode, 'DISABLE');
  t.deepEqual(subsetsOf(push, 'other'), ['v1=v1']);
});

test('a newer rule exported more widely merges into the older one and also stands alone for the namespaces only it reaches', (t) => {
  const push = pushOf(
    rule('old', 1, '  exportTo: ["."]\n  subsets: [{name: v1, labels: {version: v1}}]'),
    rule('new', 2, '  exportTo: [".", "other"]\n  subsets: [{name: v2, labels: {version: v2}}]'),
  );
  t.deepEqual(subsetsOf(push, 'shop'), ['v1=v1', 'v2=v2'], 'the merged older rule, first in its namespace');
  t.deepEqual(subsetsOf(push, 'other'), ['v2=v2'], 'the wider rule alone');
});

test('different exportTo sets, or a workloadSelector, keep rules apart: the oldest visible one applies', (t) => {
  const apart = pushOf(
    rule('old', 1, '  exportTo: ["other"]\n  subsets: [{name: v1, labels: {version: v1}}]'),
    rule('new', 2, '  exportTo: ["."]\n  subsets: [{name: v2, labels: {version: v2}}]'),
  );
  t.deepEqual(subsetsOf(apart, 'other'), ['v1=v1']);
  t.deepEqual(subsetsOf(apart, 'shop'), ['v2=v2']);
  const selected = pushOf(
    rule('old', 1, '  subsets: [{name: v1, labels: {version: v1}}]'),
    rule('new', 2, '  workloadSelector: {matchLabels: {app: client}}\n  exportTo: ["."]\n  subsets: [{name: v2, labels: {version: v2}}]'),
  );
  t.deepEqual(subsetsOf(selected, 'other'), ['v1=v1']);
});
