// mTLS generation as tables, each row naming the Istio rule or test it mirrors:
// policy_applier_test.go TestComposePeerAuthentication; push_context_test.go TestBestEffortInferServiceMTLSMode;
// cluster_tls_test.go TestBuildAutoMtlsSettings; cluster_test.go TestAutoMTLSClusterSubsets /
// TestAutoMTLSClusterIgnoreWorkloadLevelPeerAuthn; util_test.go TestMergeSubsetTrafficPolicy;
// mtls_checker.go; reachability_test.go "migration *" (the client half; the server half is in
// sim/proxy/mtls-cases.test.ts).
import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { loadManifests } from '../config/load-resources.ts';
import type { Resource } from '../config/resource.ts';
import { ConfigStore } from '../config/store.ts';
import type { InboundMtls, InboundMtlsMode, UpstreamTls } from '../xds/security.ts';
import {
  clientUsesMtls, inboundModeForPort, inboundMtlsFor, passthroughByDestinationRule, serviceMtlsModeFor, upstreamTlsFor,
} from './generate-mtls.ts';
import type { ServiceMtlsFacts, UpstreamTlsOptions } from './generate-mtls.ts';

const ROOT = 'istio-system';

interface PaOpts { mode?: string; selector?: Record<string, string>; ports?: Record<string, string | null>; at?: string }

/** PeerAuthentication YAML; `at` is a creationTimestamp (seconds after a fixed instant). */
function pa(name: string, namespace: string, o: PaOpts = {}): string {
  const lines = ['apiVersion: security.istio.io/v1', 'kind: PeerAuthentication', 'metadata:', `  name: ${name}`, `  namespace: ${namespace}`];
  if (o.at !== undefined) lines.push(`  creationTimestamp: "2024-01-01T00:00:${o.at}Z"`);
  lines.push('spec:');
  if (o.selector !== undefined) lines.push(`  selector: {matchLabels: ${JSON.stringify(o.selector)}}`);
  if (o.mode !== undefined) lines.push(`  mtls: {mode: ${o.mode}}`);
  if (o.ports !== undefined) {
    lines.push('  portLevelMtls:');
    for (const [port, mode] of Object.entries(o.ports)) lines.push(`    "${port}": ${mode === null ? '{}' : `{mode: ${mode}}`}`);
  }
  if (lines[lines.length - 1] === 'spec:') lines[lines.length - 1] = 'spec: {}';
  return lines.join('\n');
}

/** Loads manifests (no errors allowed) and returns the PeerAuthentications oldest first, as ConfigStore.byAge. */
function peerAuthentications(...docs: string[]): Resource<'PeerAuthentication'>[] {
  if (docs.length === 0) return [];
  const loaded = loadManifests([{ path: 't.yaml', text: docs.join('\n---\n') }]);
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((d) => d.message).join('; '));
  const store = new ConfigStore();
  for (const r of loaded.resources) store.apply(r);
  return store.byAge('PeerAuthentication');
}

function destinationRule(specYaml: string): Resource<'DestinationRule'> {
  const text = `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: dr, namespace: ns1}\nspec:\n  host: svc.ns1.svc.cluster.local\n${specYaml}`;
  const loaded = loadManifests([{ path: 't.yaml', text }]);
  const found = loaded.resources.find((r): r is Resource<'DestinationRule'> => r.kind === 'DestinationRule');
  if (found === undefined) throw new Error(loaded.diagnostics.map((d) => d.message).join('; '));
  return found;
}

const FOO = { namespace: 'ns1', labels: { app: 'foo' } };
const mtls = (mode: InboundMtlsMode, source: string | null, ports: Record<string, InboundMtlsMode> = {}): InboundMtls => ({ mode, ports, source });

// ---- inboundMtlsFor ---------------------------------------------------------------------------------

