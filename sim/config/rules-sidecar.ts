/**
 * Sidecar rules: Istio's webhook (ValidateSidecar and its helpers in pkg/config/validation/validation.go,
 * ValidateNamespaceSlashWildcardHostname in pkg/config/validation/agent) and the CRD's CEL rules, with
 * their texts.
 *
 * Invariants: pure; every finding points at the field at fault. A selector error or an empty Sidecar
 * ends validation there, as in Istio.
 *
 * Not modelled: connection pool checks (validateConnectionPool, inboundConnectionPool and per-port) and
 * their CEL durations; validateTLSOptions on ingress tls (only the Sidecar-specific tls rules are here);
 * `sidecar: egress can have only one listener with empty port` (Istio's loop can never reach it: a second
 * port-less listener is reported as not being last); ALLOW_ANY_DYNAMIC_DNS (not in the Sidecar enum, so
 * the schema refuses it first); `sidecar: ingress may not be null` / `egress listener may not be null`
 * (YAML nulls decode as empty listeners); Istio reports a bad egress dnsName twice, meshsim once.
 */
import type { FieldPath, Resource } from './resource.ts';
import { Findings, fqdnProblem, isDns1123Label, portProblem, wildcardDomainProblem, isPartialWildcard } from './rules-common.ts';
import type { RuleFinding } from './rules-common.ts';
import { checkAlphaSelector, goAtoi, hasLabels, ipProblem, portNameProblem, present, splitHostPort, unixAddressProblem } from './rules-fields.ts';
import { isHttpProtocol, isTlsProtocol, parseKnownProtocol, protocolProblem } from './protocol.ts';

type Spec = NonNullable<Resource<'Sidecar'>['spec']>;
type Ingress = NonNullable<Spec['ingress']>[number];
type Egress = NonNullable<Spec['egress']>[number];
type SidecarPort = NonNullable<Egress['port']>;

const PORT_HINT = 'Use a port number from 1 to 65535.';
const BIND_HINT = 'Bind to an IP address the workload owns (such as 0.0.0.0 or 127.0.0.1), or leave bind unset.';
const DEFAULT_ENDPOINT_HINT = 'Write 127.0.0.1:<port>, 0.0.0.0:<port>, [::1]:<port>, [::]:<port> or unix:///path.';

export function checkSidecar(r: Resource<'Sidecar'>): RuleFinding[] {
  const f = new Findings();
  const spec: Spec = r.spec ?? {};
  const selectorPath = ['spec', 'workloadSelector'];
  // ValidateSidecar → ValidateAlphaWorkloadSelector: a selector error ends validation there.
  if (checkAlphaSelector(f, spec.workloadSelector, selectorPath)) return f.list;
  // ValidateSidecar: something must be configured (this error drops the selector warning, as in Istio).
  if ((spec.egress ?? []).length === 0 && (spec.ingress ?? []).length === 0 && !present(spec.outboundTrafficPolicy) && !present(spec.inboundConnectionPool)) {
    f.error(['spec'], 'sidecar: empty configuration provided', 'Add egress hosts, ingress listeners, an outboundTrafficPolicy or an inboundConnectionPool, or delete the Sidecar.');
    return f.list;
  }
  if (present(spec.workloadSelector) && !hasLabels(spec.workloadSelector)) {
    f.warning(selectorPath, 'sidecar: workload selector specified without labels, will be applied to all services in namespace',
      'Add labels that pick the workloads, or remove the selector to make this the namespace\'s default Sidecar.');
  }
  checkIngress(f, spec.ingress ?? []);
  checkEgress(f, spec.egress ?? [], r.namespace);
  checkOutboundTrafficPolicy(f, spec.outboundTrafficPolicy);
  return f.list;
}

/** validateSidecarIngressPortAndBind / validateSidecarEgressPortBindAndCaptureMode, the parts they share. */
function checkPortFields(f: Findings, port: SidecarPort, path: FieldPath): void {
  if ((port.targetPort ?? 0) > 0) f.error([...path, 'targetPort'], 'targetPort has no impact on Sidecars', 'Remove targetPort; set the workload port in port.number.');
  const nameProblem = port.name === undefined || port.name === '' ? null : portNameProblem(port.name);
  if (nameProblem !== null) f.error([...path, 'name'], nameProblem, 'Port names are DNS labels: letters, digits and inner dashes.');
  const protocolError = protocolProblem(port.protocol);
  if (protocolError !== null) f.error([...path, 'protocol'], protocolError, 'Use HTTP, HTTPS, HTTP2, GRPC, GRPC-Web, HTTP_PROXY, TCP, TLS, UDP, Mongo, Redis or MySQL.');
}

