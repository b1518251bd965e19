// Sidecar rules (Istio's ValidateSidecar and the CRD's CEL rules), checked through loadManifests so each
// case is a real manifest with real field paths.
import test from 'ava';
import { loadManifests } from './load-resources.ts';
import type { Resource } from './resource.ts';
import { checkSidecar } from './rules-sidecar.ts';

function findings(yaml: string) {
  return loadManifests([{ path: 't.yaml', text: yaml }]).diagnostics.map((d) => ({
    severity: d.severity, code: d.code, field: d.field, message: d.message,
  }));
}

const sidecar = (spec: string) => `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: bookinfo}
spec:
${spec}`;

const valid: [string, string][] = [
  ['namespace default: egress to its own namespace and istio-system', sidecar('  egress:\n  - hosts: ["./*", "istio-system/*"]')],
  ['workload Sidecar with an ingress listener, a port-bound egress listener and a catch-all', sidecar([
    '  workloadSelector:', '    labels: {app: ratings}',
    '  ingress:', '  - port: {number: 9080, protocol: HTTP, name: somename}', '    defaultEndpoint: 127.0.0.1:8080', '    captureMode: NONE',
    '  egress:', '  - port: {number: 3306, protocol: MYSQL, name: egressmysql}', '    captureMode: NONE', '    bind: 127.0.0.1', '    hosts: ["*/mysql.foo.com"]',
    '  - hosts: ["./*", "~/*.internal.example.com", "istio-system/*"]'].join('\n'))],
  ['a unix socket egress listener', sidecar('  egress:\n  - port: {number: 0, protocol: HTTP, name: uds}\n    bind: unix:///var/run/someuds.sock\n    hosts: ["*/*"]')],
  ['outbound traffic through an egress proxy with ALLOW_ANY', sidecar([
    '  outboundTrafficPolicy:', '    mode: ALLOW_ANY', '    egressProxy:', '      host: egress.istio-system.svc.cluster.local', '      subset: v1', '      port: {number: 443}'].join('\n'))],
  ['ingress TLS termination in SIMPLE mode on an HTTPS port', sidecar([
    '  ingress:', '  - port: {number: 8443, protocol: HTTPS, name: https}', '    defaultEndpoint: "[::1]:8080"',
    '    tls: {mode: SIMPLE, privateKey: /etc/certs/key.pem, serverCertificate: /etc/certs/cert.pem}'].join('\n'))],
];

for (const [title, yaml] of valid) {
  test(`valid: ${title}`, (t) => {
    t.deepEqual(findings(yaml), []);
  });
}

type Case = { rule: string; yaml: string; severity: 'error' | 'warning'; field: string; message: string };
const E = 'error' as const;
const W = 'warning' as const;