const inboundCases: [rule: string, docs: string[], workload: { namespace: string; labels: Record<string, string> }, expected: InboundMtls][] = [
  ['TestComposePeerAuthentication "no config": PERMISSIVE by default', [], FOO, mtls('PERMISSIVE', null)],
  ['"mesh only": a root-namespace policy without selector is mesh-wide', [pa('default', ROOT, { mode: 'STRICT' })], FOO, mtls('STRICT', 'istio-system/default')],
  ['"mesh vs namespace": an empty matchLabels is no selector; namespace beats mesh',
    [pa('default', ROOT, { mode: 'STRICT', selector: {} }), pa('default', 'ns1', { mode: 'PERMISSIVE' })], FOO, mtls('PERMISSIVE', 'ns1/default')],
  ['"ignore non-emptypb selector in root namespace"', [pa('default', ROOT, { mode: 'STRICT', selector: { app: 'foo' } })], FOO, mtls('PERMISSIVE', null)],
  ['"workload vs namespace config": both UNSET stay PERMISSIVE',
    [pa('default', 'ns1'), pa('foo', 'ns1', { selector: { app: 'foo' } })], FOO, mtls('PERMISSIVE', null)],
  ['"workload vs mesh config": namespace PERMISSIVE beats mesh DISABLE',
    [pa('default', 'ns1', { mode: 'PERMISSIVE' }), pa('default', ROOT, { mode: 'DISABLE' })], FOO, mtls('PERMISSIVE', 'ns1/default')],
  ['"multiple mesh policy": the oldest wins, ties by name',
    [pa('now', ROOT, { mode: 'DISABLE', at: '09' }), pa('second-ago', ROOT, { mode: 'PERMISSIVE', at: '08' }), pa('second-later', ROOT, { mode: 'STRICT', at: '08' })],
    FOO, mtls('PERMISSIVE', 'istio-system/second-ago')],
  ['"multiple namespace policy": the oldest wins, ties by name',
    [pa('now', 'ns1', { mode: 'DISABLE', at: '09' }), pa('second-ago', 'ns1', { mode: 'PERMISSIVE', at: '08' }), pa('second-later', 'ns1', { mode: 'STRICT', at: '08' })],
    FOO, mtls('PERMISSIVE', 'ns1/second-ago')],
  ['"multiple workload policy": the oldest matching selector wins',
    [pa('now', 'ns1', { mode: 'DISABLE', selector: { app: 'foo' }, at: '09' }), pa('second-ago', 'ns1', { mode: 'PERMISSIVE', selector: { app: 'foo' }, at: '08' }),
      pa('second-later', 'ns1', { mode: 'STRICT', selector: { stage: 'prod' }, at: '08' })],
    { namespace: 'ns1', labels: { app: 'foo', stage: 'prod' } }, mtls('PERMISSIVE', 'ns1/second-ago')],
  ['"inheritance: default mesh": a mesh-level UNSET is PERMISSIVE', [pa('default', ROOT, { mode: 'UNSET' })], FOO, mtls('PERMISSIVE', null)],
  ['"inheritance: mesh to workload"', [pa('default', ROOT, { mode: 'STRICT' }), pa('foo', 'ns1', { selector: { app: 'foo' } })], FOO, mtls('STRICT', 'istio-system/default')],
  ['"inheritance: namespace to workload"', [pa('default', 'ns1', { mode: 'STRICT' }), pa('foo', 'ns1', { selector: { app: 'foo' } })], FOO, mtls('STRICT', 'ns1/default')],
  ['"inheritance: mesh to namespace to workload"',
    [pa('default', ROOT, { mode: 'STRICT' }), pa('default', 'ns1', { mode: 'UNSET' }), pa('foo', 'ns1', { selector: { app: 'foo' } })], FOO, mtls('STRICT', 'istio-system/default')],
  ['"port level": keys are target ports; UNSET and {} inherit the workload\'s effective mode',
    [pa('default', ROOT, { mode: 'STRICT' }), pa('foo', 'ns1', { selector: { app: 'foo' }, ports: { 80: 'DISABLE', 90: 'UNSET', 100: null } })],
    FOO, mtls('STRICT', 'istio-system/default', { 80: 'DISABLE', 90: 'STRICT', 100: 'STRICT' })],
  ['workload-level DISABLE overrides a namespace STRICT (precedence workload > namespace)',
    [pa('default', 'ns1', { mode: 'STRICT' }), pa('foo', 'ns1', { mode: 'DISABLE', selector: { app: 'foo' } })], FOO, mtls('DISABLE', 'ns1/foo')],
  ['a workload policy whose selector does not match brings neither its mode nor its ports (getConfigsForWorkload SubsetOf)',
    [pa('default', 'ns1', { mode: 'STRICT' }), pa('bar', 'ns1', { mode: 'DISABLE', selector: { app: 'bar' }, ports: { 80: 'DISABLE' } })], FOO, mtls('STRICT', 'ns1/default')],
  ['policies in other (non-root) namespaces never apply (getConfigsForWorkload: own + root namespace)',
    [pa('default', 'ns2', { mode: 'DISABLE' }), pa('foo', 'ns2', { mode: 'DISABLE', selector: { app: 'foo' } })], FOO, mtls('PERMISSIVE', null)],
  ['a workload in the root namespace: the no-selector policy is mesh-level, a selector policy is still ignored',
    [pa('default', ROOT, { mode: 'STRICT' }), pa('foo', ROOT, { mode: 'DISABLE', selector: { app: 'foo' } })], { namespace: ROOT, labels: { app: 'foo' } }, mtls('STRICT', 'istio-system/default')],
  ['migration setup: a namespace STRICT covers every workload of the namespace, injected or not (reachability "migration *")',
    [pa('default', 'ns1', { mode: 'STRICT' })], { namespace: 'ns1', labels: { app: 'migration', version: 'vlegacy' } }, mtls('STRICT', 'ns1/default')],
  ['"mtls port override": workload STRICT with a port-level DISABLE (reachability)',
    [pa('foo', 'ns1', { mode: 'STRICT', selector: { app: 'foo' }, ports: { 8090: 'DISABLE' } })], FOO, mtls('STRICT', 'ns1/foo', { 8090: 'DISABLE' })],
];