function checkIngress(f: Findings, listeners: readonly Ingress[]): void {
  const ports = new Set<number>();
  listeners.forEach((listener, i) => {
    const path = ['spec', 'ingress', i];
    // ValidateSidecar: an ingress listener needs a port (the CRD requires it too).
    if (!present(listener.port)) {
      f.error(path, 'sidecar: port is required for ingress listeners', 'Add port.number (and protocol) for the port the workload listens on.');
      return;
    }
    checkPortFields(f, listener.port, [...path, 'port']);
    const number = listener.port.number ?? 0;
    const rangeProblem = portProblem(number);
    if (rangeProblem !== null) f.error([...path, 'port', 'number'], rangeProblem, PORT_HINT);
    const bindProblem = listener.bind === undefined || listener.bind === '' ? null : ipProblem(listener.bind);
    if (bindProblem !== null) f.error([...path, 'bind'], bindProblem, BIND_HINT);
    // ValidateSidecar: one ingress listener per port.
    if (ports.has(number)) f.error([...path, 'port', 'number'], 'sidecar: ports on IP bound listeners must be unique', 'Declare each ingress port once.');
    ports.add(number);
    if (listener.defaultEndpoint !== undefined && listener.defaultEndpoint !== '') checkDefaultEndpoint(f, listener.defaultEndpoint, [...path, 'defaultEndpoint']);
    if (present(listener.tls)) checkIngressTls(f, listener, path);
    if (present(listener.connectionPool?.http) && !isHttpProtocol(parseKnownProtocol(listener.port.protocol))) {
      // ValidateSidecar: HTTP pool settings on a port that is not HTTP.
      f.warning([...path, 'connectionPool', 'http'],
        `sidecar: HTTP connection pool settings are configured for port ${number} (${JSON.stringify(listener.port.name ?? '')}) but its protocol is not HTTP (${listener.port.protocol ?? ''}); only TCP settings will apply`,
        'Declare the port\'s protocol as HTTP, HTTP2 or GRPC, or keep only tcp pool settings.');
    }
  });
}

/** ValidateSidecar: defaultEndpoint is a loopback/any address with a port, or a unix socket. */
function checkDefaultEndpoint(f: Findings, endpoint: string, path: FieldPath): void {
  if (endpoint.startsWith('unix://')) {
    const problem = unixAddressProblem(endpoint.slice('unix://'.length));
    if (problem !== null) f.error(path, problem, DEFAULT_ENDPOINT_HINT);
    return;
  }
  const { host, port, error } = splitHostPort(endpoint);
  if (error !== null) f.error(path, error, DEFAULT_ENDPOINT_HINT);
  if (host !== '' && !['127.0.0.1', '0.0.0.0', '::1', '::'].includes(host)) {
    f.error(path, 'sidecar: defaultEndpoint must be of form 127.0.0.1:<port>,0.0.0.0:<port>,[::1]:port,[::]:port,unix://filepath or unset', DEFAULT_ENDPOINT_HINT);
  }
  const number = goAtoi(port);
  if (number === null) {
    f.error(path, `sidecar: defaultEndpoint port (${port}) is not a number: strconv.Atoi: parsing ${JSON.stringify(port)}: invalid syntax`, DEFAULT_ENDPOINT_HINT);
  } else {
    const problem = portProblem(number);
    if (problem !== null) f.error(path, problem, PORT_HINT);
  }
}

