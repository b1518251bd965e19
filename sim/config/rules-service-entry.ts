/**
 * ServiceEntry and WorkloadEntry rules: Istio's webhook (ValidateServiceEntry, ValidateWorkloadEntry and
 * validateWorkloadEntry in pkg/config/validation/validation.go) and the CRDs' CEL rules, with their texts.
 *
 * Invariants: pure; every finding points at the field at fault. Where a CEL rule and a webhook rule catch
 * the same mistake, only the CEL text is reported: the API server refuses the object before the webhook
 * runs, so that is what `kubectl apply` prints. CEL's `has()` counts a field written as `[]`; the webhook
 * sees an empty list as unset (Istio's JSON-to-proto decoding), and each rule here follows its source.
 * The addresses-required warning assumes istiod's default PILOT_ENABLE_IP_AUTOALLOCATE=true, so it fires
 * only for resolution NONE or the label `networking.istio.io/enable-autoallocate-ip: "false"`.
 *
 * Not modelled: the webhook's port-name check on endpoint ports (the CEL rule refuses the same names
 * first, except 63-character ones); DYNAMIC_DNS's `location` check (unreachable: the enum has only the
 * two allowed values); `endpoint cannot be nil` / `ports cannot be nil` (YAML nulls decode as empty
 * objects); maxItems/maxLength limits (the schema check owns them).
 */
import type { FieldPath, Resource } from './resource.ts';
import { EXPORT_TO_HINT, Findings, exportToProblems, fqdnProblem, isIp, wildcardDomainProblem, isPartialWildcard } from './rules-common.ts';
import type { RuleFinding } from './rules-common.ts';
import { checkAlphaSelector, hasLabels, ipSubnetProblem, labelProblems, portNameProblem, present } from './rules-fields.ts';
import { isHttpProtocol, isTcpProtocol, isTlsProtocol, parseKnownProtocol, protocolProblem } from './protocol.ts';

type Spec = Resource<'ServiceEntry'>['spec'];
/** A WorkloadEntry spec and a ServiceEntry endpoint have the same fields. */
type Workload = Resource<'WorkloadEntry'>['spec'];

const PORT_HINT = 'Use a port number from 1 to 65535.';
const HOST_HINT = 'Write an FQDN such as api.example.com, or a domain wildcard such as *.example.com.';

export function checkServiceEntry(r: Resource<'ServiceEntry'>): RuleFinding[] {
  const f = new Findings();
  const spec = r.spec;
  checkServiceEntryCel(f, spec);
  const selectorPath = ['spec', 'workloadSelector'];
  // ValidateServiceEntry → ValidateAlphaWorkloadSelector: a selector error ends validation there.
  if (checkAlphaSelector(f, spec.workloadSelector, selectorPath)) return f.list;
  if (present(spec.workloadSelector) && !hasLabels(spec.workloadSelector)) {
    f.warning(selectorPath, 'service entry: workload selector specified without labels, will be applied to all services in namespace',
      'Add labels that pick the workloads behind this entry, or remove the selector.');
  }
  const resolution = spec.resolution ?? 'NONE';
  checkHosts(f, spec.hosts ?? [], resolution);
  (spec.addresses ?? []).forEach((address, i) => {
    // ValidateServiceEntry → ValidateIPSubnet: each address is an IP or a CIDR block.
    const problem = ipSubnetProblem(address);
    if (problem !== null) f.error(['spec', 'addresses', i], problem, 'Write an IP address such as 240.0.0.10 or a CIDR block such as 10.0.0.0/24.');
  });
  const servicePorts = checkPorts(f, r);
  checkResolution(f, r, resolution, servicePorts);
  checkMultipleHosts(f, spec, resolution);
  // ValidateServiceEntry → validateExportTo (a ServiceEntry may be exported to `~`, no one).
  for (const problem of exportToProblems(spec.exportTo ?? [], r.namespace, true)) f.error(['spec', 'exportTo'], problem, `${EXPORT_TO_HINT} A ServiceEntry may also use "~" alone.`);
  return f.list;
}

