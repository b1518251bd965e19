/**
 * The kinds meshsim understands, with the API versions Kubernetes and Istio serve for each and the
 * schema validator for each (from @kubernetes-models, generated from the upstream OpenAPI/CRD schemas).
 *
 * Invariants: every (group, version, kind) here has a validator; versions of one Istio kind share
 * one shape (Istio serves v1alpha3/v1beta1/v1 from the same proto), so callers see the kind, not the version.
 *
 * ConfigMap and Secret are read for istiod's sake: MeshConfig lives in the `istio` ConfigMap, a plugged-in
 * CA in the `cacerts` Secret.
 *
 * Not modelled: Gateway API kinds, EnvoyFilter, WorkloadGroup, Telemetry, WasmPlugin, ProxyConfig
 * (recognised as Istio kinds and skipped with a warning); ReplicaSet, Job, CronJob.
 */
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';
import { Pod } from 'kubernetes-models/v1/Pod';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import * as netV1 from '@kubernetes-models/istio/networking.istio.io/v1';
import * as netV1beta1 from '@kubernetes-models/istio/networking.istio.io/v1beta1';
import * as netV1alpha3 from '@kubernetes-models/istio/networking.istio.io/v1alpha3';
import * as secV1 from '@kubernetes-models/istio/security.istio.io/v1';
import * as secV1beta1 from '@kubernetes-models/istio/security.istio.io/v1beta1';

/** One error from a schema validator, in Ajv's shape. */
export interface SchemaError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly message?: string;
}

export type SchemaValidator = (document: unknown) => readonly SchemaError[];

interface ModelClass {
  new (data: never): { validate(): void };
}

function validatorOf(model: ModelClass): SchemaValidator {
  return (document) => {
    try {
      new model(document as never).validate();
      return [];
    } catch (error) {
      const errors = (error as { errors?: SchemaError[] }).errors;
      if (Array.isArray(errors)) return errors;
      throw error;
    }
  };
}

export const KIND_NAMES = [
  'Namespace',
  'Service',
  'ServiceAccount',
  'ConfigMap',
  'Secret',
  'Pod',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'Gateway',
  'VirtualService',
  'DestinationRule',
  'ServiceEntry',
  'WorkloadEntry',
  'Sidecar',
  'PeerAuthentication',
  'AuthorizationPolicy',
  'RequestAuthentication',
] as const;

export type KindName = (typeof KIND_NAMES)[number];

export interface KindInfo {
  readonly kind: KindName;
  readonly group: string;
  readonly namespaced: boolean;
  /** Validator per served version, newest first. */
  readonly versions: Readonly<Record<string, SchemaValidator>>;
}

function istioNetworking(kind: 'Gateway' | 'VirtualService' | 'DestinationRule' | 'ServiceEntry' | 'WorkloadEntry' | 'Sidecar'): KindInfo {
  return {
    kind,
    group: 'networking.istio.io',
    namespaced: true,
    versions: {
      v1: validatorOf(netV1[kind] as unknown as ModelClass),
      v1beta1: validatorOf(netV1beta1[kind] as unknown as ModelClass),
      v1alpha3: validatorOf(netV1alpha3[kind] as unknown as ModelClass),
    },
  };
}

function istioSecurity(kind: 'PeerAuthentication' | 'AuthorizationPolicy' | 'RequestAuthentication'): KindInfo {
  return {
    kind,
    group: 'security.istio.io',
    namespaced: true,
    versions: {
      v1: validatorOf(secV1[kind] as unknown as ModelClass),
      v1beta1: validatorOf(secV1beta1[kind] as unknown as ModelClass),
    },
  };
}

function kube(kind: KindName, group: string, model: ModelClass, namespaced = true): KindInfo {
  return { kind, group, namespaced, versions: { v1: validatorOf(model) } };
}