const failing: Case[] = [
  { rule: 'empty configuration', yaml: sidecar('  workloadSelector:\n    labels: {app: ratings}'),
    severity: E, field: 'spec', message: 'sidecar: empty configuration provided' },
  { rule: 'selector without labels', yaml: sidecar('  workloadSelector: {}\n  egress:\n  - hosts: ["./*"]'),
    severity: W, field: 'spec.workloadSelector', message: 'sidecar: workload selector specified without labels, will be applied to all services in namespace' },
  { rule: 'selector key with a wildcard', yaml: sidecar('  workloadSelector:\n    labels: {"app*": ratings}\n  egress:\n  - hosts: ["./*"]'),
    severity: E, field: 'spec.workloadSelector.labels.app*', message: 'wildcard is not supported in selector: "app*=ratings"' },
  { rule: 'egress host without a namespace', yaml: sidecar('  egress:\n  - hosts: [foo.example.com]'),
    severity: E, field: 'spec.egress[0].hosts[0]', message: 'host must be of form namespace/dnsName' },
  { rule: 'egress host with an empty part', yaml: sidecar('  egress:\n  - hosts: ["/foo.example.com"]'),
    severity: E, field: 'spec.egress[0].hosts[0]', message: 'config namespace and dnsName in host entry cannot be empty' },
  { rule: 'egress host namespace', yaml: sidecar('  egress:\n  - hosts: ["bad_ns/foo.example.com"]'),
    severity: E, field: 'spec.egress[0].hosts[0]', message: 'invalid namespace value "bad_ns" in sidecar' },
  { rule: 'egress short names', yaml: sidecar('  egress:\n  - hosts: ["./reviews"]'),
    severity: E, field: 'spec.egress[0].hosts[0]', message: 'short names (non FQDN) are not allowed' },
  { rule: 'egress dnsName syntax', yaml: sidecar('  egress:\n  - hosts: ["./foo_bar.example.com"]'),
    severity: E, field: 'spec.egress[0].hosts[0]', message: 'domain name "foo_bar.example.com" invalid (label "foo_bar" invalid)' },
  { rule: 'egress partial wildcard', yaml: sidecar('  egress:\n  - hosts: ["./foo*.example.com"]'),
    severity: E, field: 'spec.egress[0].hosts[0]', message: 'partial wildcard "foo*.example.com" not allowed' },
  { rule: 'egress listener must have hosts', yaml: sidecar('  egress:\n  - hosts: []'),
    severity: E, field: 'spec.egress[0].hosts', message: 'sidecar: egress listener must contain at least one host' },
  { rule: 'catch-all egress listener comes last', yaml: sidecar('  egress:\n  - hosts: ["./*"]\n  - port: {number: 80, protocol: HTTP, name: http}\n    hosts: ["./*"]'),
    severity: E, field: 'spec.egress[0]', message: 'sidecar: the egress listener with empty port should be the last listener in the list' },
  { rule: 'two catch-all egress listeners', yaml: sidecar('  egress:\n  - hosts: ["./*"]\n  - hosts: ["istio-system/*"]'),
    severity: E, field: 'spec.egress[0]', message: 'sidecar: the egress listener with empty port should be the last listener in the list' },
  { rule: 'egress ports are unique', yaml: sidecar('  egress:\n  - port: {number: 80, protocol: HTTP, name: a}\n    hosts: ["./*"]\n  - port: {number: 80, protocol: HTTP, name: b}\n    hosts: ["istio-system/*"]'),
    severity: E, field: 'spec.egress[1].port.number', message: 'sidecar: ports on IP bound listeners must be unique' },
  { rule: 'egress port 0 needs a unix bind', yaml: sidecar('  egress:\n  - port: {number: 0, protocol: HTTP, name: uds}\n    hosts: ["./*"]'),
    severity: E, field: 'spec.egress[0].bind', message: 'sidecar: ports with 0 value must have a unix domain socket bind address' },
  { rule: 'egress unix listeners capture DEFAULT/NONE', yaml: sidecar('  egress:\n  - port: {number: 0, protocol: HTTP, name: uds}\n    bind: unix:///var/run/a.sock\n    captureMode: IPTABLES\n    hosts: ["./*"]'),
    severity: E, field: 'spec.egress[0].captureMode', message: 'sidecar: captureMode must be DEFAULT/NONE for unix domain socket listeners' },
  { rule: 'egress bind is an IP', yaml: sidecar('  egress:\n  - port: {number: 80, protocol: HTTP, name: http}\n    bind: localhost\n    hosts: ["./*"]'),
    severity: E, field: 'spec.egress[0].bind', message: 'localhost is not a valid IP' },
  { rule: 'egress port protocol', yaml: sidecar('  egress:\n  - port: {number: 21, protocol: FTP, name: ftp}\n    hosts: ["./*"]'),
    severity: E, field: 'spec.egress[0].port.protocol', message: 'unsupported protocol: FTP' },
  { rule: 'targetPort has no impact', yaml: sidecar('  egress:\n  - port: {number: 80, protocol: HTTP, name: http, targetPort: 8080}\n    hosts: ["./*"]'),
    severity: E, field: 'spec.egress[0].port.targetPort', message: 'targetPort has no impact on Sidecars' },
  { rule: 'duplicated egress host', yaml: sidecar('  egress:\n  - hosts: ["bookinfo/*", "./reviews.bookinfo.svc.cluster.local"]'),
    severity: W, field: 'spec.egress[0].hosts[1]', message: 'duplicated egress host: ./reviews.bookinfo.svc.cluster.local' },
  { rule: '*/* with other hosts', yaml: sidecar('  egress:\n  - hosts: ["*/*", "istio-system/*"]'),
    severity: W, field: 'spec.egress[0].hosts', message: '`*/*` host select all resources, no other hosts can be added' },
  { rule: 'ingress port range', yaml: sidecar('  ingress:\n  - port: {number: 70000, protocol: HTTP, name: http}'),
    severity: E, field: 'spec.ingress[0].port.number', message: 'port number 70000 must be in the range 1..65535' },
  { rule: 'ingress ports are unique', yaml: sidecar('  ingress:\n  - port: {number: 9080, protocol: HTTP, name: a}\n  - port: {number: 9080, protocol: HTTP, name: b}'),
    severity: E, field: 'spec.ingress[1].port.number', message: 'sidecar: ports on IP bound listeners must be unique' },
  { rule: 'ingress port name', yaml: sidecar('  ingress:\n  - port: {number: 9080, protocol: HTTP, name: http_web}'),
    severity: E, field: 'spec.ingress[0].port.name', message: 'invalid port name: http_web' },
  { rule: 'defaultEndpoint host', yaml: sidecar('  ingress:\n  - port: {number: 9080, protocol: HTTP, name: http}\n    defaultEndpoint: 10.0.0.1:8080'),
    severity: E, field: 'spec.ingress[0].defaultEndpoint', message: 'sidecar: defaultEndpoint must be of form 127.0.0.1:<port>,0.0.0.0:<port>,[::1]:port,[::]:port,unix://filepath or unset' },
  { rule: 'defaultEndpoint without a port', yaml: sidecar('  ingress:\n  - port: {number: 9080, protocol: HTTP, name: http}\n    defaultEndpoint: 127.0.0.1'),
    severity: E, field: 'spec.ingress[0].defaultEndpoint', message: 'address 127.0.0.1: missing port in address' },
  { rule: 'defaultEndpoint port is a number', yaml: sidecar('  ingress:\n  - port: {number: 9080, protocol: HTTP, name: http}\n    defaultEndpoint: 127.0.0.1:http'),
    severity: E, field: 'spec.ingress[0].defaultEndpoint', message: 'sidecar: defaultEndpoint port (http) is not a number: strconv.Atoi: parsing "http": invalid syntax' },
  { rule: 'defaultEndpoint unix path', yaml: sidecar('  ingress:\n  - port: {number: 9080, protocol: HTTP, name: http}\n    defaultEndpoint: unix://var/run/app.sock'),
    severity: E, field: 'spec.ingress[0].defaultEndpoint', message: 'var/run/app.sock is not an absolute path to a file' },
  { rule: 'ingress tls on a plain port', yaml: sidecar('  ingress:\n  - port: {number: 9080, protocol: HTTP, name: http}\n    tls: {mode: SIMPLE, privateKey: /k.pem, serverCertificate: /c.pem}'),
    severity: E, field: 'spec.ingress[0].port.protocol', message: 'server cannot have TLS settings for non HTTPS/TLS ports' },
  { rule: 'ingress tls mode ISTIO_MUTUAL', yaml: sidecar('  ingress:\n  - port: {number: 8443, protocol: HTTPS, name: https}\n    tls: {mode: ISTIO_MUTUAL}'),
    severity: E, field: 'spec.ingress[0].tls.mode', message: 'configuration is invalid: cannot set mode to ISTIO_MUTUAL in sidecar ingress tls' },
  { rule: 'ingress tls credentialName', yaml: sidecar('  ingress:\n  - port: {number: 8443, protocol: HTTPS, name: https}\n    tls: {mode: SIMPLE, credentialName: my-cert}'),
    severity: E, field: 'spec.ingress[0].tls.credentialName', message: 'sidecar: credentialName is not currently supported' },
  { rule: 'HTTP pool settings on a TCP port', yaml: sidecar('  ingress:\n  - port: {number: 9080, protocol: TCP, name: tcp}\n    connectionPool:\n      http: {http1MaxPendingRequests: 10}'),
    severity: W, field: 'spec.ingress[0].connectionPool.http', message: 'sidecar: HTTP connection pool settings are configured for port 9080 ("tcp") but its protocol is not HTTP (TCP); only TCP settings will apply' },
  { rule: 'egressProxy needs ALLOW_ANY', yaml: sidecar('  outboundTrafficPolicy:\n    mode: REGISTRY_ONLY\n    egressProxy:\n      host: egress.istio-system.svc.cluster.local\n      port: {number: 443}'),
    severity: E, field: 'spec.outboundTrafficPolicy.egressProxy', message: 'sidecar: egress_proxy must be set only with ALLOW_ANY outbound_traffic_policy mode' },
  { rule: 'egressProxy needs a port', yaml: sidecar('  outboundTrafficPolicy:\n    mode: ALLOW_ANY\n    egressProxy:\n      host: egress.istio-system.svc.cluster.local'),
    severity: E, field: 'spec.outboundTrafficPolicy.egressProxy', message: 'sidecar: egress_proxy port must be non-nil' },
  { rule: 'egressProxy host is an FQDN', yaml: sidecar('  outboundTrafficPolicy:\n    mode: ALLOW_ANY\n    egressProxy:\n      host: egress_proxy\n      port: {number: 443}'),
    severity: E, field: 'spec.outboundTrafficPolicy.egressProxy.host', message: 'domain name "egress_proxy" invalid (label "egress_proxy" invalid)' },
];