export function checkWorkloadEntry(r: Resource<'WorkloadEntry'>): RuleFinding[] {
  const f = new Findings();
  checkWorkloadCel(f, r.spec, ['spec']);
  checkWorkloadFields(f, r.spec, ['spec'], null);
  return f.list;
}

function inPortRange(port: unknown): boolean {
  return typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535;
}

/** The ServiceEntry CRD's CEL rules, spec level and ports. */
function checkServiceEntryCel(f: Findings, spec: Spec): void {
  (spec.hosts ?? []).forEach((host, i) => {
    // CEL on hosts[] (shadows ValidateServiceEntry's `invalid host *`).
    if (host === '*') f.error(['spec', 'hosts', i], 'hostname cannot be wildcard', 'Name the external hosts; a ServiceEntry cannot capture all traffic.');
  });
  const ports = spec.ports ?? [];
  ports.forEach((port, i) => {
    // CEL on ports[].number and targetPort (shadows the webhook's ValidatePort).
    if (!inPortRange(port.number)) f.error(['spec', 'ports', i, 'number'], 'port must be between 1-65535', PORT_HINT);
    if (present(port.targetPort) && !inPortRange(port.targetPort)) f.error(['spec', 'ports', i, 'targetPort'], 'port must be between 1-65535', PORT_HINT);
    // CEL on ports (shadows ValidateServiceEntry's `service entry port %d already defined`).
    if (ports.findIndex((other) => other.number === port.number) < i) {
      f.error(['spec', 'ports', i, 'number'], 'port number cannot be duplicated', 'Declare each port number once.');
    }
  });
  const resolution = spec.resolution ?? 'NONE';
  const endpoints = spec.endpoints ?? [];
  // CEL on spec (shadows `only one of WorkloadSelector or Endpoints is allowed in Service Entry`).
  if (present(spec.workloadSelector) && present(spec.endpoints)) {
    f.error(['spec', 'endpoints'], 'only one of WorkloadSelector or Endpoints can be set', 'List endpoints, or select workloads (Pods, WorkloadEntries) by label, not both.');
  }
  const cidr = (spec.addresses ?? []).findIndex((a) => a.includes('/'));
  if (cidr >= 0 && resolution !== 'NONE' && resolution !== 'STATIC') {
    f.error(['spec', 'addresses', cidr], 'CIDR addresses are allowed only for NONE/STATIC resolution types', 'Use single IPs with DNS resolution, or set resolution to NONE or STATIC.');
  }
  // CEL on spec (shadows `no endpoints should be provided for resolution type none`).
  if (resolution === 'NONE' && present(spec.endpoints)) {
    f.error(['spec', 'endpoints'], 'NONE mode cannot set endpoints', 'Set resolution to STATIC (IP endpoints) or DNS (hostname endpoints), or remove the endpoints.');
  }
  // CEL on spec (shadows `there must only be 0 or 1 endpoint for resolution mode DNS_ROUND_ROBIN`).
  if (resolution === 'DNS_ROUND_ROBIN' && endpoints.length > 1) {
    f.error(['spec', 'endpoints', 1], 'DNS_ROUND_ROBIN mode cannot have multiple endpoints', 'Keep one endpoint, or use resolution DNS for several.');
  }
  endpoints.forEach((endpoint, i) => checkWorkloadCel(f, endpoint ?? {}, ['spec', 'endpoints', i]));
}