for (const [rule, docs, workload, expected] of inboundCases) {
  test(`inboundMtlsFor: ${rule}`, (t) => {
    t.deepEqual(inboundMtlsFor(peerAuthentications(...docs), workload, ROOT), expected);
  });
}

test('inboundModeForPort: GetMutualTLSModeForPort takes the port-level mode, else the workload mode', (t) => {
  const m = mtls('STRICT', null, { 9000: 'DISABLE' });
  t.deepEqual([inboundModeForPort(m, 9000), inboundModeForPort(m, 8000)], ['DISABLE', 'STRICT']);
});

testProp('inboundMtlsFor: input order within one age does not matter once sorted by ConfigStore.byAge (oldest wins)',
  [fc.shuffledSubarray<InboundMtlsMode | 'UNSET'>(['DISABLE', 'PERMISSIVE', 'STRICT', 'UNSET'], { minLength: 1 })], (t, modes) => {
    const docs = modes.map((mode, index) => pa(`p${index}`, 'ns1', { mode, at: String(10 + index) }));
    const forward = inboundMtlsFor(peerAuthentications(...docs), FOO, ROOT);
    const backward = inboundMtlsFor(peerAuthentications(...[...docs].reverse()), FOO, ROOT);
    t.deepEqual(forward, backward);
    const oldest = modes[0] ?? 'UNSET';
    t.is(forward.mode, oldest === 'UNSET' ? 'PERMISSIVE' : oldest);
  });

// ---- serviceMtlsModeFor ------------------------------------------------------------------------------

const svc = (o: Partial<ServiceMtlsFacts> = {}): ServiceMtlsFacts => ({ namespace: 'ns1', meshExternal: false, passthrough: false, endpointSidecars: [true], ...o });

const serviceCases: [rule: string, docs: string[], facts: ServiceMtlsFacts, expected: InboundMtlsMode | null][] = [
  ['TestBestEffortInferServiceMTLSMode "from namespace policy"', [pa('default', 'ns1', { mode: 'STRICT' })], svc(), 'STRICT'],
  ['"from mesh default": nothing is PERMISSIVE', [], svc(), 'PERMISSIVE'],
  ['mesh DISABLE with namespace UNSET inherits DISABLE (GetNamespaceMutualTLSMode)', [pa('default', ROOT, { mode: 'DISABLE' }), pa('default', 'ns1', { mode: 'UNSET' })], svc(), 'DISABLE'],
  ['the SERVICE namespace counts, not the client\'s', [pa('default', 'client', { mode: 'DISABLE' })], svc(), 'PERMISSIVE'],
  ['TestAutoMTLSClusterIgnoreWorkloadLevelPeerAuthn: workload-level policies do not affect CDS',
    [pa('v1', 'ns1', { mode: 'DISABLE', selector: { version: 'v1' } })], svc(), 'PERMISSIVE'],
  ['MeshExternal → MTLSUnknown (null)', [pa('default', 'ns1', { mode: 'STRICT' })], svc({ meshExternal: true }), null],
  ['"headless service with no instances found yet" → DISABLE', [pa('default', 'ns1', { mode: 'STRICT' })], svc({ passthrough: true, endpointSidecars: [] }), 'DISABLE'],
  ['"headless service with instances": one sidecar-less endpoint disables the whole service',
    [pa('default', 'ns1', { mode: 'STRICT' })], svc({ passthrough: true, endpointSidecars: [true, false] }), 'DISABLE'],
  ['a passthrough service whose endpoints all run sidecars falls back to the namespace mode',
    [pa('default', 'ns1', { mode: 'STRICT' })], svc({ passthrough: true, endpointSidecars: [true, true] }), 'STRICT'],
];

