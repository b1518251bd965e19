/**
 * DestinationRule rules of Istio's webhook (ValidateDestinationRule in pkg/config/validation) and of
 * its CRD (CEL durations), with Istio's texts.
 *
 * Consistent hashing (validateLoadBalancer): a cookie needs a name and unique attribute names; the
 * deprecated minimumRingSize warns, and is an error next to ringHash or maglev; a maglev tableSize must be
 * set, below 5000011 and prime (Envoy's isPrime, which lets 1 through). One hash key and one of
 * ringHash/maglev are proto oneofs, which the schema check (schema-check.ts) already holds.
 *
 * Not modelled: tunnel/proxyProtocol settings, warmup, zoneAwareLbSetting,
 * HTTP/2 keepalive, `configmap://` credential names.
 */
import type { Resource } from './resource.ts';
import { EXPORT_TO_HINT, Findings, checkWorkloadSelector, exportToProblems, isDns1123Label, portProblem, wildcardDomainProblem } from './rules-common.ts';
import type { RuleFinding } from './rules-common.ts';
import { checkDuration } from './rules-virtual-service.ts';

type Tls = { mode?: string; clientCertificate?: string; privateKey?: string; caCertificates?: string; credentialName?: string; insecureSkipVerify?: boolean; subjectAltNames?: string[] };
type ConsistentHash = {
  httpCookie?: { name?: string; ttl?: string; attributes?: { name?: string }[] };
  minimumRingSize?: number; ringHash?: unknown; maglev?: { tableSize?: number };
};
type Policy = {
  connectionPool?: { tcp?: Record<string, unknown>; http?: Record<string, unknown> };
  outlierDetection?: { interval?: string; baseEjectionTime?: string; maxEjectionPercent?: number; minHealthPercent?: number; consecutiveErrors?: number };
  loadBalancer?: { consistentHash?: ConsistentHash; localityLbSetting?: { distribute?: { from?: string; to?: Record<string, number> }[]; failover?: unknown[] } };
  tls?: Tls; portLevelSettings?: (Policy & { port?: { number?: number } })[];
  tunnel?: unknown; proxyProtocol?: unknown;
};

export function checkDestinationRule(r: Resource<'DestinationRule'>): RuleFinding[] {
  const f = new Findings();
  const spec = r.spec;
  const host = spec.host ?? '';
  const problem = wildcardDomainProblem(host);
  if (problem !== null) f.error(['spec', 'host'], problem, 'Name one service: a short name, an FQDN, a ServiceEntry host or a domain wildcard.');
  if (spec.trafficPolicy !== undefined) checkPolicy(f, spec.trafficPolicy as Policy, ['spec', 'trafficPolicy'], true);
  const names = new Set<string>();
  (spec.subsets ?? []).forEach((subset, i) => {
    const path = ['spec', 'subsets', i];
    const name = subset.name ?? '';
    if (name === '') f.error([...path, 'name'], 'subset name cannot be empty', 'Name the subset.');
    else if (!isDns1123Label(name)) f.error([...path, 'name'], `subset name is invalid: ${name}`, 'Subset names are DNS-1123 labels (lower-case letters, digits, "-").');
    if (names.has(name)) f.error([...path, 'name'], `duplicate subset names: ${name}`, 'Give each subset its own name.');
    names.add(name);
    if (subset.trafficPolicy !== undefined) checkPolicy(f, subset.trafficPolicy as Policy, [...path, 'trafficPolicy'], true);
  });
  const selector = spec.workloadSelector as { matchLabels?: Record<string, string> } | undefined;
  checkWorkloadSelector(f, selector?.matchLabels, ['spec', 'workloadSelector'], selector !== undefined);
  for (const p of exportToProblems(spec.exportTo ?? [], r.namespace, false)) f.error(['spec', 'exportTo'], p, EXPORT_TO_HINT);
  if (selector !== undefined && (spec.exportTo ?? []).some((e) => e !== '.' && e !== r.namespace)) {
    f.error(['spec', 'exportTo'], 'destination rule with workload selector cannot have exportTo beyond current namespace', 'Use exportTo: ["."] with a workloadSelector.');
  }
  return f.list;
}

