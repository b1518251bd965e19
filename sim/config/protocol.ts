/**
 * Port protocols as Istio names and decides them (pkg/config/kube/conversion.go ConvertProtocol and
 * pkg/config/protocol Parse):
 * - UDP ports are UDP whatever their name;
 * - else `appProtocol` if set (with the Kubernetes names `kubernetes.io/h2c` → HTTP2, `kubernetes.io/ws`
 *   → HTTP, `kubernetes.io/wss` → HTTPS), else the port name;
 * - the name (or appProtocol) up to its first `-` is matched case-insensitively, except that a
 *   `grpc-web` prefix is checked first;
 * - an unrecognised name is `auto` (protocol sniffing), except the well-known ports 25, 53, 3306 and
 *   27017, which default to TCP.
 *
 * Not modelled: Istio's `DoubleHBONE` (its Parse compares a lower-cased string with a mixed-case
 * constant, so it never matches a port name either).
 */
export type Protocol =
  | 'HTTP'
  | 'HTTP2'
  | 'HTTP_PROXY'
  | 'GRPC'
  | 'GRPC-Web'
  | 'HTTPS'
  | 'TLS'
  | 'TCP'
  | 'UDP'
  | 'Mongo'
  | 'Redis'
  | 'MySQL'
  | 'auto';

const BY_NAME: Readonly<Record<string, Protocol>> = {
  tcp: 'TCP',
  udp: 'UDP',
  grpc: 'GRPC',
  'grpc-web': 'GRPC-Web',
  http: 'HTTP',
  http_proxy: 'HTTP_PROXY',
  http2: 'HTTP2',
  https: 'HTTPS',
  tls: 'TLS',
  mongo: 'Mongo',
  redis: 'Redis',
  mysql: 'MySQL',
};

const WELL_KNOWN_TCP_PORTS: ReadonlySet<number> = new Set([25, 53, 3306, 27017]);

/** Istio's protocol.Parse: a protocol name as written in a ServiceEntry or Gateway port; unknown → `auto`. */
export function parseProtocol(name: string): Protocol {
  return parseKnownProtocol(name) ?? 'auto';
}

/** A protocol name Istio knows (case-insensitive), or null ("" and unknown names). */
export function parseKnownProtocol(name: string | undefined): Protocol | null {
  return BY_NAME[(name ?? '').toLowerCase()] ?? null;
}

/** ValidateProtocol: "" is fine (the proxy sniffs the protocol). */
export function protocolProblem(name: string | undefined): string | null {
  return name === undefined || name === '' || parseKnownProtocol(name) !== null ? null : `unsupported protocol: ${name}`;
}

/** The protocol of a Kubernetes Service port. */
export function servicePortProtocol(port: number, portName: string, kubeProtocol: string, appProtocol?: string): Protocol {
  if (kubeProtocol === 'UDP') return 'UDP';
  let name = portName;
  if (appProtocol !== undefined) {
    name = appProtocol;
    if (name === 'kubernetes.io/h2c') return 'HTTP2';
    if (name === 'kubernetes.io/ws') return 'HTTP';
    if (name === 'kubernetes.io/wss') return 'HTTPS';
  }
  if (name.toLowerCase().startsWith('grpc-web')) return 'GRPC-Web';
  const dash = name.indexOf('-');
  const prefix = dash >= 0 ? name.slice(0, dash) : name;
  const protocol = parseProtocol(prefix);
  if (protocol === 'auto' && WELL_KNOWN_TCP_PORTS.has(port)) return 'TCP';
  return protocol;
}

/** HTTP on the wire (HCM chain): HTTP, HTTP2, HTTP_PROXY, gRPC, gRPC-Web. */
export function isHttpProtocol(protocol: Protocol | null): boolean {
  return protocol === 'HTTP' || protocol === 'HTTP2' || protocol === 'HTTP_PROXY' || protocol === 'GRPC' || protocol === 'GRPC-Web';
}

/** HTTP/2 as transport: HTTP2, gRPC, gRPC-Web. */
export function isHttp2Protocol(protocol: Protocol): boolean {
  return protocol === 'HTTP2' || protocol === 'GRPC' || protocol === 'GRPC-Web';
}

/** TLS on the wire: HTTPS, TLS (Instance.IsTLS). */
export function isTlsProtocol(protocol: Protocol | null): boolean {
  return protocol === 'HTTPS' || protocol === 'TLS';
}

/** Proxied as opaque TCP (tcp_proxy chain). */
export function isTcpProtocol(protocol: Protocol | null): boolean {
  return protocol === 'TCP' || protocol === 'HTTPS' || protocol === 'TLS' || protocol === 'Mongo' || protocol === 'Redis' || protocol === 'MySQL';
}