/** ValidateSidecar: the ingress tls settings a sidecar cannot honour. */
function checkIngressTls(f: Findings, listener: Ingress, path: FieldPath): void {
  const tls = listener.tls!;
  const at = [...path, 'tls'];
  const hint = 'Sidecar ingress TLS takes serverCertificate/privateKey/caCertificates files in SIMPLE or MUTUAL mode.';
  if ((tls.subjectAltNames ?? []).length > 0) f.error([...at, 'subjectAltNames'], 'sidecar: subjectAltNames is not supported in ingress tls', hint);
  if (tls.httpsRedirect === true) f.error([...at, 'httpsRedirect'], 'sidecar: httpsRedirect is not supported', hint);
  if ((tls.credentialName ?? '') !== '') f.error([...at, 'credentialName'], 'sidecar: credentialName is not currently supported', hint);
  if ((tls.credentialNames ?? []).length > 0) f.error([...at, 'credentialNames'], 'sidecar: credentialNames is not currently supported', hint);
  if ((tls.tlsCertificates ?? []).length > 0) f.error([...at, 'tlsCertificates'], 'sidecar: tls_certificates is not currently supported', hint);
  if (tls.mode === 'ISTIO_MUTUAL' || tls.mode === 'AUTO_PASSTHROUGH') {
    f.error([...at, 'mode'], `configuration is invalid: cannot set mode to ${tls.mode} in sidecar ingress tls`, hint);
  }
  if (!isTlsProtocol(parseKnownProtocol(listener.port.protocol))) {
    f.error([...path, 'port', 'protocol'], 'server cannot have TLS settings for non HTTPS/TLS ports', 'Declare the port as HTTPS or TLS, or remove tls.');
  }
}

function checkEgress(f: Findings, listeners: readonly Egress[], namespace: string): void {
  const ports = new Set<number>();
  const sockets = new Set<string>();
  listeners.forEach((listener, i) => {
    const path = ['spec', 'egress', i];
    if (!present(listener.port)) {
      // ValidateSidecar: the catch-all (port-less) egress listener comes last.
      if (i !== listeners.length - 1) {
        f.error(path, 'sidecar: the egress listener with empty port should be the last listener in the list', 'Move the listener without a port to the end, and keep only one.');
      }
    } else {
      checkEgressPort(f, listener, path, ports, sockets);
    }
    checkEgressHosts(f, listener.hosts ?? [], [...path, 'hosts'], namespace);
  });
}

/** validateSidecarEgressPortBindAndCaptureMode, and the uniqueness of ports and sockets. */
function checkEgressPort(f: Findings, listener: Egress, path: FieldPath, ports: Set<number>, sockets: Set<string>): void {
  const port = listener.port!;
  const bind = listener.bind ?? '';
  checkPortFields(f, port, [...path, 'port']);
  const number = port.number ?? 0;
  if (number === 0) {
    // Port 0 is a unix domain socket listener.
    const hint = 'Set bind to unix:///path for a socket listener, or give the port a number.';
    if (!bind.startsWith('unix://')) f.error([...path, 'bind'], 'sidecar: ports with 0 value must have a unix domain socket bind address', hint);
    else {
      const problem = unixAddressProblem(bind.slice('unix://'.length));
      if (problem !== null) f.error([...path, 'bind'], problem, hint);
    }
    if (listener.captureMode !== undefined && listener.captureMode !== 'DEFAULT' && listener.captureMode !== 'NONE') {
      f.error([...path, 'captureMode'], 'sidecar: captureMode must be DEFAULT/NONE for unix domain socket listeners', 'Set captureMode to DEFAULT or NONE.');
    }
    if (sockets.has(bind)) f.error([...path, 'bind'], 'sidecar: unix domain socket values for listeners must be unique', 'Give each socket listener its own path.');
    sockets.add(bind);
    return;
  }
  const rangeProblem = portProblem(number);
  if (rangeProblem !== null) f.error([...path, 'port', 'number'], rangeProblem, PORT_HINT);
  const bindProblem = bind === '' ? null : ipProblem(bind);
  if (bindProblem !== null) f.error([...path, 'bind'], bindProblem, BIND_HINT);
  if (ports.has(number)) f.error([...path, 'port', 'number'], 'sidecar: ports on IP bound listeners must be unique', 'Declare each egress port once.');
  ports.add(number);
}

