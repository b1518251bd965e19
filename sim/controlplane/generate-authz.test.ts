// Which AuthorizationPolicies reach a sidecar (authorization.go ListAuthorizationPolicies,
// policyattachment.go ShouldAttachPolicy) and how they become RBAC policies (builder.go).
import test from 'ava';
import { loadManifests } from '../config/load-resources.ts';
import type { Resource } from '../config/resource.ts';
import { authorizationFor } from './generate-authz.ts';
import type { AuthzWorkload } from './generate-authz.ts';

const ROOT = 'istio-system';
const HTTPBIN: AuthzWorkload = { namespace: 'foo', labels: { app: 'httpbin', version: 'v1' } };

function policies(text: string): Resource<'AuthorizationPolicy'>[] {
  const loaded = loadManifests([{ path: 't.yaml', text }]);
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((d) => d.message).join('\n'));
  return loaded.resources.filter((r): r is Resource<'AuthorizationPolicy'> => r.kind === 'AuthorizationPolicy');
}

function ap(namespace: string, name: string, spec: string, annotations = ''): string {
  const indented = spec.trim().split('\n').map((line) => `  ${line}`).join('\n');
  return `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: ${name}
  namespace: ${namespace}
${annotations === '' ? '' : `  annotations:\n    ${annotations}\n`}spec:
${indented}
---
`;
}

const names = (text: string, workload = HTTPBIN): string[] => authorizationFor(policies(text), workload, ROOT).map((p) => p.name);

test('ListAuthorizationPolicies: the root namespace and the workload namespace only', (t) => {
  const text = ap(ROOT, 'mesh', 'rules: [{}]') + ap('foo', 'ns', 'rules: [{}]') + ap('bar', 'other', 'rules: [{}]');
  t.deepEqual(names(text), ['istio-system/mesh', 'foo/ns']);
  t.deepEqual(names(text, { namespace: 'bar', labels: {} }), ['istio-system/mesh', 'bar/other']);
});

test('ShouldAttachPolicy: a selector applies when matchLabels are a subset of the labels', (t) => {
  const text = ap('foo', 'v1', 'selector: {matchLabels: {app: httpbin, version: v1}}\nrules: [{}]')
    + ap('foo', 'v2', 'selector: {matchLabels: {app: httpbin, version: v2}}\nrules: [{}]')
    + ap('foo', 'app', 'selector: {matchLabels: {app: httpbin}}\nrules: [{}]');
  t.deepEqual(names(text), ['foo/v1', 'foo/app']);
});

test('istio-semantics §9.8: a selector in the root namespace matches workloads in every namespace', (t) => {
  const text = ap(ROOT, 'httpbins', 'selector: {matchLabels: {app: httpbin}}\nrules: [{}]');
  t.deepEqual(names(text, { namespace: 'bar', labels: { app: 'httpbin' } }), ['istio-system/httpbins']);
  t.deepEqual(names(text, { namespace: 'bar', labels: { app: 'sleep' } }), []);
});

test('ShouldAttachPolicy: sidecars ignore policies with targetRefs', (t) => {
  const text = ap('foo', 'gw', 'targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: gw}]\nrules: [{}]')
    + ap('foo', 'plain', 'rules: [{}]');
  t.deepEqual(names(text), ['foo/plain']);
});

test('builder.go build: CUSTOM, DENY, ALLOW, AUDIT groups, each in the order handed in', (t) => {
  const text = ap('foo', 'allow-1', 'action: ALLOW\nrules: [{}]') + ap('foo', 'audit', 'action: AUDIT\nrules: [{}]')
    + ap('foo', 'deny', 'action: DENY\nrules: [{}]') + ap('foo', 'allow-2', 'rules: [{}]')
    + ap('foo', 'ext', 'action: CUSTOM\nprovider: {name: opa}\nrules: [{}]') + ap(ROOT, 'mesh-deny', 'action: DENY\nrules: [{}]');
  t.deepEqual(names(text), ['foo/ext', 'foo/deny', 'istio-system/mesh-deny', 'foo/allow-1', 'foo/allow-2', 'foo/audit']);
});

test('builder.go rbacPolicyMatchNever: no rules stay no rules; rules [{}] is one empty rule', (t) => {
  const [none, all] = authorizationFor(policies(ap('foo', 'none', 'selector: {matchLabels: {app: httpbin}}') + ap('foo', 'all', 'rules: [{}]')), HTTPBIN, ROOT);
  t.deepEqual(none, { name: 'foo/none', action: 'ALLOW', rules: [], dryRun: false });
  t.deepEqual(all, { name: 'foo/all', action: 'ALLOW', rules: [{}], dryRun: false });
});

