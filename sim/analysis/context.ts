/**
 * What analyzers read: the loaded resources, the topology built from them, and an index of the hosts
 * that exist, with the lookup Istio's analyzers use (pkg/config/analysis/analyzers/util).
 *
 * Host rules: a host without a dot is a short name, completed with the referring resource's namespace
 * (`reviews` in `default` → `reviews.default.svc.cluster.local`); a host with a dot is taken as written.
 * A Kubernetes Service is visible where its `networking.istio.io/exportTo` annotation says (default
 * everywhere); a ServiceEntry where its `exportTo` says; a wildcard ServiceEntry host (`*.example.com`)
 * covers the hosts under it.
 *
 * Not modelled: Services in kube-system and the other namespaces istioctl ignores are visible here.
 */
import { at } from '../config/load-resources.ts';
import type { Diagnostic, Severity } from '../config/diagnostic.ts';
import type { AnyResource, FieldPath, Resource } from '../config/resource.ts';
import type { KindName } from '../config/kinds.ts';
import type { ServiceInfo, Topology } from '../topology/model.ts';

export interface AnalysisContext {
  readonly resources: readonly AnyResource[];
  readonly topology: Topology;
  readonly hosts: HostIndex;
  /** Resources that come from the built-in install profile: analyzed as context, never reported on. */
  readonly builtIn: (resource: AnyResource) => boolean;
}

export type Analyzer = (context: AnalysisContext) => Diagnostic[];

export function ofKind<K extends KindName>(context: AnalysisContext, kind: K): Resource<K>[] {
  return context.resources.filter((r) => r.kind === kind && !context.builtIn(r)) as unknown as Resource<K>[];
}

export function report(resource: AnyResource | Resource, path: FieldPath, severity: Severity, code: string, message: string, hint: string): Diagnostic {
  return at(resource, path, severity, code, message, hint);
}

export function toFqdn(host: string, namespace: string, domainSuffix: string): string {
  if (host.startsWith('*') || host.includes('.')) return host;
  return `${host}.${namespace}.svc.${domainSuffix}`;
}

function visibleIn(exportTo: readonly string[], owner: string, namespace: string): boolean {
  if (exportTo.length === 0) return true;
  return exportTo.some((e) => e === '*' || (e === '.' ? owner === namespace : e === namespace));
}

export class HostIndex {
  private readonly byHost = new Map<string, ServiceInfo[]>();
  private readonly wildcards: ServiceInfo[] = [];

  constructor(services: readonly ServiceInfo[]) {
    for (const service of services) {
      if (service.hostname.startsWith('*')) this.wildcards.push(service);
      const list = this.byHost.get(service.hostname) ?? [];
      list.push(service);
      this.byHost.set(service.hostname, list);
    }
  }

  /** The service a reference from `namespace` to `host` finds, or undefined (Istio's GetDestinationHost). */
  find(host: string, namespace: string, domainSuffix: string): ServiceInfo | undefined {
    const fqdn = toFqdn(host, namespace, domainSuffix);
    const exact = (this.byHost.get(fqdn) ?? []).find((s) => visibleIn(s.exportTo, s.namespace, namespace));
    if (exact !== undefined) return exact;
    const bare = fqdn.startsWith('*') ? fqdn.slice(1) : fqdn;
    return this.wildcards.find((s) => bare.endsWith(s.hostname.slice(1)) && visibleIn(s.exportTo, s.namespace, namespace));
  }

  /** Every service with exactly this host name, whatever its visibility. */
  named(hostname: string): readonly ServiceInfo[] {
    return this.byHost.get(hostname) ?? [];
  }
}