function checkEgressHosts(f: Findings, hosts: readonly string[], path: FieldPath, namespace: string): void {
  if (hosts.length === 0) {
    f.error(path, 'sidecar: egress listener must contain at least one host', 'List the hosts this listener exposes, such as ./* and istio-system/*.');
    return;
  }
  const byNamespace = new Map<string, Set<string>>();
  hosts.forEach((host, j) => {
    const slash = host.indexOf('/');
    if (slash >= 0 && !host.startsWith('~')) {
      const ns = host.slice(0, slash) === '.' ? namespace : host.slice(0, slash);
      const name = host.slice(slash + 1);
      const seen = byNamespace.get(ns) ?? new Set<string>();
      byNamespace.set(ns, seen);
      // ValidateSidecar: the same host twice, or under `ns/*` of the same namespace.
      if (name === '*' ? seen.size > 0 : seen.has(name) || seen.has('*')) {
        f.warning([...path, j], `duplicated egress host: ${host}`, 'Remove the host: an earlier entry already selects it.');
      }
      seen.add(name);
    }
    for (const problem of egressHostProblems(host)) f.error([...path, j], problem, 'Write namespace/dnsName: ./*, istio-system/*, */api.example.com or ~/* (namespace ".", "*", "~" or a name).');
  });
  if (byNamespace.get('*')?.has('*') === true && byNamespace.size !== 1) {
    // ValidateSidecar: `*/*` already selects everything.
    f.warning(path, '`*/*` host select all resources, no other hosts can be added', 'Keep */* alone, or replace it with the namespaces you need.');
  }
}

/** ValidateNamespaceSlashWildcardHostname(host, isGateway=false) and validateSidecarOrGatewayHostnamePart. */
function egressHostProblems(host: string): string[] {
  const slash = host.indexOf('/');
  if (slash < 0) return ['host must be of form namespace/dnsName'];
  const problems: string[] = [];
  const ns = host.slice(0, slash);
  const name = host.slice(slash + 1);
  if (ns === '' || name === '') problems.push('config namespace and dnsName in host entry cannot be empty');
  const bare = ns.startsWith('~') ? ns.slice(1) : ns;
  if (bare !== '' && bare !== '*' && bare !== '.' && !isDns1123Label(bare.toLowerCase())) problems.push(`invalid namespace value ${JSON.stringify(ns)} in sidecar`);
  if (name !== '*' && !name.includes('.')) problems.push('short names (non FQDN) are not allowed');
  const domainProblem = wildcardDomainProblem(name);
  if (domainProblem !== null) problems.push(domainProblem);
  if (isPartialWildcard(name)) problems.push(`partial wildcard ${JSON.stringify(name)} not allowed`);
  return problems;
}

/** validateSidecarOutboundTrafficPolicy (egressProxy through validateDestination). */
function checkOutboundTrafficPolicy(f: Findings, policy: Spec['outboundTrafficPolicy']): void {
  if (policy === undefined || policy === null || !present(policy.egressProxy)) return;
  const path = ['spec', 'outboundTrafficPolicy', 'egressProxy'];
  if ((policy.mode ?? 'REGISTRY_ONLY') !== 'ALLOW_ANY') {
    f.error(path, 'sidecar: egress_proxy must be set only with ALLOW_ANY outbound_traffic_policy mode', 'Set outboundTrafficPolicy.mode to ALLOW_ANY, or remove egressProxy.');
    return;
  }
  const proxy = policy.egressProxy!;
  const host = proxy.host ?? '';
  if (host === '*') f.error([...path, 'host'], 'invalid destination host *', 'Name the egress proxy\'s service.');
  const hostProblem = fqdnProblem(host);
  if (hostProblem !== null) f.error([...path, 'host'], hostProblem, 'Name the egress proxy\'s service by FQDN, such as egress.istio-system.svc.cluster.local.');
  if (!present(proxy.port)) {
    f.error(path, 'sidecar: egress_proxy port must be non-nil', 'Add port.number for the egress proxy.');
    return;
  }
  const subset = proxy.subset ?? '';
  if (subset !== '' && !isDns1123Label(subset.toLowerCase())) f.error([...path, 'subset'], `subset name is invalid: ${subset}`, 'Subset names are DNS labels.');
  const rangeProblem = portProblem(proxy.port!.number ?? 0);
  if (rangeProblem !== null) f.error([...path, 'port', 'number'], rangeProblem, PORT_HINT);
}
