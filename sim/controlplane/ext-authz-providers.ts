/**
 * MeshConfig `extensionProviders` → the ext_authz providers a workload's CUSTOM policies name, resolved
 * as istiod resolves them when it builds the ext_authz filter (pilot/pkg/security/authz/builder/
 * extauthz.go processExtensionProvider, getExtAuthz, buildExtAuthzHTTP/GRPC; model.LookupCluster;
 * pkg/config/validation/agent/extensionprovider.go).
 *
 * Rules followed:
 * - Only envoyExtAuthzHttp and envoyExtAuthzGrpc entries are providers for CUSTOM; other kinds
 *   (tracing, access logs, metrics) are passed over, so a CUSTOM policy naming one finds nothing.
 * - A provider is unusable (the CUSTOM rules become deny rules) when: its name is empty, repeated,
 *   longer than 63 characters, not lower-case letters, digits and `-`, or starts or ends with `-`;
 *   its port is not 1..65535; its service is empty or is not in the registry (`host` must be unique
 *   across namespaces, `ns/host` names one); statusOnError is not an integer Envoy has a status code
 *   for; an HTTP provider's pathPrefix does not start with `/`, or one of its header lists holds a
 *   lone `*`. A repeated name keeps the later entry, marked with the error.
 * - A name no entry has resolves to an error listing the available providers (sorted, where Go's
 *   map order is random).
 * - The cluster is `outbound|<port>||<hostname>`.
 *
 * Invariants: pure; the result holds exactly the names asked for, sorted, each once.
 *
 * Not modelled: the FQDN/IP syntax checks of `service`, pathPrefix URL parsing, timeouts, the
 * request/response header and body settings (they shape the check request, not the decision here).
 */
import { compareStrings } from '../core/compare.ts';
import { EXT_AUTHZ_HEADER_LISTS } from '../config/mesh-config.ts';
import type { ExtAuthzProviderConfig, ExtensionProvider } from '../config/mesh-config.ts';
import type { ServiceInfo } from '../topology/model.ts';
import { outboundClusterName } from '../xds/cluster.ts';
import type { ExtAuthzProvider } from '../xds/security.ts';

/** envoy.type.v3.StatusCode: the statuses statusOnError may name. */
const ENVOY_STATUS_CODES: ReadonlySet<number> = new Set([0, 100, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304,
  305, 307, 308, 400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 421, 422, 423, 424, 426, 428, 429,
  431, 500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511]);
const NAME_LENGTH_MAX = 63;

/** The providers `names` (from CUSTOM policies) resolve to, sorted by name. */
export function resolveExtAuthzProviders(names: readonly string[], providers: readonly ExtensionProvider[], services: readonly ServiceInfo[]): ExtAuthzProvider[] {
  const resolved = new Map<string, ExtAuthzProvider>();
  const seen = new Set<string>();
  providers.forEach((provider, index) => {
    // processExtensionProvider: kinds other than ext_authz are skipped (`default: continue`).
    if (provider.kind === 'other') return;
    const errors: string[] = [];
    if (provider.name === '') errors.push(`extension provider name must not be empty, found empty at index: ${index}`);
    else if (seen.has(provider.name)) errors.push(`extension provider name must be unique, found duplicate: ${provider.name}`);
    if (provider.name !== '') errors.push(...nameProblems(provider.name));
    seen.add(provider.name);
    const built = buildProvider(provider, services);
    if ('error' in built) errors.push(built.error);
    resolved.set(provider.name, errors.length === 0 && !('error' in built)
      ? built
      : { name: provider.name, resolved: false, error: `found errors in provider ${provider.name}: ${errors.join('; ')}` });
  });
  const available = [...resolved.keys()].sort(compareStrings);
  return [...new Set(names)].sort(compareStrings).map((name) => resolved.get(name)
    // getExtAuthz: a name no entry has.
    ?? { name, resolved: false, error: `available providers are [${available.join(' ')}] but found ${JSON.stringify(name)}` });
}

/** validateProviderName: a DNS-1123 label of at most 63 characters. */
function nameProblems(name: string): string[] {
  if (name.length > NAME_LENGTH_MAX) return [`invalid provider name "${name}": provider name too long (max 63 characters): ${name.length}`];
  const bad = [...name].find((c) => !/[a-z0-9-]/.test(c));
  if (bad !== undefined) {
    return [`invalid provider name "${name}": ${/[A-Z]/.test(bad) ? `uppercase letters not allowed (use lowercase): character '${bad}'` : `invalid character '${bad}' (only lowercase letters, digits, and hyphens allowed)`}`];
  }
  if (name.startsWith('-') || name.endsWith('-')) return [`invalid provider name "${name}": provider name cannot start or end with hyphen`];
  return [];
}

function buildProvider(provider: ExtAuthzProviderConfig, services: readonly ServiceInfo[]): ExtAuthzProvider | { error: string } {
  const errors: string[] = [];
  // parsePort: 1..65535.
  if (provider.port < 1 || provider.port > 65535) errors.push(`port must be in the range [1, 65535], found: ${provider.port}`);
  const lookup = lookupService(provider.service, services);
  if ('error' in lookup) errors.push(lookup.error);
  const status = statusOnError(provider.statusOnError);
  if (typeof status === 'string') errors.push(status);
  if (provider.kind === 'envoyExtAuthzHttp') {
    // buildExtAuthzHTTP: pathPrefix must begin with `/`; header lists take no lone `*`.
    if (provider.pathPrefix !== '' && !provider.pathPrefix.startsWith('/')) errors.push(`pathPrefix must begin with \`/\`, found: ${JSON.stringify(provider.pathPrefix)}`);
    for (const field of EXT_AUTHZ_HEADER_LISTS) {
      if ((provider.headerLists[field] ?? []).includes('*')) errors.push(`a single wildcard ("*") is not supported, change it to either prefix or suffix match: ${field}`);
    }
  }
  if (errors.length > 0 || 'error' in lookup || typeof status === 'string') return { error: errors.join('; ') };
  return {
    name: provider.name, resolved: true, protocol: provider.kind === 'envoyExtAuthzHttp' ? 'http' : 'grpc',
    service: lookup.hostname, cluster: outboundClusterName(provider.port, '', lookup.hostname), failOpen: provider.failOpen, statusOnError: status,
  };
}

/** model.LookupCluster: `ns/hostname`, or a hostname that exactly one namespace has. */
function lookupService(service: string, services: readonly ServiceInfo[]): { hostname: string } | { error: string } {
  if (service === '') return { error: 'service must not be empty' };
  const parts = service.split('/');
  if (parts.length === 2) {
    const [namespace, host] = parts as [string, string];
    if (services.some((s) => s.hostname === host && s.namespace === namespace)) return { hostname: host };
  } else {
    const namespaces = [...new Set(services.filter((s) => s.hostname === service).map((s) => s.namespace))].sort(compareStrings);
    if (namespaces.length === 1) return { hostname: service };
    if (namespaces.length > 1) return { error: `found ${service} in multiple namespaces [${namespaces.join(' ')}], specify the namespace explicitly in the format of <Namespace>/<Hostname>` };
  }
  return { error: `could not find service ${service} in Istio service registry` };
}

/** parseStatusOnError: '' is Envoy's default; else an integer naming an envoy.type.v3.StatusCode. */
function statusOnError(text: string): number | null | string {
  if (text === '') return null;
  if (!/^[+-]?[0-9]+$/.test(text)) return `invalid statusOnError ${JSON.stringify(text)}: not an integer`;
  const code = Number(text);
  return ENVOY_STATUS_CODES.has(code) ? code : `unsupported statusOnError ${text}`;
}
