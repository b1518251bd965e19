import test from 'ava';
import { decideInjection } from './injection.ts';
import type { InjectionInput } from './injection.ts';

// Sources: the webhooks of a default install, istio/istio
// manifests/charts/istio-control/istio-discovery/templates/mutatingwebhook.yaml:
//   namespace.sidecar-injector     ns istio-injection In [enabled];            pod inject NotIn [false]
//   object.sidecar-injector        ns istio-injection, istio.io/rev absent;    pod inject In [true], pod istio.io/rev absent
//   rev.namespace.sidecar-injector ns istio.io/rev In [<rev>], istio-injection absent; pod inject NotIn [false]
//   rev.object.sidecar-injector    ns istio.io/rev, istio-injection absent;    pod inject NotIn [false], pod istio.io/rev In [<rev>]
// and, once called, pkg/kube/inject/inject.go injectRequired (host network, ignored namespaces, label over
// annotation, only "true"/"false" understood, anything else falls back to the policy `enabled`).

type Row = {
  readonly rule: string;
  readonly ns?: Record<string, string>;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly namespace?: string;
  readonly hostNetwork?: boolean;
  readonly revisions?: readonly string[];
  /** The revision injected, or false. */
  readonly expected: string | false;
};

const ENABLED = { 'istio-injection': 'enabled' };
const DISABLED = { 'istio-injection': 'disabled' };
const INJECT_TRUE = { 'sidecar.istio.io/inject': 'true' };
const INJECT_FALSE = { 'sidecar.istio.io/inject': 'false' };

const ROWS: readonly Row[] = [
  // namespace istio-injection × pod label sidecar.istio.io/inject
  { rule: 'ns enabled, pod label absent → injected (namespace webhook, policy enabled)', ns: ENABLED, expected: 'default' },
  { rule: 'ns enabled, pod label true → injected', ns: ENABLED, labels: INJECT_TRUE, expected: 'default' },
  { rule: 'ns enabled, pod label false → not injected (objectSelector NotIn [false])', ns: ENABLED, labels: INJECT_FALSE, expected: false },
  { rule: 'ns disabled, pod label absent → not injected (no webhook matches)', ns: DISABLED, expected: false },
  { rule: 'ns disabled, pod label true → not injected (object webhook needs istio-injection absent)', ns: DISABLED, labels: INJECT_TRUE, expected: false },
  { rule: 'ns disabled, pod label false → not injected', ns: DISABLED, labels: INJECT_FALSE, expected: false },
  { rule: 'ns unlabelled, pod label absent → not injected (enableNamespacesByDefault is off)', expected: false },
  { rule: 'ns unlabelled, pod label true → injected (object webhook)', labels: INJECT_TRUE, expected: 'default' },
  { rule: 'ns unlabelled, pod label false → not injected', labels: INJECT_FALSE, expected: false },
  { rule: 'ns istio-injection=yes (not "enabled") → not injected: the selector is In [enabled]', ns: { 'istio-injection': 'yes' }, labels: INJECT_TRUE, expected: false },
  // pod annotation (read by injectRequired only once a webhook was called)
  { rule: 'ns enabled, pod annotation false → not injected (injectRequired reads the annotation)', ns: ENABLED, annotations: INJECT_FALSE, expected: false },
  { rule: 'ns enabled, pod annotation true → injected', ns: ENABLED, annotations: INJECT_TRUE, expected: 'default' },
  { rule: 'ns unlabelled, pod annotation true only → not injected (webhook objectSelectors read labels, not annotations)', annotations: INJECT_TRUE, expected: false },
  { rule: 'ns enabled, label true and annotation false → injected (the label wins over the annotation)', ns: ENABLED, labels: INJECT_TRUE, annotations: INJECT_FALSE, expected: 'default' },
  { rule: 'ns unlabelled, label true and annotation false → injected (the label wins)', labels: INJECT_TRUE, annotations: INJECT_FALSE, expected: 'default' },
  { rule: 'ns enabled, label "False" → injected: NotIn [false] is case-sensitive and injectRequired falls back to policy enabled', ns: ENABLED, labels: { 'sidecar.istio.io/inject': 'False' }, expected: 'default' },
  { rule: 'ns enabled, annotation "no" → injected: only "true"/"false" are understood, else policy enabled', ns: ENABLED, annotations: { 'sidecar.istio.io/inject': 'no' }, expected: 'default' },
  { rule: 'ns unlabelled, label "TRUE" → not injected: In [true] is case-sensitive', labels: { 'sidecar.istio.io/inject': 'TRUE' }, expected: false },
  // revisions
  { rule: 'ns istio.io/rev=canary (installed) → injected by canary (rev.namespace webhook)', ns: { 'istio.io/rev': 'canary' }, revisions: ['default', 'canary'], expected: 'canary' },
  { rule: 'ns istio.io/rev=canary, pod label false → not injected', ns: { 'istio.io/rev': 'canary' }, labels: INJECT_FALSE, revisions: ['default', 'canary'], expected: false },
  { rule: 'ns istio.io/rev=unknown → not injected (no webhook for that revision)', ns: { 'istio.io/rev': 'nope' }, labels: INJECT_TRUE, expected: false },
  { rule: 'ns istio.io/rev=default → injected by default', ns: { 'istio.io/rev': 'default' }, expected: 'default' },
  { rule: 'ns enabled and istio.io/rev=canary → default: istio-injection takes precedence (rev.namespace needs it absent)', ns: { ...ENABLED, 'istio.io/rev': 'canary' }, revisions: ['default', 'canary'], expected: 'default' },
  { rule: 'ns istio.io/rev=canary, pod istio.io/rev=other → canary (the namespace selector decides)', ns: { 'istio.io/rev': 'canary' }, labels: { 'istio.io/rev': 'other' }, revisions: ['default', 'canary', 'other'], expected: 'canary' },
  { rule: 'ns unlabelled, pod istio.io/rev=canary → injected by canary (rev.object webhook)', labels: { 'istio.io/rev': 'canary' }, revisions: ['default', 'canary'], expected: 'canary' },
  { rule: 'ns unlabelled, pod istio.io/rev=canary and inject=true → canary (object webhook needs pod rev absent)', labels: { 'istio.io/rev': 'canary', ...INJECT_TRUE }, revisions: ['default', 'canary'], expected: 'canary' },
  { rule: 'ns unlabelled, pod istio.io/rev=canary and inject=false → not injected', labels: { 'istio.io/rev': 'canary', ...INJECT_FALSE }, revisions: ['default', 'canary'], expected: false },
  { rule: 'ns unlabelled, pod istio.io/rev=unknown and inject=true → not injected (object webhook needs pod rev absent)', labels: { 'istio.io/rev': 'nope', ...INJECT_TRUE }, expected: false },
  { rule: 'ns disabled, pod istio.io/rev=default → not injected (rev.object needs istio-injection absent)', ns: DISABLED, labels: { 'istio.io/rev': 'default' }, expected: false },
  { rule: 'ns enabled, pod istio.io/rev=canary → default (namespace webhook matches; rev.object needs istio-injection absent)', ns: ENABLED, labels: { 'istio.io/rev': 'canary' }, revisions: ['default', 'canary'], expected: 'default' },
  // host network and system namespaces (injectRequired)
  { rule: 'hostNetwork pods are never injected, even in an enabled namespace', ns: ENABLED, hostNetwork: true, expected: false },
  { rule: 'hostNetwork pods are never injected, even with label true', labels: INJECT_TRUE, hostNetwork: true, expected: false },
  { rule: 'kube-system is never injected, even when labelled enabled', namespace: 'kube-system', ns: ENABLED, expected: false },
  { rule: 'kube-public is never injected, even with pod label true', namespace: 'kube-public', labels: INJECT_TRUE, expected: false },
];