for (const c of failing) {
  test(`fires: ${c.rule}`, (t) => {
    const found = findings(c.yaml);
    const hit = found.find((d) => d.message === c.message && d.field === c.field);
    t.deepEqual(hit, { severity: c.severity, code: c.severity === 'error' ? 'MS0106' : 'MS0107', field: c.field, message: c.message }, JSON.stringify(found, null, 1));
  });
}

function loaded(yaml: string): Resource<'Sidecar'> {
  const resource = loadManifests([{ path: 't.yaml', text: yaml }]).resources[0];
  if (resource === undefined || resource.kind !== 'Sidecar') throw new Error('no Sidecar loaded');
  return resource;
}

test('a selector error ends validation, as in Istio', (t) => {
  const r = loaded(sidecar('  egress:\n  - hosts: ["./*"]'));
  const found = checkSidecar({ ...r, spec: { workloadSelector: { labels: { '': 'x' } }, egress: [{ hosts: ['reviews'] }] } });
  t.deepEqual(found.map((x) => [x.severity, x.path, x.message]), [['error', ['spec', 'workloadSelector', 'labels', ''], 'empty key is not supported in selector: "=x"']]);
});

test('an empty Sidecar drops the selector warning, as in Istio', (t) => {
  const r = loaded(sidecar('  egress:\n  - hosts: ["./*"]'));
  const found = checkSidecar({ ...r, spec: { workloadSelector: {} } });
  t.deepEqual(found.map((x) => x.message), ['sidecar: empty configuration provided']);
});

test('the schema requires an ingress port; the webhook rule stands behind it', (t) => {
  const r = loaded(sidecar('  egress:\n  - hosts: ["./*"]'));
  const found = checkSidecar({ ...r, spec: { ingress: [{} as never] } });
  t.deepEqual(found.map((x) => [x.path, x.message]), [[['spec', 'ingress', 0], 'sidecar: port is required for ingress listeners']]);
});

test('`ns/*` after a host of that namespace is a duplicate too; `~ns/...` hosts are not counted', (t) => {
  const r = loaded(sidecar('  egress:\n  - hosts: ["./*"]'));
  const found = checkSidecar({ ...r, spec: { egress: [{ hosts: ['bookinfo/a.example.com', './*', '~bookinfo/a.example.com', '~bookinfo/a.example.com'] }] } });
  t.deepEqual(found.map((x) => [x.severity, x.path, x.message]), [['warning', ['spec', 'egress', 0, 'hosts', 1], 'duplicated egress host: ./*']]);
});
