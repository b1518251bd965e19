/**
 * The mesh-wide settings istiod reads from MeshConfig, with Istio's defaults.
 *
 * Invariants: plain data; every field has Istio's default when the user sets nothing.
 *
 * Not modelled: reading MeshConfig from the `istio` ConfigMap (coming with mesh settings); proxy
 * defaultConfig beyond what routing uses; locality load-balancer defaults.
 */
export type OutboundTrafficPolicyMode = 'ALLOW_ANY' | 'REGISTRY_ONLY';

export interface MeshConfig {
  readonly rootNamespace: string;
  readonly trustDomain: string;
  readonly domainSuffix: string;
  /** What sidecars do with traffic to hosts outside the registry (Istio default ALLOW_ANY). */
  readonly outboundTrafficPolicy: OutboundTrafficPolicyMode;
  readonly enableAutoMtls: boolean;
  /** Default exportTo of VirtualServices, DestinationRules and Services (Istio default "*"). */
  readonly defaultVirtualServiceExportTo: readonly string[];
  readonly defaultDestinationRuleExportTo: readonly string[];
  readonly defaultServiceExportTo: readonly string[];
}

export const MESH_CONFIG_DEFAULT: MeshConfig = {
  rootNamespace: 'istio-system',
  trustDomain: 'cluster.local',
  domainSuffix: 'cluster.local',
  outboundTrafficPolicy: 'ALLOW_ANY',
  enableAutoMtls: true,
  defaultVirtualServiceExportTo: ['*'],
  defaultDestinationRuleExportTo: ['*'],
  defaultServiceExportTo: ['*'],
};