for (const [rule, docs, facts, expected] of serviceCases) {
  test(`serviceMtlsModeFor: ${rule}`, (t) => {
    t.is(serviceMtlsModeFor(peerAuthentications(...docs), facts, ROOT), expected);
  });
}

test('passthroughByDestinationRule: the subset\'s own LB for subset clusters, the top-level LB (not port-level) otherwise', (t) => {
  const dr = destinationRule(`  trafficPolicy:\n    loadBalancer: {simple: PASSTHROUGH}\n  subsets:\n  - name: a\n    labels: {v: a}\n  - name: b\n    labels: {v: b}\n    trafficPolicy:\n      loadBalancer: {simple: PASSTHROUGH}`);
  t.deepEqual([passthroughByDestinationRule(dr, ''), passthroughByDestinationRule(dr, 'a'), passthroughByDestinationRule(dr, 'b'), passthroughByDestinationRule(null, '')], [true, false, true, false]);
});

// ---- upstreamTlsFor ----------------------------------------------------------------------------------

const up = (mode: UpstreamTls['mode'], autoMtls: boolean, source: string | null = mode === null ? null : 'ns1/dr'): UpstreamTls => ({ mode, autoMtls, source });

const PORT_LEVEL = `  trafficPolicy:\n    connectionPool: {http: {maxRequestsPerConnection: 1}}\n    portLevelSettings:\n    - port: {number: 9090}\n      tls: {mode: DISABLE}`;
const SUBSET_PORT_LEVEL = `  subsets:\n  - name: foobar\n    labels: {v: foobar}\n    trafficPolicy:\n      connectionPool: {http: {maxRequestsPerConnection: 1}}\n      portLevelSettings:\n      - port: {number: 8080}\n        tls: {mode: ISTIO_MUTUAL, sni: custom.sni.com}`;
const MIGRATION = (mode: string | null): string => mode === null
  ? `  subsets:\n  - name: vistio\n    labels: {version: vistio}\n  - name: vlegacy\n    labels: {version: vlegacy}`
  : `  subsets:\n  - name: vistio\n    labels: {version: vistio}\n    trafficPolicy: {tls: {mode: ${mode}}}\n  - name: vlegacy\n    labels: {version: vlegacy}\n    trafficPolicy: {tls: {mode: ${mode}}}\n  trafficPolicy: {tls: {mode: ${mode}}}`;