export const KINDS: Readonly<Record<KindName, KindInfo>> = {
  Namespace: kube('Namespace', '', Namespace as unknown as ModelClass, false),
  Service: kube('Service', '', Service as unknown as ModelClass),
  ServiceAccount: kube('ServiceAccount', '', ServiceAccount as unknown as ModelClass),
  ConfigMap: kube('ConfigMap', '', ConfigMap as unknown as ModelClass),
  Secret: kube('Secret', '', Secret as unknown as ModelClass),
  Pod: kube('Pod', '', Pod as unknown as ModelClass),
  Deployment: kube('Deployment', 'apps', Deployment as unknown as ModelClass),
  StatefulSet: kube('StatefulSet', 'apps', StatefulSet as unknown as ModelClass),
  DaemonSet: kube('DaemonSet', 'apps', DaemonSet as unknown as ModelClass),
  Gateway: istioNetworking('Gateway'),
  VirtualService: istioNetworking('VirtualService'),
  DestinationRule: istioNetworking('DestinationRule'),
  ServiceEntry: istioNetworking('ServiceEntry'),
  WorkloadEntry: istioNetworking('WorkloadEntry'),
  Sidecar: istioNetworking('Sidecar'),
  PeerAuthentication: istioSecurity('PeerAuthentication'),
  AuthorizationPolicy: istioSecurity('AuthorizationPolicy'),
  RequestAuthentication: istioSecurity('RequestAuthentication'),
};

/** Kinds users apply alongside a mesh that meshsim reads past without simulating them. */
export const KNOWN_UNSIMULATED_KINDS: ReadonlySet<string> = new Set([
  'ReplicaSet',
  'Job',
  'CronJob',
  'Ingress',
  'NetworkPolicy',
  'PersistentVolumeClaim',
  'HorizontalPodAutoscaler',
  'PodDisruptionBudget',
  'Role',
  'RoleBinding',
  'ClusterRole',
  'ClusterRoleBinding',
  'EnvoyFilter',
  'WorkloadGroup',
  'Telemetry',
  'WasmPlugin',
  'ProxyConfig',
  'GatewayClass',
  'HTTPRoute',
  'GRPCRoute',
  'TCPRoute',
  'TLSRoute',
  'ReferenceGrant',
  'Certificate',
]);

export function isKindName(kind: string): kind is KindName {
  return (KIND_NAMES as readonly string[]).includes(kind);
}

/** Splits `group/version` (or core `v1`) into its parts. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  if (slash < 0) return { group: '', version: apiVersion };
  return { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export function apiVersionsOf(info: KindInfo): string[] {
  return Object.keys(info.versions).map((v) => (info.group === '' ? v : `${info.group}/${v}`));
}

/**
 * Fields Istio's current API has that the bundled schemas (generated from Istio 1.29 CRDs) do not know
 * yet, as JSON-pointer patterns: accepted instead of reported as unknown (the current CRDs are
 * manifests/charts/base/files/crd-all.gen.yaml in istio/istio).
 */
export const NEWER_FIELDS: Readonly<Partial<Record<KindName, readonly RegExp[]>>> = {
  VirtualService: [/^\/spec\/http\/\d+\/redirect\/prefixRewrite$/],
  // istio/api security/v1beta1/authorization_policy.proto Source trust_domains / not_trust_domains (13, 14);
  // their types are checked in rules-authorization-rules.ts.
  AuthorizationPolicy: [/^\/spec\/rules\/\d+\/from\/\d+\/source\/(trustDomains|notTrustDomains)$/],
  // The RequestAuthentication CRD's jwtRules[].presence (OPTIONAL, REQUIRED; checked in rules-security.ts).
  RequestAuthentication: [/^\/spec\/jwtRules\/\d+\/presence$/],
  // The current DestinationRule CRD's TrafficPolicy (top level, per subset, per port): HTTP/2 keepalive,
  // backend utilization and zone-aware load balancing, outlier detection's HTTP error codes, the retry
  // budget's interval. Accepted and not simulated (their values are not checked).
  DestinationRule: [/^\/spec\/(subsets\/\d+\/)?trafficPolicy\/(portLevelSettings\/\d+\/)?(connectionPool\/http\/http2KeepAlive|loadBalancer\/(backendUtilization|zoneAwareLbSetting)|outlierDetection\/outlierDetectionHttpErrorCodes|retryBudget\/budgetInterval)$/],
  // ServerTLSSettings ecdhCurves and insecureSkipVerify in the current Gateway and Sidecar CRDs, and the
  // Sidecar's HTTP/2 keepalive on inbound connection pools.
  Gateway: [/^\/spec\/servers\/\d+\/tls\/(ecdhCurves|insecureSkipVerify)$/],
  Sidecar: [/^\/spec\/(inboundConnectionPool|ingress\/\d+\/connectionPool)\/http\/http2KeepAlive$/, /^\/spec\/ingress\/\d+\/tls\/(ecdhCurves|insecureSkipVerify)$/],
};