test('builder.go: fields are kept as written (principals without spiffe://, ports as strings, when verbatim)', (t) => {
  const text = ap('foo', 'full', `
action: DENY
rules:
- from:
  - source:
      principals: ["cluster.local/ns/bar/sa/curl", "*"]
      notNamespaces: ["foo"]
      requestPrincipals: ["iss/sub"]
      ipBlocks: ["10.0.0.0/8"]
      remoteIpBlocks: ["1.2.3.4"]
  - source:
      serviceAccounts: ["bar/curl", "sleep"]
  to:
  - operation:
      hosts: ["Example.com"]
      ports: ["8080"]
      methods: ["GET"]
      paths: ["/a/{*}"]
      notPaths: ["/healthz"]
  when:
  - key: request.headers[X-Token]
    values: ["abc"]
  - key: source.ip
    notValues: ["10.1.0.0/16"]
`);
  t.deepEqual(authorizationFor(policies(text), HTTPBIN, ROOT), [{
    name: 'foo/full', action: 'DENY', dryRun: false,
    rules: [{
      from: [
        { principals: ['cluster.local/ns/bar/sa/curl', '*'], notNamespaces: ['foo'], requestPrincipals: ['iss/sub'], ipBlocks: ['10.0.0.0/8'], remoteIpBlocks: ['1.2.3.4'] },
        { serviceAccounts: ['bar/curl', 'sleep'] },
      ],
      to: [{ hosts: ['Example.com'], ports: ['8080'], methods: ['GET'], paths: ['/a/{*}'], notPaths: ['/healthz'] }],
      when: [{ key: 'request.headers[X-Token]', values: ['abc'] }, { key: 'source.ip', notValues: ['10.1.0.0/16'] }],
    }],
  }]);
});

test('builder.go isDryRun: istio.io/dry-run parsed as strconv.ParseBool', (t) => {
  const text = ap('foo', 'a', 'action: DENY\nrules: [{}]', '"istio.io/dry-run": "true"') + ap('foo', 'b', 'action: DENY\nrules: [{}]', '"istio.io/dry-run": "1"')
    + ap('foo', 'c', 'rules: [{}]', '"istio.io/dry-run": "false"') + ap('foo', 'd', 'rules: [{}]');
  t.deepEqual(authorizationFor(policies(text), HTTPBIN, ROOT).map((p) => [p.name, p.dryRun]), [['foo/a', true], ['foo/b', true], ['foo/c', false], ['foo/d', false]]);
});

test('builder.go build: CUSTOM policies carry their provider', (t) => {
  const [custom] = authorizationFor(policies(ap('foo', 'ext', 'action: CUSTOM\nprovider: {name: my-ext-authz}\nrules: [{to: [{operation: {paths: ["/admin*"]}}]}]')), HTTPBIN, ROOT);
  t.deepEqual(custom, { name: 'foo/ext', action: 'CUSTOM', provider: 'my-ext-authz', dryRun: false, rules: [{ to: [{ paths: ['/admin*'] }] }] });
});

test('an AuthorizationPolicy built in code: null entries are empty ones, empty lists are dropped', (t) => {
  const [resource] = policies(ap('foo', 'p', 'rules: [{}]'));
  const spec = { rules: [null, { from: [{ source: { principals: [] , namespaces: ['a'] } }], to: [], when: [{ key: 'source.ip', values: ['1.2.3.4'], notValues: [] }] }] };
  const built = { ...resource!, spec } as unknown as Resource<'AuthorizationPolicy'>;
  t.deepEqual(authorizationFor([built], HTTPBIN, ROOT)[0]?.rules, [{}, { from: [{ namespaces: ['a'] }], when: [{ key: 'source.ip', values: ['1.2.3.4'] }] }]);
});

test('model.go MigrateTrustDomain: principals and source.principal widen to the bundle, source.trustDomain expands', (t) => {
  const text = ap('foo', 'td', `rules:
- from: [{source: {principals: ["old-td/ns/foo/sa/curl", "*"], notPrincipals: ["cluster.local/ns/bar/sa/x"]}}]
  when:
  - {key: source.principal, values: ["new-td/ns/foo/sa/curl"]}
  - {key: source.trustDomain, notValues: ["old-td"]}
  - {key: "request.headers[x]", values: ["old-td/ns/foo/sa/curl"]}`);
  const [policy] = authorizationFor(policies(text), HTTPBIN, ROOT, ['new-td', 'old-td']);
  t.deepEqual(policy?.rules, [{
    from: [{ principals: ['new-td/ns/foo/sa/curl', 'old-td/ns/foo/sa/curl', '*'], notPrincipals: ['new-td/ns/bar/sa/x', 'old-td/ns/bar/sa/x'] }],
    when: [
      { key: 'source.principal', values: ['new-td/ns/foo/sa/curl', 'old-td/ns/foo/sa/curl'] },
      { key: 'source.trustDomain', notValues: ['new-td', 'old-td'] },
      { key: 'request.headers[x]', values: ['old-td/ns/foo/sa/curl'] },
    ],
  }]);
});

test('model.go MigrateTrustDomain: without aliases a cluster.local principal names the mesh trust domain', (t) => {
  const [policy] = authorizationFor(policies(ap('foo', 'td', 'rules: [{from: [{source: {principals: ["cluster.local/ns/foo/sa/curl", "other.td/ns/foo/sa/curl"]}}]}]')), HTTPBIN, ROOT, ['td1']);
  t.deepEqual(policy?.rules, [{ from: [{ principals: ['td1/ns/foo/sa/curl', 'other.td/ns/foo/sa/curl'] }] }]);
});