const upstreamCases: [rule: string, spec: string | null, subset: string, port: number, auto: boolean, options: UpstreamTlsOptions, expected: UpstreamTls][] = [
  ['no DestinationRule: auto mTLS decides (TestBuildAutoMtlsSettings "Auto fill nil settings ... permissive mode")', null, '', 80, true, {}, up(null, true)],
  ['no DestinationRule, enableAutoMtls off: plaintext (buildUpstreamTLSSettings !autoMTLSEnabled)', null, '', 80, false, {}, up(null, false)],
  ['a DR without tls leaves auto mTLS on', '  trafficPolicy:\n    loadBalancer: {simple: LEAST_REQUEST}', '', 80, true, {}, up(null, true)],
  ['explicit ISTIO_MUTUAL is used as is (userSupplied), auto or not', '  trafficPolicy:\n    tls: {mode: ISTIO_MUTUAL}', '', 80, false, {}, up('ISTIO_MUTUAL', false)],
  ['explicit DISABLE', '  trafficPolicy:\n    tls: {mode: DISABLE}', '', 80, true, {}, up('DISABLE', false)],
  ['a tls block without mode is DISABLE (the enum\'s zero value)', '  trafficPolicy:\n    tls: {}', '', 80, true, {}, up('DISABLE', false)],
  ['explicit SIMPLE / MUTUAL reach the wire as app TLS', '  trafficPolicy:\n    tls: {mode: SIMPLE, sni: a.example.com}', '', 443, true, {}, { ...up('SIMPLE', false), sni: 'a.example.com' }],
  ['TestAutoMTLSClusterIgnoreWorkloadLevelPeerAuthn: port-level DISABLE on 9090', PORT_LEVEL, '', 9090, true, {}, up('DISABLE', false)],
  ['TestAutoMTLSClusterIgnoreWorkloadLevelPeerAuthn: port 8080 without port-level tls is auto', PORT_LEVEL, '', 8080, true, {}, up(null, true)],
  ['GetPortLevelTrafficPolicy: a port-level tls REPLACES the top-level tls',
    '  trafficPolicy:\n    tls: {mode: ISTIO_MUTUAL}\n    portLevelSettings:\n    - port: {number: 80}\n      tls: {mode: DISABLE}', '', 80, true, {}, up('DISABLE', false)],
  ['a port-level block without tls drops the top-level ISTIO_MUTUAL from CDS: auto mTLS again ("do not inherit top-level fields")',
    '  trafficPolicy:\n    tls: {mode: ISTIO_MUTUAL}\n    portLevelSettings:\n    - port: {number: 80}\n      loadBalancer: {simple: ROUND_ROBIN}', '', 80, true, {}, up(null, true)],
  ['…but a top-level SIMPLE hidden that way still reaches EDS (mtls_checker.go tlsModeForDestinationRule) and clears every endpoint\'s tlsMode: plaintext',
    '  trafficPolicy:\n    tls: {mode: SIMPLE}\n    portLevelSettings:\n    - port: {number: 80}\n      loadBalancer: {simple: ROUND_ROBIN}', '', 80, true, {}, up(null, false, 'ns1/dr')],
  ['TestAutoMTLSClusterSubsets: the subset\'s port-level ISTIO_MUTUAL on 8080', SUBSET_PORT_LEVEL, 'foobar', 8080, true, {}, { ...up('ISTIO_MUTUAL', false), sni: 'custom.sni.com' }],
  ['TestAutoMTLSClusterSubsets: the other clusters stay auto', SUBSET_PORT_LEVEL, 'foobar', 9090, true, {}, up(null, true)],
  ['TestMergeSubsetTrafficPolicy "subset overwrite top-level fields": subset SIMPLE over top ISTIO_MUTUAL',
    '  trafficPolicy:\n    tls: {mode: ISTIO_MUTUAL}\n  subsets:\n  - name: s\n    labels: {v: s}\n    trafficPolicy: {tls: {mode: SIMPLE}}', 's', 80, true, {}, up('SIMPLE', false)],
  ['"merge non-conflicting fields": a subset policy without tls keeps the top-level tls',
    '  trafficPolicy:\n    tls: {mode: ISTIO_MUTUAL}\n  subsets:\n  - name: s\n    labels: {v: s}\n    trafficPolicy: {connectionPool: {http: {maxRetries: 10}}}', 's', 80, true, {}, up('ISTIO_MUTUAL', false)],
  ['"no parent policy": only the subset has tls', '  subsets:\n  - name: s\n    labels: {v: s}\n    trafficPolicy: {tls: {mode: DISABLE}}', 's', 80, true, {}, up('DISABLE', false)],
  ['the default cluster ignores subset policies', '  subsets:\n  - name: s\n    labels: {v: s}\n    trafficPolicy: {tls: {mode: DISABLE}}', '', 80, true, {}, up(null, true)],
  ['a subset port-level entry without tls clears the top-level DISABLE in CDS; EDS falls back to it: plaintext',
    '  trafficPolicy:\n    tls: {mode: DISABLE}\n  subsets:\n  - name: s\n    labels: {v: s}\n    trafficPolicy:\n      portLevelSettings:\n      - port: {number: 80}\n        loadBalancer: {simple: ROUND_ROBIN}', 's', 80, true, {}, up(null, false, 'ns1/dr')],
  ['a subset port-level entry without tls hides a top-level ISTIO_MUTUAL from CDS: auto mTLS, so a naked endpoint still gets plaintext',
    '  trafficPolicy:\n    tls: {mode: ISTIO_MUTUAL}\n  subsets:\n  - name: s\n    labels: {v: s}\n    trafficPolicy:\n      portLevelSettings:\n      - port: {number: 80}\n        loadBalancer: {simple: ROUND_ROBIN}', 's', 80, true, {}, up(null, true)],
  ['migration, DR without tls: both subsets auto (reachability "migration no tls")', MIGRATION(null), 'vlegacy', 80, true, { serviceMtlsMode: 'STRICT' }, up(null, true)],
  ['migration, DR DISABLE on subsets and top ("migration tls disabled")', MIGRATION('DISABLE'), 'vistio', 80, true, { serviceMtlsMode: 'STRICT' }, up('DISABLE', false)],
  ['migration, DR ISTIO_MUTUAL ("migration tls mutual")', MIGRATION('ISTIO_MUTUAL'), 'vlegacy', 80, true, { serviceMtlsMode: 'STRICT' }, up('ISTIO_MUTUAL', false)],
  ['TestBuildAutoMtlsSettings "...in plaintext mode": a namespace/mesh DISABLE switches auto mTLS off for the service', null, '', 80, true, { serviceMtlsMode: 'DISABLE' }, up(null, false)],
  ['"Do not auto fill nil settings for external" (MTLSUnknown)', null, '', 80, true, { serviceMtlsMode: null }, up(null, false)],
  ['"...in strict mode": auto mTLS on', null, '', 80, true, { serviceMtlsMode: 'STRICT' }, up(null, true)],
  ['an explicit DR mode beats the service-level DISABLE gate', '  trafficPolicy:\n    tls: {mode: ISTIO_MUTUAL}', '', 80, true, { serviceMtlsMode: 'DISABLE' }, up('ISTIO_MUTUAL', false)],
  ['buildUpstreamClusterTLSContext: SIMPLE with a Secret credentialName and no workloadSelector builds no TLS on sidecars',
    '  trafficPolicy:\n    tls: {mode: SIMPLE, credentialName: my-secret}', '', 443, true, {}, up('DISABLE', false)],
  ['…gateways keep it', '  trafficPolicy:\n    tls: {mode: SIMPLE, credentialName: my-secret}', '', 443, true, { proxyKind: 'gateway' }, up('SIMPLE', false)],
  ['buildUpstreamTLSSettings: ISTIO_MUTUAL without sni takes the default SNI', '  trafficPolicy:\n    tls: {mode: ISTIO_MUTUAL}', 'v1', 80, true,
    { istioMtlsSni: 'outbound_.80_.v1_.a.ns1.svc.cluster.local' }, { ...up('ISTIO_MUTUAL', false), sni: 'outbound_.80_.v1_.a.ns1.svc.cluster.local' }],
  ['buildUpstreamTLSSettings: a DR sni on ISTIO_MUTUAL wins over the default', '  trafficPolicy:\n    tls: {mode: ISTIO_MUTUAL, sni: my.sni}', '', 80, true,
    { istioMtlsSni: 'outbound_.80_._.a.ns1.svc.cluster.local' }, { ...up('ISTIO_MUTUAL', false), sni: 'my.sni' }],
  ['auto mTLS uses the default SNI (buildIstioMutualTLS(serviceAccounts, sni))', null, '', 80, true,
    { istioMtlsSni: 'outbound_.80_._.a.ns1.svc.cluster.local' }, { ...up(null, true), sni: 'outbound_.80_._.a.ns1.svc.cluster.local' }],
  ['DISABLE sends no SNI', '  trafficPolicy:\n    tls: {mode: DISABLE, sni: my.sni}', '', 80, true, { istioMtlsSni: 'x' }, up('DISABLE', false)],
  ['a subset the DR does not define falls back to the top-level policy', '  trafficPolicy:\n    tls: {mode: ISTIO_MUTUAL}', 'nope', 80, true, {}, up('ISTIO_MUTUAL', false)],
];