/** CEL rules shared by WorkloadEntry specs and ServiceEntry endpoints. */
function checkWorkloadCel(f: Findings, we: Workload, path: FieldPath): void {
  if (!present(we.address) && !present(we.network)) f.error(path, 'Address is required', 'Set address (an IP, hostname or unix:// path), or network for an endpoint behind a network gateway.');
  const address = we.address ?? '';
  if (address.startsWith('unix://')) {
    const first = address.charAt(7);
    if (first !== '/' && first !== '@') f.error([...path, 'address'], 'UDS must be an absolute path or abstract socket', 'Write unix:///absolute/path or unix://@abstract-name.');
    if (address.endsWith('/')) f.error([...path, 'address'], 'UDS may not be a dir', 'Point at the socket file, not its directory.');
    if (present(we.ports)) f.error([...path, 'ports'], 'UDS may not include ports', 'Remove ports: a unix socket has none.');
  }
  const ports = Object.entries(we.ports ?? {});
  const badName = ports.find(([name]) => !(name.length < 63 && /^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$/.test(name)));
  if (badName !== undefined) f.error([...path, 'ports', badName[0]], 'port name must be valid', 'Use the name of a port declared by the service: letters, digits and inner dashes.');
  for (const [name, port] of ports) {
    if (!inPortRange(port)) f.error([...path, 'ports', name], 'port must be between 1-65535', PORT_HINT);
  }
}

/** validateWorkloadEntry: a WorkloadEntry (servicePorts null) or a STATIC ServiceEntry endpoint. */
function checkWorkloadFields(f: Findings, we: Workload, path: FieldPath, servicePorts: ReadonlySet<string> | null): void {
  const address = we.address ?? '';
  const network = we.network ?? '';
  if (address === '') {
    if (network === '') {
      // validateWorkloadEntry: `address: ""` (when both are absent the CEL rule `Address is required` fired).
      if (present(we.address) || present(we.network)) f.error([...path, 'address'], 'address is required', 'Set the workload\'s IP address or hostname.');
      return;
    }
    f.warning([...path, 'network'], `address is unset with network ${JSON.stringify(network)}`, 'Fine for a workload reached through its network\'s gateway; otherwise set address.');
  }
  const unix = address.startsWith('unix://');
  if (!unix && address !== '' && !isIp(address)) {
    if (servicePorts !== null) {
      f.error([...path, 'address'], `endpoint address ${JSON.stringify(address)} is not a valid IP address`, 'STATIC resolution needs IP addresses; use resolution DNS for hostnames.');
    } else if (fqdnProblem(address) !== null) {
      f.error([...path, 'address'], `endpoint address ${JSON.stringify(address)} is not a valid FQDN or an IP address`, 'Write an IP address, a hostname, or unix:///path.');
    }
  }
  checkEndpointPorts(f, we, path, servicePorts);
  // validateWorkloadEntry: a unix socket carries exactly one service port.
  if (unix && servicePorts !== null && servicePorts.size !== 1) {
    f.error([...path, 'address'], 'exactly 1 service port required for unix endpoints', 'Give the ServiceEntry a single port when its endpoints are unix sockets.');
  }
}

/** validateWorkloadEntry / the DNS endpoint loop: ports named by the ServiceEntry, and label syntax. */
function checkEndpointPorts(f: Findings, we: Workload, path: FieldPath, servicePorts: ReadonlySet<string> | null): void {
  for (const [name, port] of Object.entries(we.ports ?? {})) {
    if (servicePorts !== null && !servicePorts.has(name)) {
      f.error([...path, 'ports', name], `endpoint port ${port} is not defined by the service entry`, 'Key endpoint ports by the name of a port in spec.ports.');
    }
  }
  for (const { key, message } of labelProblems(we.labels)) {
    f.error([...path, 'labels', key], message, 'Label keys are [prefix/]name and values are alphanumerics with -, _ or . inside (or empty).');
  }
}

function checkHosts(f: Findings, hosts: readonly string[], resolution: string): void {
  // ValidateServiceEntry: at least one host (the CRD's minItems refuses an empty list first).
  if (hosts.length === 0) f.error(['spec', 'hosts'], 'service entry must have at least one host', 'List the hosts this entry adds to the registry.');
  hosts.forEach((host, i) => {
    if (host === '*') return; // CEL `hostname cannot be wildcard`, above.
    // ValidateServiceEntry → ValidateWildcardDomain
    const problem = wildcardDomainProblem(host);
    if (problem !== null) f.error(['spec', 'hosts', i], problem, HOST_HINT);
    // ValidateServiceEntry → ValidatePartialWildCard (a warning, except for DYNAMIC_DNS).
    if (resolution !== 'DYNAMIC_DNS' && isPartialWildcard(host)) {
      f.warning(['spec', 'hosts', i], `partial wildcard ${JSON.stringify(host)} not allowed`, 'Put the wildcard alone in the first label: *.example.com.');
    }
  });
}

