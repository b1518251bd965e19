/**
 * Field validators shared by the ServiceEntry, WorkloadEntry and Sidecar rules, beyond rules-common.ts:
 * port names, unix addresses, label maps (pkg/config/labels), the
 * networking `workloadSelector.labels` selector, IP/subnet checks and Go's net.SplitHostPort/Atoi.
 *
 * Invariants: pure string checks; each message is Istio's (or Go's, where Istio passes a Go error on).
 *
 * Not modelled: IPv6 zones (`fe80::1%eth0`, accepted by Go's netip); Go's rejection of IPv4 octets with
 * leading zeros; label keys' DNS-prefix length limit (253).
 */
import type { FieldPath } from './resource.ts';
import { Findings, isDns1123Label, isIp } from './rules-common.ts';

/** ValidatePortName: Istio's DNS-1123 label, which (unlike Kubernetes') allows upper case. */
export function portNameProblem(name: string): string | null {
  return isDns1123Label(name.toLowerCase()) ? null : `invalid port name: ${name}`;
}

/** ValidateUnixAddress (the part after `unix://`): an absolute file path, or `@abstract`. */
export function unixAddressProblem(address: string): string | null {
  if (address === '') return 'unix address must not be empty';
  if (address.startsWith('@')) return null;
  return address.startsWith('/') && !address.endsWith('/') ? null : `${address} is not an absolute path to a file`;
}

/** ValidateIPAddress */
export function ipProblem(address: string): string | null {
  return isIp(address) ? null : `${address} is not a valid IP`;
}

/** ValidateIPSubnet: one `/` means a CIDR block, anything else must be an IP. */
export function ipSubnetProblem(subnet: string): string | null {
  if (subnet.split('/').length === 2) return goPrefixProblem(subnet) === null ? null : `${subnet} is not a valid CIDR block`;
  return ipProblem(subnet);
}

/** netip.ParsePrefix's error (null when the prefix parses). */
export function goPrefixProblem(value: string): string | null {
  const slash = value.lastIndexOf('/');
  const address = value.slice(0, slash);
  const bits = value.slice(slash + 1);
  let why: string | null = null;
  if (slash < 0) why = "no '/'";
  else if (!isIp(address)) why = `ParseAddr(${JSON.stringify(address)}): unable to parse IP`;
  else if (!/^\d+$/.test(bits) || (bits.length > 1 && bits.startsWith('0'))) why = `bad bits after slash: ${JSON.stringify(bits)}`;
  else if (Number(bits) > (address.includes(':') ? 128 : 32)) why = 'prefix length out of range';
  return why === null ? null : `netip.ParsePrefix(${JSON.stringify(value)}): ${why}`;
}

const QUALIFIED_NAME = '(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_KEY = new RegExp(`^(?:([a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?)*)/)?(${QUALIFIED_NAME})$`);
const LABEL_VALUE = new RegExp(`^(?:${QUALIFIED_NAME})?$`);

/** labels.Instance.Validate: each key `[dns-prefix/]name`, each value a qualified name or "". */
export function labelProblems(labels: Readonly<Record<string, unknown>> | undefined): { key: string; message: string }[] {
  const out: { key: string; message: string }[] = [];
  for (const [key, value] of Object.entries(labels ?? {})) {
    const match = LABEL_KEY.exec(key);
    if (match === null) out.push({ key, message: `invalid tag key: ${JSON.stringify(key)}` });
    else if ((match[2] ?? '').length > 63) out.push({ key, message: `invalid tag key: ${JSON.stringify(key)} (name is too long)` });
    if (!LABEL_VALUE.test(String(value))) out.push({ key, message: `invalid tag value: ${JSON.stringify(String(value))}` });
  }
  return out;
}

/**
 * ValidateAlphaWorkloadSelector (networking `workloadSelector.labels`, on ServiceEntry and Sidecar) and the
 * CRD's CEL rule on label values. Returns true when the webhook found an error: it then stops there.
 */
export function checkAlphaSelector(f: Findings, selector: { labels?: Record<string, string> } | null | undefined, path: FieldPath): boolean {
  if (selector === undefined || selector === null) return false;
  let webhookError = false;
  for (const [key, value] of Object.entries(selector.labels ?? {})) {
    const at = [...path, 'labels', key];
    const pair = JSON.stringify(`${key}=${value}`);
    if (String(value).includes('*')) {
      // CRD CEL on labels values: the API server refuses this before the webhook sees it.
      f.error(at, 'wildcard is not supported in selector', 'Selectors match exact label values; list the workloads\' real labels.');
      continue;
    }
    if (key === '') {
      f.error(at, `empty key is not supported in selector: ${pair}`, 'Give every selector label a key.');
      webhookError = true;
    }
    if (key.includes('*')) {
      f.error(at, `wildcard is not supported in selector: ${pair}`, 'Selectors match exact label keys; write the key in full.');
      webhookError = true;
    }
  }
  return webhookError;
}

export function hasLabels(selector: { labels?: Record<string, string> } | null | undefined): boolean {
  return Object.keys(selector?.labels ?? {}).length > 0;
}

/** net.SplitHostPort: `host:port` or `[v6]:port`; `error` is Go's AddrError text. */
export function splitHostPort(hostPort: string): { host: string; port: string; error: string | null } {
  const fail = (why: string) => ({ host: '', port: '', error: `address ${hostPort}: ${why}` });
  const colon = hostPort.lastIndexOf(':');
  if (colon < 0) return fail('missing port in address');
  let host = hostPort.slice(0, colon);
  let afterBracket = 0;
  if (hostPort.startsWith('[')) {
    const end = hostPort.indexOf(']');
    if (end < 0) return fail("missing ']' in address");
    if (end + 1 !== colon) return fail(hostPort[end + 1] === ':' ? 'too many colons in address' : 'missing port in address');
    host = hostPort.slice(1, end);
    afterBracket = end + 1;
  } else if (host.includes(':')) {
    return fail('too many colons in address');
  }
  if (hostPort.slice(afterBracket === 0 ? 0 : 1).includes('[')) return fail("unexpected '[' in address");
  if (hostPort.slice(afterBracket).includes(']')) return fail("unexpected ']' in address");
  return { host, port: hostPort.slice(colon + 1), error: null };
}

/** strconv.Atoi: an optional sign and decimal digits, else null. */
export function goAtoi(text: string): number | null {
  return /^[+-]?\d+$/.test(text) ? Number(text) : null;
}

/** Present as Kubernetes CEL's `has()` sees it: written, and not null. */
export function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}