for (const [rule, spec, subset, port, auto, options, expected] of upstreamCases) {
  test(`upstreamTlsFor: ${rule}`, (t) => {
    t.deepEqual(upstreamTlsFor(spec === null ? null : destinationRule(spec), subset, port, auto, options), expected);
  });
}

// ---- clientUsesMtls ----------------------------------------------------------------------------------

const clientCases: [rule: string, upstream: UpstreamTls, sidecar: boolean, serverMode: InboundMtlsMode, expected: 'mtls' | 'tls' | 'plaintext'][] = [
  ['an explicit ISTIO_MUTUAL goes to a naked pod too (reachability sc→naked FAIL with DR ISTIO_MUTUAL)', up('ISTIO_MUTUAL', false), false, 'PERMISSIVE', 'mtls'],
  ['explicit ISTIO_MUTUAL ignores a DISABLE port (the DR wins in checkMtlsEnabled)', up('ISTIO_MUTUAL', false), true, 'DISABLE', 'mtls'],
  ['explicit DISABLE sends plaintext to a sidecar', up('DISABLE', false), true, 'STRICT', 'plaintext'],
  ['SIMPLE is TLS, not Istio mTLS', up('SIMPLE', false), true, 'PERMISSIVE', 'tls'],
  ['MUTUAL (user certificates) is TLS, not Istio mTLS', up('MUTUAL', false), true, 'STRICT', 'tls'],
  ['auto mTLS to a sidecar on a PERMISSIVE port', up(null, true), true, 'PERMISSIVE', 'mtls'],
  ['auto mTLS to a sidecar on a STRICT port', up(null, true), true, 'STRICT', 'mtls'],
  ['auto mTLS to a non-injected endpoint is plaintext (no tlsMode=istio label)', up(null, true), false, 'STRICT', 'plaintext'],
  ['auto mTLS to a port-level DISABLE endpoint port is plaintext (reachability "mtls port override")', up(null, true), true, 'DISABLE', 'plaintext'],
  ['auto mTLS off: plaintext even to a STRICT sidecar', up(null, false), true, 'STRICT', 'plaintext'],
];