/** validateTrafficPolicy and its parts. */
function checkPolicy(f: Findings, policy: Policy, path: (string | number)[], allowPortLevel: boolean): void {
  const fields = ['connectionPool', 'outlierDetection', 'loadBalancer', 'tls', 'portLevelSettings', 'tunnel', 'proxyProtocol'] as const;
  if (!fields.some((k) => policy[k] !== undefined)) f.error(path, 'traffic policy must have at least one field', 'Remove the empty trafficPolicy or set a field.');
  const pool = policy.connectionPool;
  if (pool !== undefined) {
    if (pool.tcp === undefined && pool.http === undefined) f.error([...path, 'connectionPool'], 'connection pool must have at least one field', 'Set tcp or http limits.');
    for (const [k, v] of Object.entries({ ...pool.tcp, ...pool.http })) {
      if (typeof v === 'number' && v < 0) f.error([...path, 'connectionPool', pool.tcp?.[k] === v ? 'tcp' : 'http', k], `${k} must be non-negative`, 'Limits are non-negative integers.');
    }
    for (const k of ['connectTimeout', 'idleTimeout', 'maxConnectionDuration'] as const) {
      const value = pool.tcp?.[k] ?? pool.http?.[k];
      if (value !== undefined && !(k === 'idleTimeout' && value === '0s')) checkDuration(f, value, [...path, 'connectionPool', pool.tcp?.[k] !== undefined ? 'tcp' : 'http', k]);
    }
  }
  const outlier = policy.outlierDetection;
  if (outlier !== undefined) {
    checkDuration(f, outlier.interval, [...path, 'outlierDetection', 'interval']);
    checkDuration(f, outlier.baseEjectionTime, [...path, 'outlierDetection', 'baseEjectionTime']);
    for (const k of ['maxEjectionPercent', 'minHealthPercent'] as const) {
      const v = outlier[k];
      if (v !== undefined && (v < 0 || v > 100)) f.error([...path, 'outlierDetection', k], `percentage ${v} is not in range 0..100`, 'Percentages go from 0 to 100.');
    }
    if (outlier.consecutiveErrors !== undefined) {
      f.warning([...path, 'outlierDetection', 'consecutiveErrors'], 'outlier detection consecutive errors is deprecated, use consecutiveGatewayErrors or consecutive5xxErrors instead', 'Use consecutive5xxErrors.');
    }
  }
  checkLoadBalancer(f, policy.loadBalancer, [...path, 'loadBalancer']);
  if (policy.tls !== undefined) checkTls(f, policy.tls, [...path, 'tls']);
  if (allowPortLevel) {
    (policy.portLevelSettings ?? []).forEach((pls, i) => {
      const at = [...path, 'portLevelSettings', i];
      const number = pls.port?.number;
      if (number === undefined) f.error([...at, 'port'], 'portTrafficPolicy must have valid port', 'Set port.number.');
      else if (portProblem(number) !== null) f.error([...at, 'port', 'number'], portProblem(number)!, 'Use a port between 1 and 65535.');
      const { port: _port, ...rest } = pls;
      if (!['connectionPool', 'outlierDetection', 'loadBalancer', 'tls'].some((k) => (rest as Record<string, unknown>)[k] !== undefined)) {
        f.error(at, 'port traffic policy must have at least one field', 'Set connectionPool, outlierDetection, loadBalancer or tls for the port.');
      } else checkPolicy(f, rest, at, false);
    });
  }
}

function checkLoadBalancer(f: Findings, lb: Policy['loadBalancer'], path: (string | number)[]): void {
  if (lb === undefined) return;
  if (lb.consistentHash != null) checkConsistentHash(f, lb.consistentHash, [...path, 'consistentHash']);
  const locality = lb.localityLbSetting;
  if (locality === undefined) return;
  if ((locality.distribute ?? []).length > 0 && (locality.failover ?? []).length > 0) {
    f.error([...path, 'localityLbSetting'], "can not simultaneously specify 'distribute' and 'failover'", 'Use distribute or failover, not both.');
  }
  (locality.distribute ?? []).forEach((d, i) => {
    let total = 0;
    for (const [to, weight] of Object.entries(d.to ?? {})) {
      if (weight < 1 || weight > 100) f.error([...path, 'localityLbSetting', 'distribute', i, 'to', to], 'locality weight must be in range [1, 100]', 'Weights go from 1 to 100.');
      total += weight;
    }
    if (total !== 100) f.error([...path, 'localityLbSetting', 'distribute', i, 'to'], `total locality weight ${total} != 100`, 'Make the weights of each distribute entry add up to 100.');
  });
}

