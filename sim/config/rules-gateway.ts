/**
 * Gateway rules of Istio's webhook (ValidateGateway, validateServer, validateServerPort,
 * validateTLSOptions in pkg/config/validation), with Istio's texts.
 *
 * Not modelled: cipher-suite checks, unix-socket binds, CRL settings, credentialNames/tlsCertificates.
 */
import type { Resource } from './resource.ts';
import { Findings, isDns1123Label, isIp, isPartialWildcard, portProblem, wildcardDomainProblem } from './rules-common.ts';
import type { RuleFinding } from './rules-common.ts';

type Server = {
  port?: { number?: number; protocol?: string; name?: string; targetPort?: number };
  hosts?: string[]; bind?: string;
  tls?: { mode?: string; httpsRedirect?: boolean; credentialName?: string; serverCertificate?: string; privateKey?: string; caCertificates?: string };
};

const GATEWAY_PROTOCOLS = ['HTTP', 'HTTPS', 'GRPC', 'GRPC-WEB', 'HTTP2', 'MONGO', 'REDIS', 'MYSQL', 'TCP', 'TLS'];

export function checkGateway(r: Resource<'Gateway'>): RuleFinding[] {
  const f = new Findings();
  // ValidateGateway: gateway names become part of listener and route names, so no dots.
  if (r.name !== '' && !isDns1123Label(r.name)) {
    f.error(['metadata', 'name'], `invalid gateway name: "${r.name}"`, 'Gateway names are DNS-1123 labels (no dots).');
  }
  const servers = (r.spec.servers ?? []) as Server[];
  if (servers.length === 0) f.error(['spec', 'servers'], 'gateway must have at least one server', 'Add a server with a port and hosts.');
  const portNames = new Set<string>();
  servers.forEach((server, i) => {
    const path = ['spec', 'servers', i];
    checkServerHosts(f, server.hosts ?? [], [...path, 'hosts']);
    checkServerPort(f, server, path);
    const name = server.port?.name;
    if (name !== undefined && name !== '') {
      if (portNames.has(name)) f.error([...path, 'port', 'name'], `port names in servers must be unique: duplicate name ${name}`, 'Give each server port its own name.');
      portNames.add(name);
    }
    if (server.bind !== undefined && !isIp(server.bind)) f.error([...path, 'bind'], `${server.bind} is not a valid IP`, 'bind takes an IP address.');
    checkServerTls(f, server, path);
  });
  return f.list;
}

function checkServerHosts(f: Findings, hosts: readonly string[], path: (string | number)[]): void {
  if (hosts.length === 0) f.error(path, 'server config must contain at least one host', 'List the hosts this server accepts ("*" for any).');
  hosts.forEach((entry, i) => {
    const at = [...path, i];
    const slash = entry.indexOf('/');
    let host = entry;
    if (slash >= 0) {
      const ns = entry.slice(0, slash);
      host = entry.slice(slash + 1);
      if (ns === '' || host === '') {
        f.error(at, 'config namespace and dnsName in host entry cannot be empty', 'Write hosts as [namespace/]dnsName.');
        return;
      }
      if (ns !== '*' && ns !== '.' && !isDns1123Label(ns)) {
        f.error(at, `invalid namespace value "${ns}" in gateway`, 'The namespace part is "*", "." or a namespace name.');
        return;
      }
    }
    if (host === '*') return;
    if (!host.includes('.') && !isIp(host)) {
      f.error(at, 'short names (non FQDN) are not allowed', 'Gateway hosts are fully qualified (e.g. bookinfo.example.com) or "*".');
      return;
    }
    if (isIp(host)) return;
    if (isPartialWildcard(host)) f.error(at, `partial wildcard "${host}" not allowed`, 'Only a leading "*." wildcard is allowed.');
    else {
      const problem = wildcardDomainProblem(host);
      if (problem !== null) f.error(at, problem, 'Fix the host name.');
    }
  });
}