for (const [rule, upstream, sidecar, serverMode, expected] of clientCases) {
  test(`clientUsesMtls: ${rule}`, (t) => {
    t.is(clientUsesMtls(upstream, { sidecar, serverMode }), expected);
  });
}

// ---- the client half of reachability "migration *" and §7.3 corners ---------------------------------

// Namespace ns1 STRICT; service `migration` with vistio (sidecar) and vlegacy (no sidecar). What the client
// sidecar sends to each; the server half (STRICT accepts only mTLS, the naked pod only plaintext) is in
// sim/proxy/mtls-cases.test.ts, giving: none → both ok; DISABLE → vlegacy only; ISTIO_MUTUAL → vistio only.
const migrationCases: [name: string, tlsMode: string | null, vistio: string, vlegacy: string][] = [
  ['migration no tls', null, 'mtls', 'plaintext'],
  ['migration tls disabled', 'DISABLE', 'plaintext', 'plaintext'],
  ['migration tls mutual', 'ISTIO_MUTUAL', 'mtls', 'mtls'],
];

for (const [name, tlsMode, vistio, vlegacy] of migrationCases) {
  test(`reachability "${name}": what the client sends to vistio / vlegacy`, (t) => {
    const pas = peerAuthentications(pa('default', 'ns1', { mode: 'STRICT' }));
    const dr = destinationRule(MIGRATION(tlsMode));
    const serviceMtlsMode = serviceMtlsModeFor(pas, svc(), ROOT);
    const send = (subset: string, sidecar: boolean, labels: Record<string, string>): string => {
      const serverMode = inboundModeForPort(inboundMtlsFor(pas, { namespace: 'ns1', labels }, ROOT), 8080);
      return clientUsesMtls(upstreamTlsFor(dr, subset, 80, true, { serviceMtlsMode }), { sidecar, serverMode });
    };
    t.deepEqual([send('vistio', true, { version: 'vistio' }), send('vlegacy', false, { version: 'vlegacy' })], [vistio, vlegacy]);
  });
}

test('[unconfirmed] §7.3: namespace DISABLE + workload STRICT → the client sends plaintext, which the STRICT server refuses', (t) => {
  const pas = peerAuthentications(pa('default', 'ns1', { mode: 'DISABLE' }), pa('foo', 'ns1', { mode: 'STRICT', selector: { app: 'foo' } }));
  const serverMode = inboundModeForPort(inboundMtlsFor(pas, FOO, ROOT), 8080);
  const upstream = upstreamTlsFor(null, '', 80, true, { serviceMtlsMode: serviceMtlsModeFor(pas, svc(), ROOT) });
  t.deepEqual([serverMode, clientUsesMtls(upstream, { sidecar: true, serverMode })], ['STRICT', 'plaintext']);
});
