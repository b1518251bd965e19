import test from 'ava';
import { proxyConfigAnnotation, readMeshConfig } from './mesh-config.ts';

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

test('extensionProviders: ext_authz entries with their decision fields; other kinds keep their kind only', (t) => {
  const reading = readMeshConfig(`extensionProviders:
- name: sample-ext-authz-grpc
  envoyExtAuthzGrpc: {service: ext-authz.foo.svc.cluster.local, port: "9000"}
- name: sample-ext-authz-http
  envoyExtAuthzHttp:
    service: foo/ext-authz.foo.svc.cluster.local
    port: 8000
    failOpen: true
    statusOnError: "503"
    pathPrefix: /check
    includeRequestHeadersInCheck: ["x-ext-authz"]
- name: tracing
  zipkin: {service: zipkin.istio-system.svc.cluster.local, port: 9411}
`);
  t.deepEqual(reading.problems, []);
  t.deepEqual(reading.config.extensionProviders, [
    { name: 'sample-ext-authz-grpc', kind: 'envoyExtAuthzGrpc', service: 'ext-authz.foo.svc.cluster.local', port: 9000, failOpen: false, statusOnError: '', pathPrefix: '', headerLists: {} },
    { name: 'sample-ext-authz-http', kind: 'envoyExtAuthzHttp', service: 'foo/ext-authz.foo.svc.cluster.local', port: 8000, failOpen: true, statusOnError: '503',
      pathPrefix: '/check', headerLists: { includeRequestHeadersInCheck: ['x-ext-authz'] } },
    { name: 'tracing', kind: 'other', type: 'zipkin' },
  ]);
});

test('extensionProviders: wrong types are problems and read as absent', (t) => {
  const reading = readMeshConfig('extensionProviders:\n- name: a\n  envoyExtAuthzHttp: {service: 7, port: "x", failOpen: "yes", includeRequestHeadersInCheck: "x"}\n- 3\n');
  t.deepEqual(reading.problems.map((p) => p.field), ['extensionProviders[0].envoyExtAuthzHttp.port', 'extensionProviders[0].envoyExtAuthzHttp.failOpen',
    'extensionProviders[0].envoyExtAuthzHttp.includeRequestHeadersInCheck', 'extensionProviders[0].envoyExtAuthzHttp.service', 'extensionProviders[1]']);
  t.like(reading.config.extensionProviders?.[0], { name: 'a', service: '', port: 0, failOpen: false });
  t.deepEqual(readMeshConfig('extensionProviders: {a: 1}\n').problems.map((p) => p.field), ['extensionProviders']);
});

test('pathNormalization and defaultConfig.gatewayTopology are read as Istio writes them', (t) => {
  const read = readMeshConfig('pathNormalization: {normalization: DEFAULT}\ndefaultConfig:\n  gatewayTopology: {numTrustedProxies: "2"}\n');
  t.deepEqual(read.config.pathNormalization, { normalization: 'BASE' });
  t.deepEqual(read.config.defaultConfig, { gatewayTopology: { numTrustedProxies: 2 } });
  t.deepEqual(read.problems, []);
  const bad = readMeshConfig('pathNormalization: {normalization: SOMETIMES}\ndefaultConfig: {gatewayTopology: {numTrustedProxies: -1}}\n');
  t.deepEqual(bad.problems.map((p) => p.field), ['pathNormalization.normalization', 'defaultConfig.gatewayTopology.numTrustedProxies']);
});

test('the proxy.istio.io/config annotation gives a gateway its own trusted proxies', (t) => {
  t.deepEqual(proxyConfigAnnotation({ 'proxy.istio.io/config': '{"gatewayTopology": {"numTrustedProxies": 1}}' }), { gatewayTopology: { numTrustedProxies: 1 } });
  t.is(proxyConfigAnnotation({}), null);
  t.is(proxyConfigAnnotation({ 'proxy.istio.io/config': 'gatewayTopology: [' }), null);
});