function checkServerPort(f: Findings, server: Server, path: (string | number)[]): void {
  const port = server.port;
  if (port === undefined) {
    f.error([...path, 'port'], 'port is required', 'Add port: {number, name, protocol}.');
    return;
  }
  const protocol = (port.protocol ?? '').toUpperCase();
  if (!GATEWAY_PROTOCOLS.includes(protocol)) {
    f.error([...path, 'port', 'protocol'], `invalid protocol "${port.protocol ?? ''}", supported protocols are HTTP, HTTP2, GRPC, GRPC-WEB, MONGO, REDIS, MYSQL, TCP`, 'Use one of the supported protocols (HTTPS and TLS too, with tls settings).');
  }
  if (port.number !== undefined) {
    const problem = portProblem(port.number);
    if (problem !== null) f.error([...path, 'port', 'number'], problem, 'Use a port between 1 and 65535.');
  }
  if (port.targetPort !== undefined) f.error([...path, 'port', 'targetPort'], 'targetPort has no impact on Gateways', 'Remove targetPort; the gateway listens on port.number.');
  if ((port.name ?? '') === '') f.error([...path, 'port', 'name'], `port name must be set: ${port.number ?? ''}`, 'Name the port (e.g. http, https).');
}

function checkServerTls(f: Findings, server: Server, path: (string | number)[]): void {
  const protocol = (server.port?.protocol ?? '').toUpperCase();
  const tls = server.tls;
  const tlsProtocol = protocol === 'HTTPS' || protocol === 'TLS';
  if (tlsProtocol && tls === undefined) {
    f.error([...path, 'tls'], 'server must have TLS settings for HTTPS/TLS protocols', 'Add tls with a mode (SIMPLE with a credentialName, PASSTHROUGH, …).');
    return;
  }
  if (tls === undefined) return;
  const redirectOnly = tls.httpsRedirect === true && tls.mode === undefined && tls.credentialName === undefined;
  if (protocol === 'HTTP' && !redirectOnly) {
    f.error([...path, 'tls'], 'server cannot have TLS settings for plain text HTTP ports', 'Keep only tls.httpsRedirect on an HTTP server, or make it HTTPS.');
  } else if (!tlsProtocol && protocol !== 'HTTP') {
    f.error([...path, 'tls'], 'server cannot have TLS settings for non HTTPS/TLS ports', 'Use protocol HTTPS or TLS for a server with tls settings.');
  }
  if (tls.httpsRedirect === true && protocol !== 'HTTP') f.warning([...path, 'tls', 'httpsRedirect'], 'tls.httpsRedirect should only be used with http servers', 'Set httpsRedirect on the HTTP server.');
  const mode = tls.mode ?? 'PASSTHROUGH';
  if (mode === 'ISTIO_MUTUAL' && (tls.serverCertificate !== undefined || tls.privateKey !== undefined || tls.caCertificates !== undefined || tls.credentialName !== undefined)) {
    f.error([...path, 'tls'], 'ISTIO_MUTUAL TLS cannot have associated server certificate, private key, CA bundle or credentialName', 'ISTIO_MUTUAL uses the gateway\'s Istio identity; remove the certificate settings.');
  }
  if ((mode === 'SIMPLE' || mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL') && tls.credentialName === undefined) {
    if (tls.serverCertificate === undefined) f.error([...path, 'tls'], `${mode} TLS requires a server certificate`, 'Set credentialName (a Secret in the gateway\'s namespace) or serverCertificate and privateKey.');
    if (tls.privateKey === undefined) f.error([...path, 'tls'], `${mode} TLS requires a private key`, 'Set credentialName or privateKey.');
    if (mode === 'MUTUAL' && tls.caCertificates === undefined) f.error([...path, 'tls'], 'MUTUAL TLS requires a client CA bundle', 'Set caCertificates, or use credentialName with a ca.crt key.');
  }
}