/** ValidateServiceEntry's port loop; returns the port names, for the endpoints' checks. */
function checkPorts(f: Findings, r: Resource<'ServiceEntry'>): Set<string> {
  const spec = r.spec;
  const names = new Set<string>();
  const noAddresses = (spec.addresses ?? []).length === 0;
  const optOut = (r.labels['networking.istio.io/enable-autoallocate-ip'] ?? '').toLowerCase() === 'false';
  const autoAllocation = (spec.resolution ?? 'NONE') !== 'NONE' && !optOut && noAddresses;
  (spec.ports ?? []).forEach((port, i) => {
    const path = ['spec', 'ports', i];
    // ValidateServiceEntry: port names are unique (kubectl reports a duplicate list-map key the same way).
    if (names.has(port.name)) f.error([...path, 'name'], `service entry port name ${JSON.stringify(port.name)} already defined`, 'Give each port its own name.');
    names.add(port.name);
    // ValidateServiceEntry: TCP needs an address to listen on, unless istiod allocates one.
    if (noAddresses && !autoAllocation && (port.protocol === undefined || port.protocol === '' || port.protocol === 'TCP')) {
      f.warning([...path, 'protocol'], 'addresses are required for ports serving TCP (or unset) protocol when IP Autoallocation is not enabled',
        'Add spec.addresses, declare an HTTP or TLS protocol, or let istiod allocate an address (resolution other than NONE, no opt-out label).');
    }
    const nameProblem = portNameProblem(port.name);
    if (nameProblem !== null) f.error([...path, 'name'], nameProblem, 'Port names are DNS labels: letters, digits and inner dashes, such as http or tls-api.');
    const protocolError = protocolProblem(port.protocol);
    if (protocolError !== null) f.error([...path, 'protocol'], protocolError, 'Use HTTP, HTTPS, HTTP2, GRPC, GRPC-Web, HTTP_PROXY, TCP, TLS, UDP, Mongo, Redis or MySQL.');
  });
  return names;
}

function checkResolution(f: Findings, r: Resource<'ServiceEntry'>, resolution: string, servicePorts: ReadonlySet<string>): void {
  const spec = r.spec;
  const endpoints = spec.endpoints ?? [];
  if (resolution === 'NONE' && present(spec.workloadSelector)) {
    // ValidateServiceEntry: resolution NONE ignores the selected workloads.
    f.warning(['spec', 'workloadSelector'], 'workloadSelector should not be set when resolution mode is NONE', 'Set resolution to STATIC to send traffic to the selected workloads.');
  } else if (resolution === 'STATIC') {
    endpoints.forEach((endpoint, i) => checkWorkloadFields(f, endpoint ?? {}, ['spec', 'endpoints', i], servicePorts));
  } else if (resolution === 'DNS' || resolution === 'DNS_ROUND_ROBIN') {
    checkDnsResolution(f, spec, resolution, servicePorts);
  } else if (resolution === 'DYNAMIC_DNS') {
    checkDynamicDns(f, r);
  }
}

