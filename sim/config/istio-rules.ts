/**
 * Istio's own per-resource rules, the ones its admission webhook (pkg/config/validation in istio/istio)
 * and the CRDs' CEL rules apply on top of the OpenAPI schema: an error means `kubectl apply` would be
 * refused; a warning means Istio accepts the resource and says something is off (kubectl prints
 * `Warning: …`; istioctl analyze reports IST0133/IST0130/IST0131).
 *
 * Invariants: pure; looks at one resource only (cross-resource checks are analyzers); each rule's
 * message is Istio's own text where it has one, so users can search for it.
 *
 * Not modelled: the rules marked "not checked" in each rules-*.ts header.
 */
import type { AnyResource } from './resource.ts';
import type { RuleFinding } from './rules-common.ts';
import { checkMetadataRules } from './rules-common.ts';
import { checkVirtualService } from './rules-virtual-service.ts';
import { checkDestinationRule } from './rules-destination-rule.ts';
import { checkGateway } from './rules-gateway.ts';
import { checkServiceEntry, checkWorkloadEntry } from './rules-service-entry.ts';
import { checkSidecar } from './rules-sidecar.ts';
import { checkAuthorizationPolicy, checkPeerAuthentication, checkRequestAuthentication } from './rules-security.ts';

export type { RuleFinding } from './rules-common.ts';

export function checkIstioRules(resource: AnyResource): RuleFinding[] {
  const findings = checkMetadataRules(resource);
  switch (resource.kind) {
    case 'VirtualService':
      return [...findings, ...checkVirtualService(resource)];
    case 'DestinationRule':
      return [...findings, ...checkDestinationRule(resource)];
    case 'Gateway':
      return [...findings, ...checkGateway(resource)];
    case 'ServiceEntry':
      return [...findings, ...checkServiceEntry(resource)];
    case 'WorkloadEntry':
      return [...findings, ...checkWorkloadEntry(resource)];
    case 'Sidecar':
      return [...findings, ...checkSidecar(resource)];
    case 'PeerAuthentication':
      return [...findings, ...checkPeerAuthentication(resource)];
    case 'AuthorizationPolicy':
      return [...findings, ...checkAuthorizationPolicy(resource)];
    case 'RequestAuthentication':
      return [...findings, ...checkRequestAuthentication(resource)];
    default:
      return findings;
  }
}