function input(row: Row): InjectionInput {
  return {
    namespace: row.namespace ?? 'shop',
    namespaceLabels: row.ns ?? {},
    podLabels: row.labels ?? {},
    podAnnotations: row.annotations ?? {},
    hostNetwork: row.hostNetwork ?? false,
    revisions: row.revisions ?? ['default'],
  };
}

for (const row of ROWS) {
  test(`injection: ${row.rule}`, (t) => {
    const decision = decideInjection(input(row));
    t.is(decision.injected ? decision.revision : false, row.expected);
    t.true(decision.reason.length > 0, 'every decision says why');
  });
}

// IgnoredNamespaces in pkg/kube/inject/initializer.go is kube-system, kube-public, kube-node-lease and
// local-path-storage (kind's provisioner).
for (const namespace of ['kube-node-lease', 'local-path-storage']) {
  test(`injection: ${namespace} is never injected (Istio IgnoredNamespaces)`, (t) => {
    t.false(decideInjection(input({ rule: '', namespace, labels: INJECT_TRUE, expected: false })).injected);
  });
}

// The `istio-injection=enabled` and `sidecar.istio.io/inject=true` webhooks exist only for the
// default revision (mutatingwebhook.yaml renders them only when .Values.revision is "", or for a `default`
// revision tag). With only a `canary` revision installed nothing answers them.
test('injection: istio-injection=enabled injects nothing when no default revision is installed', (t) => {
  t.false(decideInjection(input({ rule: '', ns: ENABLED, revisions: ['canary'], expected: false })).injected);
  t.false(decideInjection(input({ rule: '', labels: INJECT_TRUE, revisions: ['canary'], expected: false })).injected);
});

test('injection: reasons name the deciding label', (t) => {
  t.regex(decideInjection(input({ rule: '', ns: DISABLED, expected: false })).reason, /istio-injection=disabled/);
  t.regex(decideInjection(input({ rule: '', ns: ENABLED, labels: INJECT_FALSE, expected: false })).reason, /sidecar\.istio\.io\/inject=false/);
  t.regex(decideInjection(input({ rule: '', ns: ENABLED, annotations: INJECT_FALSE, expected: false })).reason, /annotation/);
  t.regex(decideInjection(input({ rule: '', ns: ENABLED, hostNetwork: true, expected: false })).reason, /host network/);
});
