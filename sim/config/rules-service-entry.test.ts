// ServiceEntry and WorkloadEntry rules (Istio's ValidateServiceEntry / ValidateWorkloadEntry and the CRDs'
// CEL rules), checked through loadManifests so each case is a real manifest with real field paths.
import test from 'ava';
import { loadManifests } from './load-resources.ts';
import type { Resource } from './resource.ts';
import { checkServiceEntry, checkWorkloadEntry } from './rules-service-entry.ts';

function findings(yaml: string) {
  return loadManifests([{ path: 't.yaml', text: yaml }]).diagnostics.map((d) => ({
    severity: d.severity, code: d.code, field: d.field, message: d.message,
  }));
}

const se = (spec: string, labels = '') => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: external, namespace: shop${labels === '' ? '' : `, labels: {${labels}}`}}
spec:
${spec}`;

const we = (spec: string) => `apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: details-vm, namespace: bookinfo}
spec:
${spec}`;

const EGRESS_TLS = '  hosts: [api.example.com]\n  location: MESH_EXTERNAL\n  ports:\n  - {number: 443, name: tls, protocol: TLS}\n  resolution: DNS';

const valid: [string, string][] = [
  ['egress TLS to api.example.com, resolution DNS', se(EGRESS_TLS)],
  ['mesh-internal STATIC entry with a CIDR address and endpoints', se([
    '  hosts: [mymongodb.somedomain]', '  addresses: [192.192.192.192/24]', '  ports:', '  - {number: 27018, name: mongodb, protocol: MONGO}',
    '  location: MESH_INTERNAL', '  resolution: STATIC', '  endpoints:', '  - address: 2.2.2.2', '  - address: 3.3.3.3', '    labels: {version: v2}'].join('\n'))],
  ['DNS entry with hostname endpoints on named ports', se([
    '  hosts: [foo.bar.com]', '  location: MESH_EXTERNAL', '  ports:', '  - {number: 80, name: http, protocol: HTTP}', '  resolution: DNS',
    '  endpoints:', '  - address: us.foo.bar.com', '    ports: {http: 8080}', '  - address: uk.foo.bar.com', '    ports: {http: 9080}'].join('\n'))],
  ['wildcard hosts with resolution NONE on HTTP and TLS ports', se([
    '  hosts: ["*.bar.com", "*.foo.com"]', '  location: MESH_EXTERNAL', '  ports:', '  - {number: 80, name: http, protocol: HTTP}',
    '  - {number: 443, name: https, protocol: TLS}', '  resolution: NONE'].join('\n'))],
  ['STATIC entry selecting workloads by label (TCP: the address is auto-allocated)', se([
    '  hosts: [mysqldb.svc.com]', '  ports:', '  - {number: 3306, name: mysql, protocol: TCP}', '  location: MESH_INTERNAL', '  resolution: STATIC',
    '  workloadSelector:', '    labels: {app: mysqldb}'].join('\n'))],
  ['a unix socket endpoint with one service port', se([
    '  hosts: [unix.example.com]', '  ports:', '  - {number: 80, name: http, protocol: HTTP}', '  resolution: STATIC',
    '  endpoints:', '  - address: unix:///var/run/example/socket'].join('\n'))],
  ['DNS_ROUND_ROBIN with one endpoint, exported to the namespace only', se([
    '  hosts: [db.example.com]', '  ports:', '  - {number: 5432, name: tcp-postgres, protocol: TCP}', '  resolution: DNS_ROUND_ROBIN',
    '  endpoints:', '  - address: db.internal.example.com', '  exportTo: ["."]'].join('\n'))],
  ['a WorkloadEntry for a VM', we('  serviceAccount: details-legacy\n  address: 2.2.2.2\n  labels: {app: details-legacy, instance-id: vm1}\n  ports: {http: 8080}')],
  ['a WorkloadEntry with a hostname address', we('  address: vm1.example.com\n  labels: {app: details}')],
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
  { rule: 'CEL: hostname cannot be wildcard', yaml: se('  hosts: ["*"]\n  ports:\n  - {number: 80, name: http, protocol: HTTP}'),
    severity: E, field: 'spec.hosts[0]', message: 'hostname cannot be wildcard' },
  { rule: 'ValidateWildcardDomain on hosts', yaml: se('  hosts: [foo_bar.com]\n  ports:\n  - {number: 80, name: http, protocol: HTTP}'),
    severity: E, field: 'spec.hosts[0]', message: 'domain name "foo_bar.com" invalid (label "foo_bar" invalid)' },
  { rule: 'ValidatePartialWildCard is a warning', yaml: se('  hosts: ["*foo.example.com"]\n  ports:\n  - {number: 80, name: http, protocol: HTTP}'),
    severity: W, field: 'spec.hosts[0]', message: 'partial wildcard "*foo.example.com" not allowed' },
  { rule: 'DNS without endpoints needs FQDN hosts', yaml: se('  hosts: ["*.example.com"]\n  ports:\n  - {number: 443, name: tls, protocol: TLS}\n  resolution: DNS'),
    severity: E, field: 'spec.hosts[0]', message: 'hosts must be FQDN or contain only prefix wildcards if no endpoints are provided for resolution mode DNS, domain name "*.example.com" invalid (label "*" invalid)' },
  { rule: 'several hosts on a TCP port', yaml: se('  hosts: [a.example.com, b.example.com]\n  ports:\n  - {number: 5432, name: db, protocol: TCP}\n  resolution: DNS'),
    severity: E, field: 'spec.ports[0].protocol', message: 'multiple hosts provided with non-HTTP, non-TLS ports' },
  { rule: 'several hosts on a port with no protocol', yaml: se('  hosts: [a.example.com, b.example.com]\n  ports:\n  - {number: 8080, name: web}\n  resolution: DNS'),
    severity: E, field: 'spec.ports[0].protocol', message: 'multiple hosts provided with non-HTTP, non-TLS ports' },
  { rule: 'addresses are IPs', yaml: se('  hosts: [a.example.com]\n  addresses: [not-an-ip]\n  ports:\n  - {number: 80, name: http, protocol: HTTP}\n  resolution: STATIC'),
    severity: E, field: 'spec.addresses[0]', message: 'not-an-ip is not a valid IP' },
  { rule: 'addresses are CIDR blocks', yaml: se('  hosts: [a.example.com]\n  addresses: [10.0.0.0/33]\n  ports:\n  - {number: 80, name: http, protocol: HTTP}\n  resolution: STATIC'),
    severity: E, field: 'spec.addresses[0]', message: '10.0.0.0/33 is not a valid CIDR block' },
  { rule: 'CEL: CIDR addresses only for NONE/STATIC', yaml: se('  hosts: [a.example.com]\n  addresses: [10.0.0.0/24]\n  ports:\n  - {number: 80, name: http, protocol: HTTP}\n  resolution: DNS'),
    severity: E, field: 'spec.addresses[0]', message: 'CIDR addresses are allowed only for NONE/STATIC resolution types' },
  { rule: 'port names are unique', yaml: se('  hosts: [a.example.com]\n  ports:\n  - {number: 80, name: http, protocol: HTTP}\n  - {number: 8080, name: http, protocol: HTTP}\n  resolution: DNS'),
    severity: E, field: 'spec.ports[1].name', message: 'service entry port name "http" already defined' },
  { rule: 'CEL: port numbers are unique', yaml: se('  hosts: [a.example.com]\n  ports:\n  - {number: 80, name: http, protocol: HTTP}\n  - {number: 80, name: web, protocol: HTTP}\n  resolution: DNS'),
    severity: E, field: 'spec.ports[1].number', message: 'port number cannot be duplicated' },
  { rule: 'CEL: port number range', yaml: se('  hosts: [a.example.com]\n  ports:\n  - {number: 0, name: http, protocol: HTTP}\n  resolution: DNS'),
    severity: E, field: 'spec.ports[0].number', message: 'port must be between 1-65535' },
  { rule: 'ValidatePortName', yaml: se('  hosts: [a.example.com]\n  ports:\n  - {number: 80, name: http_web, protocol: HTTP}\n  resolution: DNS'),
    severity: E, field: 'spec.ports[0].name', message: 'invalid port name: http_web' },
  { rule: 'ValidateProtocol', yaml: se('  hosts: [a.example.com]\n  ports:\n  - {number: 21, name: ftp, protocol: FTP}\n  resolution: DNS'),
    severity: E, field: 'spec.ports[0].protocol', message: 'unsupported protocol: FTP' },
  { rule: 'CEL: NONE mode cannot set endpoints', yaml: se('  hosts: [a.example.com]\n  ports:\n  - {number: 80, name: http, protocol: HTTP}\n  endpoints:\n  - address: 1.1.1.1'),
    severity: E, field: 'spec.endpoints', message: 'NONE mode cannot set endpoints' },
  { rule: 'STATIC endpoints are IPs', yaml: se('  hosts: [a.example.com]\n  ports:\n  - {number: 80, name: http, protocol: HTTP}\n  resolution: STATIC\n  endpoints:\n  - address: db.example.com'),
    severity: E, field: 'spec.endpoints[0].address', message: 'endpoint address "db.example.com" is not a valid IP address' },
  { rule: 'endpoint ports are named by the entry', yaml: se('  hosts: [a.example.com]\n  ports:\n  - {number: 80, name: http, protocol: HTTP}\n  resolution: STATIC\n  endpoints:\n  - address: 1.1.1.1\n    ports: {grpc: 9000}'),
    severity: E, field: 'spec.endpoints[0].ports.grpc', message: 'endpoint port 9000 is not defined by the service entry' },
  { rule: 'CEL: DNS_ROUND_ROBIN has at most one endpoint', yaml: se('  hosts: [a.example.com]\n  ports:\n  - {number: 80, name: http, protocol: HTTP}\n  resolution: DNS_ROUND_ROBIN\n  endpoints:\n  - address: a1.example.com\n  - address: a2.example.com'),
    severity: E, field: 'spec.endpoints[1]', message: 'DNS_ROUND_ROBIN mode cannot have multiple endpoints' },
  { rule: 'DNS endpoints are FQDNs or IPs', yaml: se('  hosts: [a.example.com]\n  ports:\n  - {number: 80, name: http, protocol: HTTP}\n  resolution: DNS\n  endpoints:\n  - address: bad_host'),
    severity: E, field: 'spec.endpoints[0].address', message: 'endpoint address "bad_host" is not a valid FQDN or an IP address' },
  { rule: 'CEL: workloadSelector or endpoints', yaml: se('  hosts: [a.example.com]\n  ports:\n  - {number: 80, name: http, protocol: HTTP}\n  resolution: STATIC\n  workloadSelector:\n    labels: {app: db}\n  endpoints:\n  - address: 1.1.1.1'),
    severity: E, field: 'spec.endpoints', message: 'only one of WorkloadSelector or Endpoints can be set' },
  { rule: 'CEL: endpoint address is required', yaml: se('  hosts: [a.example.com]\n  ports:\n  - {number: 80, name: http, protocol: HTTP}\n  resolution: STATIC\n  endpoints:\n  - labels: {app: db}'),
    severity: E, field: 'spec.endpoints[0]', message: 'Address is required' },
  { rule: 'CEL: UDS may not include ports', yaml: se('  hosts: [a.example.com]\n  ports:\n  - {number: 80, name: http, protocol: HTTP}\n  resolution: STATIC\n  endpoints:\n  - address: unix:///var/run/a.sock\n    ports: {http: 80}'),
    severity: E, field: 'spec.endpoints[0].ports', message: 'UDS may not include ports' },
  { rule: 'CEL: UDS must be an absolute path', yaml: se('  hosts: [a.example.com]\n  ports:\n  - {number: 80, name: http, protocol: HTTP}\n  resolution: STATIC\n  endpoints:\n  - address: unix://var/run/a.sock'),
    severity: E, field: 'spec.endpoints[0].address', message: 'UDS must be an absolute path or abstract socket' },
  { rule: 'unix endpoints need exactly one service port', yaml: se('  hosts: [a.example.com]\n  ports:\n  - {number: 80, name: http, protocol: HTTP}\n  - {number: 81, name: http-alt, protocol: HTTP}\n  resolution: STATIC\n  endpoints:\n  - address: unix:///var/run/a.sock'),
    severity: E, field: 'spec.endpoints[0].address', message: 'exactly 1 service port required for unix endpoints' },
  { rule: 'endpoint labels', yaml: se('  hosts: [a.example.com]\n  ports:\n  - {number: 80, name: http, protocol: HTTP}\n  resolution: STATIC\n  endpoints:\n  - address: 1.1.1.1\n    labels: {version: "v 1"}'),
    severity: E, field: 'spec.endpoints[0].labels.version', message: 'invalid tag value: "v 1"' },
  { rule: 'selector without labels', yaml: se('  hosts: [a.example.com]\n  ports:\n  - {number: 80, name: http, protocol: HTTP}\n  resolution: STATIC\n  workloadSelector: {labels: {}}'),
    severity: W, field: 'spec.workloadSelector', message: 'service entry: workload selector specified without labels, will be applied to all services in namespace' },
  { rule: 'CEL: selector values have no wildcard', yaml: se('  hosts: [a.example.com]\n  ports:\n  - {number: 80, name: http, protocol: HTTP}\n  resolution: STATIC\n  workloadSelector: {labels: {app: "db*"}}'),
    severity: E, field: 'spec.workloadSelector.labels.app', message: 'wildcard is not supported in selector' },
  { rule: 'resolution NONE ignores a workloadSelector', yaml: se('  hosts: [a.example.com]\n  addresses: [240.0.0.1]\n  ports:\n  - {number: 80, name: http, protocol: HTTP}\n  resolution: NONE\n  workloadSelector: {labels: {app: db}}'),
    severity: W, field: 'spec.workloadSelector', message: 'workloadSelector should not be set when resolution mode is NONE' },
  { rule: 'exportTo: ~ alone', yaml: se('  hosts: [a.example.com]\n  ports:\n  - {number: 80, name: http, protocol: HTTP}\n  resolution: DNS\n  exportTo: ["~", "default"]'),
    severity: E, field: 'spec.exportTo', message: 'cannot export service entry to no one (~) and someone' },
  { rule: 'TCP without addresses when resolution is NONE', yaml: se('  hosts: [a.example.com]\n  ports:\n  - {number: 5432, name: db, protocol: TCP}'),
    severity: W, field: 'spec.ports[0].protocol', message: 'addresses are required for ports serving TCP (or unset) protocol when IP Autoallocation is not enabled' },
  { rule: 'TCP without addresses when auto-allocation is opted out', yaml: se('  hosts: [a.example.com]\n  ports:\n  - {number: 5432, name: db}\n  resolution: DNS', '"networking.istio.io/enable-autoallocate-ip": "false"'),
    severity: W, field: 'spec.ports[0].protocol', message: 'addresses are required for ports serving TCP (or unset) protocol when IP Autoallocation is not enabled' },
  { rule: 'one address, a TCP port and several hosts', yaml: se('  hosts: [a.example.com, b.example.com]\n  addresses: [240.0.0.1]\n  ports:\n  - {number: 443, name: tls, protocol: TLS}\n  resolution: DNS'),
    severity: W, field: 'spec.ports[0].protocol', message: 'service entry can not have more than one host specified simultaneously with address and tcp port' },
  { rule: 'DYNAMIC_DNS needs wildcard hosts', yaml: se('  hosts: [a.example.com]\n  ports:\n  - {number: 443, name: tls, protocol: TLS}\n  resolution: DYNAMIC_DNS'),
    severity: E, field: 'spec.hosts[0]', message: 'host must be wildcarded for resolution mode DYNAMIC_DNS' },
  { rule: 'WE: CEL address is required', yaml: we('  labels: {app: details}'),
    severity: E, field: 'spec', message: 'Address is required' },
  { rule: 'WE: an empty address', yaml: we('  address: ""'),
    severity: E, field: 'spec.address', message: 'address is required' },
  { rule: 'WE: network without address', yaml: we('  network: net-2\n  labels: {app: details}'),
    severity: W, field: 'spec.network', message: 'address is unset with network "net-2"' },
  { rule: 'WE: address is an IP, FQDN or unix path', yaml: we('  address: bad_host'),
    severity: E, field: 'spec.address', message: 'endpoint address "bad_host" is not a valid FQDN or an IP address' },
  { rule: 'WE: CEL UDS may not include ports', yaml: we('  address: unix:///var/run/a.sock\n  ports: {http: 80}'),
    severity: E, field: 'spec.ports', message: 'UDS may not include ports' },
  { rule: 'WE: CEL port names', yaml: we('  address: 2.2.2.2\n  ports: {http_alt: 80}'),
    severity: E, field: 'spec.ports.http_alt', message: 'port name must be valid' },
  { rule: 'WE: CEL port range', yaml: we('  address: 2.2.2.2\n  ports: {http: 0}'),
    severity: E, field: 'spec.ports.http', message: 'port must be between 1-65535' },
  { rule: 'WE: label syntax', yaml: we('  address: 2.2.2.2\n  labels: {"-app": details}'),
    severity: E, field: 'spec.labels.-app', message: 'invalid tag key: "-app"' },
];

for (const c of failing) {
  test(`fires: ${c.rule}`, (t) => {
    const found = findings(c.yaml);
    const hit = found.find((d) => d.message === c.message && d.field === c.field);
    t.deepEqual(hit, { severity: c.severity, code: c.severity === 'error' ? 'MS0106' : 'MS0107', field: c.field, message: c.message }, JSON.stringify(found, null, 1));
  });
}

function loaded<K extends 'ServiceEntry' | 'WorkloadEntry'>(yaml: string, kind: K): Resource<K> {
  const resource = loadManifests([{ path: 't.yaml', text: yaml }]).resources[0];
  if (resource === undefined || resource.kind !== kind) throw new Error(`no ${kind} loaded`);
  return resource as Resource<K>;
}

test('the schema refuses an empty hosts list first; the webhook rule stands behind it', (t) => {
  const r = loaded(se(EGRESS_TLS), 'ServiceEntry');
  const found = checkServiceEntry({ ...r, spec: { ...r.spec, hosts: [] } });
  t.deepEqual(found.map((x) => [x.severity, x.path, x.message]), [['error', ['spec', 'hosts'], 'service entry must have at least one host']]);
});

test('a selector key with a wildcard ends ServiceEntry validation, as in Istio', (t) => {
  const r = loaded(se(EGRESS_TLS), 'ServiceEntry');
  const found = checkServiceEntry({ ...r, spec: { ...r.spec, hosts: ['foo_bar.com'], workloadSelector: { labels: { 'app*': 'db' } } } });
  t.deepEqual(found.map((x) => [x.path, x.message]), [[['spec', 'workloadSelector', 'labels', 'app*'], 'wildcard is not supported in selector: "app*=db"']]);
});

test('DYNAMIC_DNS skips the partial-wildcard warning and refuses addresses and TCP', (t) => {
  const r = loaded(se(EGRESS_TLS), 'ServiceEntry');
  const found = checkServiceEntry({ ...r, spec: { ...r.spec, hosts: ['*api.example.com'], resolution: 'DYNAMIC_DNS', addresses: ['240.0.0.1'], ports: [{ number: 5432, name: 'db', protocol: 'TCP' }] } });
  t.deepEqual(found.map((x) => x.path.join('.')), ['spec.addresses', 'spec.ports.0.protocol']);
  t.false(found.some((x) => x.message.startsWith('partial wildcard')));
});

test('an endpoint with only a network is fine for STATIC, with a warning; a WorkloadEntry too', (t) => {
  const r = loaded(se(EGRESS_TLS), 'ServiceEntry');
  const found = checkServiceEntry({ ...r, spec: { ...r.spec, resolution: 'STATIC', endpoints: [{ network: 'net-2' }] } });
  t.deepEqual(found.map((x) => [x.severity, x.path, x.message]), [['warning', ['spec', 'endpoints', 0, 'network'], 'address is unset with network "net-2"']]);
  const w = loaded(we('  address: 2.2.2.2'), 'WorkloadEntry');
  t.deepEqual(checkWorkloadEntry({ ...w, spec: { network: 'net-2' } }).map((x) => x.severity), ['warning']);
});
