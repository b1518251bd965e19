/**
 * A resource as meshsim holds it: the kind, identity and metadata it needs, the spec as the user wrote it,
 * and where it came from so every later diagnostic can point at a line.
 *
 * Invariants: `namespace` is '' exactly for cluster-scoped kinds; `origin.fields` maps a field path
 * (`spec.http[0].route`) to the line where it was written; specs are never mutated after parsing.
 *
 * Not modelled: status (other than a Pod's `status.podIP`), managed fields, owner references.
 */
import type { INamespace } from 'kubernetes-models/v1/Namespace';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IPod } from 'kubernetes-models/v1/Pod';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { IDaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import type { IGateway } from '@kubernetes-models/istio/networking.istio.io/v1/Gateway';
import type { IVirtualService } from '@kubernetes-models/istio/networking.istio.io/v1/VirtualService';
import type { IDestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1/DestinationRule';
import type { IServiceEntry } from '@kubernetes-models/istio/networking.istio.io/v1/ServiceEntry';
import type { IWorkloadEntry } from '@kubernetes-models/istio/networking.istio.io/v1/WorkloadEntry';
import type { ISidecar } from '@kubernetes-models/istio/networking.istio.io/v1/Sidecar';
import type { IPeerAuthentication } from '@kubernetes-models/istio/security.istio.io/v1/PeerAuthentication';
import type { IAuthorizationPolicy } from '@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy';
import type { IRequestAuthentication } from '@kubernetes-models/istio/security.istio.io/v1/RequestAuthentication';
import type { KindName } from './kinds.ts';
import type { ResourceRef, SourceLocation } from './diagnostic.ts';
import { formatFieldPath } from './diagnostic.ts';

/** The spec type of each kind (Namespace and ServiceAccount carry none that matters: `{}`). */
export interface SpecByKind {
  Namespace: NonNullable<INamespace['spec']>;
  Service: NonNullable<IService['spec']>;
  ServiceAccount: Record<string, never>;
  /** A ConfigMap carries `data`, not `spec`: read it from `body`. */
  ConfigMap: Record<string, never>;
  /** A Secret carries `data`/`stringData`, not `spec`: read it from `body`. */
  Secret: Record<string, never>;
  Pod: NonNullable<IPod['spec']>;
  Deployment: NonNullable<IDeployment['spec']>;
  StatefulSet: NonNullable<IStatefulSet['spec']>;
  DaemonSet: NonNullable<IDaemonSet['spec']>;
  Gateway: NonNullable<IGateway['spec']>;
  VirtualService: NonNullable<IVirtualService['spec']>;
  DestinationRule: NonNullable<IDestinationRule['spec']>;
  ServiceEntry: NonNullable<IServiceEntry['spec']>;
  WorkloadEntry: NonNullable<IWorkloadEntry['spec']>;
  Sidecar: NonNullable<ISidecar['spec']>;
  PeerAuthentication: NonNullable<IPeerAuthentication['spec']>;
  AuthorizationPolicy: NonNullable<IAuthorizationPolicy['spec']>;
  RequestAuthentication: NonNullable<IRequestAuthentication['spec']>;
}

export type FieldPath = readonly (string | number)[];

export interface Origin extends SourceLocation {
  /** Position of each field, keyed by `formatFieldPath`; absent for resources built in code. */
  readonly fields?: ReadonlyMap<string, SourceLocation>;
}

export interface Resource<K extends KindName = KindName> {
  readonly kind: K;
  readonly apiVersion: string;
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** `metadata.creationTimestamp` as written (RFC 3339), or null: then input order decides age. */
  readonly creationTimestamp: string | null;
  readonly spec: SpecByKind[K];
  /** The whole object as parsed (status included), for the few fields outside spec we read. */
  readonly body: Readonly<Record<string, unknown>>;
  readonly origin: Origin;
}

export type AnyResource = { [K in KindName]: Resource<K> }[KindName];

export function refOf(resource: Pick<Resource, 'kind' | 'namespace' | 'name'>): ResourceRef {
  return { kind: resource.kind, namespace: resource.namespace, name: resource.name };
}

/** `Kind/namespace/name`: unique per resource in a store. */
export function resourceKey(resource: Pick<Resource, 'kind' | 'namespace' | 'name'>): string {
  return `${resource.kind}/${resource.namespace}/${resource.name}`;
}

export function isKind<K extends KindName>(resource: Resource, kind: K): resource is Resource<K> {
  return resource.kind === kind;
}

/** Where a field was written; falls back to its nearest written parent, then to the resource itself. */
export function locateField(resource: Pick<Resource, 'origin'>, path: FieldPath): SourceLocation {
  const fields = resource.origin.fields;
  if (fields !== undefined) {
    for (let length = path.length; length > 0; length -= 1) {
      const found = fields.get(formatFieldPath(path.slice(0, length)));
      if (found !== undefined) return found;
    }
  }
  return { file: resource.origin.file, line: resource.origin.line, column: resource.origin.column };
}