function checkDnsResolution(f: Findings, spec: Spec, resolution: string, servicePorts: ReadonlySet<string>): void {
  const endpoints = spec.endpoints ?? [];
  const hosts = spec.hosts ?? [];
  if (endpoints.length === 0) {
    // ValidateServiceEntry: without endpoints the hosts themselves are resolved, so they must be FQDNs.
    const bad = hosts.findIndex((host) => fqdnProblem(host) !== null);
    if (bad >= 0) {
      f.error(['spec', 'hosts', bad], `hosts must be FQDN or contain only prefix wildcards if no endpoints are provided for resolution mode ${resolution}, ${fqdnProblem(hosts[bad]!)}`,
        'Name a host DNS can resolve, add endpoints, or use resolution NONE for wildcard hosts.');
    }
  }
  endpoints.forEach((endpoint, i) => {
    const path = ['spec', 'endpoints', i];
    const address = endpoint?.address ?? '';
    // ValidateServiceEntry: DNS endpoints are resolved, so they are IPs or FQDNs.
    if (!isIp(address) && fqdnProblem(address) !== null) {
      f.error([...path, 'address'], `endpoint address ${JSON.stringify(address)} is not a valid FQDN or an IP address`, 'Write a hostname DNS can resolve, or an IP address.');
    }
    checkEndpointPorts(f, endpoint ?? {}, path, servicePorts);
  });
  const tcpPort = (spec.ports ?? []).findIndex((port) => isTcpProtocol(parseKnownProtocol(port.protocol)));
  if ((spec.addresses ?? []).length > 0 && tcpPort >= 0 && hosts.length > 1) {
    // ValidateServiceEntry: one address and a TCP port cannot tell the hosts apart.
    f.warning(['spec', 'ports', tcpPort, 'protocol'], 'service entry can not have more than one host specified simultaneously with address and tcp port',
      'Split the hosts into one ServiceEntry each.');
  }
}

function checkDynamicDns(f: Findings, r: Resource<'ServiceEntry'>): void {
  const spec = r.spec;
  const hint = 'DYNAMIC_DNS resolves wildcard hosts per request; see the ServiceEntry reference for what it supports.';
  // ValidateServiceEntry, case DYNAMIC_DNS.
  (spec.hosts ?? []).forEach((host, i) => {
    if (!host.startsWith('*')) f.error(['spec', 'hosts', i], 'host must be wildcarded for resolution mode DYNAMIC_DNS', 'Write a wildcard host such as *.example.com, or use resolution DNS.');
  });
  if ((spec.addresses ?? []).length > 0) {
    f.error(['spec', 'addresses'], 'addresses cannot be set for resolution type DYNAMIC_DNS. HTTP route domains will only be generatedfrom the hosts field values', hint);
  }
  if ((spec.endpoints ?? []).length > 0) {
    f.error(['spec', 'endpoints'], 'endpoints cannot be set for resolution type DYNAMIC_DNS. Destination IP address determined from hostsfield values', hint);
  }
  (spec.ports ?? []).forEach((port, i) => {
    const protocol = parseKnownProtocol(port.protocol);
    if (protocol !== 'HTTP' && protocol !== 'TLS' && protocol !== 'GRPC' && protocol !== 'HTTP2') {
      f.error(['spec', 'ports', i, 'protocol'], 'only HTTP, TLS, GRPC, and HTTP2 protocols are supported for resolution type DYNAMIC_DNS', hint);
    }
  });
  const waypoint = r.labels['istio.io/use-waypoint'] ?? '';
  if (spec.location === 'MESH_INTERNAL' && waypoint !== '' && waypoint.toLowerCase() !== 'none') {
    f.error(['spec', 'location'], 'location MESH_INTERNAL with resolution type DYNAMIC_DNS is not supported when using waypoints', hint);
  }
}

function checkMultipleHosts(f: Findings, spec: Spec, resolution: string): void {
  if (resolution === 'NONE' || (spec.hosts ?? []).length <= 1) return;
  // ValidateServiceEntry: only HTTP (Host header) and TLS (SNI) can tell several hosts apart on one port.
  const port = (spec.ports ?? []).findIndex((p) => {
    const protocol = parseKnownProtocol(p.protocol);
    return !isHttpProtocol(protocol) && !isTlsProtocol(protocol);
  });
  if (port >= 0) {
    f.error(['spec', 'ports', port, 'protocol'], 'multiple hosts provided with non-HTTP, non-TLS ports',
      'Declare the port as HTTP or TLS, split the hosts into one ServiceEntry each, or use resolution NONE.');
  }
}