/** validateLoadBalancer's consistentHash rules. */
function checkConsistentHash(f: Findings, hash: ConsistentHash, path: (string | number)[]): void {
  const cookie = hash.httpCookie;
  if (cookie != null && (cookie.name ?? '') === '') f.error([...path, 'httpCookie', 'name'], 'name required for HttpCookie', 'Name the cookie.');
  const seen = new Set<string>();
  (cookie?.attributes ?? []).forEach((attribute, i) => {
    const name = attribute.name ?? '';
    const at = [...path, 'httpCookie', 'attributes', i, 'name'];
    if (name === '') f.error(at, 'cookie attribute name cannot be empty', 'Name the attribute (e.g. SameSite).');
    else if (seen.has(name)) f.error(at, `duplicate cookie attribute name: ${name}`, 'List each attribute once.');
    seen.add(name);
  });
  if ((hash.minimumRingSize ?? 0) !== 0) {
    f.warning([...path, 'minimumRingSize'], "consistent hash MinimumRingSize is deprecated, use ConsistentHashLB's RingHash configuration instead",
      'Move the size to ringHash.minimumRingSize.');
    if (hash.ringHash != null || hash.maglev != null) {
      f.error(path, 'only one of MinimumRingSize or Maglev/Ringhash can be specified', 'Drop the deprecated minimumRingSize.');
    }
  }
  const maglev = hash.maglev;
  if (maglev == null) return;
  const size = maglev.tableSize ?? 0;
  const at = [...path, 'maglev', 'tableSize'];
  if (size === 0) f.error(at, 'tableSize must be set for maglev', 'Set a prime table size, e.g. 65537 (Envoy’s default).');
  if (size >= 5000011) f.error(at, 'tableSize must be less than 5000011 for maglev', 'Use a prime below 5000011, e.g. 65537.');
  if (!envoyIsPrime(size)) f.error(at, 'tableSize must be a prime number for maglev', 'Use a prime, e.g. 65537 or 131071.');
}

/** Istio's copy of Envoy's isPrime: 1, 2 and 3 pass, then trial division by odd factors. */
function envoyIsPrime(n: number): boolean {
  if (n !== 0 && n < 4) return true;
  if (n % 2 === 0) return false;
  for (let factor = 3; factor * factor <= n; factor += 2) if (n % factor === 0) return false;
  return true;
}

/** ValidateTLS for client-side (upstream) TLS. */
function checkTls(f: Findings, tls: Tls, path: (string | number)[]): void {
  const mode = tls.mode ?? 'DISABLE';
  if (tls.insecureSkipVerify === true) {
    if (mode === 'SIMPLE' && (tls.caCertificates !== undefined || tls.credentialName !== undefined || (tls.subjectAltNames ?? []).length > 0)) {
      f.error(path, 'cannot specify CaCertificates or CredentialName or SubjectAltNames when InsecureSkipVerify is set true', 'Drop insecureSkipVerify or the verification settings.');
    }
    if (mode === 'MUTUAL' && (tls.caCertificates !== undefined || (tls.subjectAltNames ?? []).length > 0)) {
      f.error(path, 'cannot specify CaCertificates or SubjectAltNames when InsecureSkipVerify is set true', 'Drop insecureSkipVerify or the verification settings.');
    }
  }
  if ((mode === 'SIMPLE' || mode === 'MUTUAL') && tls.credentialName !== undefined && (tls.clientCertificate !== undefined || tls.privateKey !== undefined || tls.caCertificates !== undefined)) {
    f.error(path, 'cannot specify client certificates or CA certificate or CA CRL If credentialName is set', 'Use credentialName alone, or the file paths alone.');
  }
  if (mode === 'MUTUAL' && tls.credentialName === undefined) {
    if (tls.clientCertificate === undefined) f.error(path, 'client certificate required for mutual tls', 'Set clientCertificate and privateKey, or credentialName (or use ISTIO_MUTUAL for Istio certificates).');
    if (tls.privateKey === undefined) f.error(path, 'private key required for mutual tls', 'Set privateKey, or credentialName.');
  }
}
