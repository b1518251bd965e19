/**
 * Sidecar injection, decided as Istio's injection webhook decides it.
 *
 * The webhook is only called when its selectors match (the MutatingWebhookConfiguration of a default
 * install, revision `default`):
 * - namespace `istio-injection=enabled`, pod label `sidecar.istio.io/inject` not `false`;
 * - namespace `istio.io/rev=<rev>` (and no `istio-injection`), pod label not `false`;
 * - namespace with neither label: pod label `sidecar.istio.io/inject=true` (and no `istio.io/rev`), or pod
 *   label `istio.io/rev=<rev>` (pod label not `false`).
 * `istio-injection=disabled` (or any other value) matches none of them: never injected.
 * Once called, the webhook (pkg/kube/inject/inject.go injectRequired) skips host-network pods and the
 * kube-system, kube-public, kube-node-lease and local-path-storage namespaces, then reads `sidecar.istio.io/inject` from the pod's label, or its
 * annotation when there is no label: `false` skips, anything else injects (policy `enabled`).
 *
 * Not modelled: neverInjectSelector/alwaysInjectSelector, `enableNamespacesByDefault`, discovery selectors.
 */
import type { Labels } from '../config/selectors.ts';

export const INJECT_LABEL = 'sidecar.istio.io/inject';
export const NAMESPACE_INJECTION_LABEL = 'istio-injection';
export const REVISION_LABEL = 'istio.io/rev';

// Istio's inject.IgnoredNamespaces.
const IGNORED_NAMESPACES: ReadonlySet<string> = new Set(['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage']);

export interface InjectionInput {
  readonly namespace: string;
  readonly namespaceLabels: Labels;
  readonly podLabels: Labels;
  readonly podAnnotations: Labels;
  readonly hostNetwork: boolean;
  /** Control-plane revisions installed; a default install has `default`. */
  readonly revisions: readonly string[];
}

export type InjectionDecision =
  | { readonly injected: true; readonly revision: string; readonly reason: string }
  | { readonly injected: false; readonly reason: string };

export function decideInjection(input: InjectionInput): InjectionDecision {
  const nsInjection = input.namespaceLabels[NAMESPACE_INJECTION_LABEL];
  const nsRevision = input.namespaceLabels[REVISION_LABEL];
  const podInject = input.podLabels[INJECT_LABEL];
  const podRevision = input.podLabels[REVISION_LABEL];
  const called = webhookCalled(nsInjection, nsRevision, podInject, podRevision, input.revisions);
  if (called === null) {
    const reason = nsInjection === 'disabled'
      ? `namespace ${input.namespace} has istio-injection=disabled`
      : nsInjection !== undefined && nsInjection !== 'enabled'
        ? `namespace label istio-injection=${nsInjection} is neither enabled nor disabled`
        : podInject === 'false'
          ? `pod label ${INJECT_LABEL}=false`
          : `namespace ${input.namespace} is not labelled for injection and the pod does not ask for it`;
    return { injected: false, reason };
  }
  if (input.hostNetwork) return { injected: false, reason: 'the pod uses the host network' };
  if (IGNORED_NAMESPACES.has(input.namespace)) return { injected: false, reason: `${input.namespace} is never injected` };
  const objectSelector = podInject ?? input.podAnnotations[INJECT_LABEL];
  if (objectSelector === 'false') {
    return { injected: false, reason: `pod ${podInject === undefined ? 'annotation' : 'label'} ${INJECT_LABEL}=false` };
  }
  return { injected: true, revision: called.revision, reason: called.reason };
}

function webhookCalled(
  nsInjection: string | undefined,
  nsRevision: string | undefined,
  podInject: string | undefined,
  podRevision: string | undefined,
  revisions: readonly string[],
): { revision: string; reason: string } | null {
  // The istio-injection and sidecar.istio.io/inject=true webhooks exist only for the default revision.
  const hasDefault = revisions.includes('default');
  if (nsInjection === 'enabled') {
    return podInject === 'false' || !hasDefault ? null : { revision: 'default', reason: 'namespace has istio-injection=enabled' };
  }
  if (nsInjection !== undefined) return null;
  if (nsRevision !== undefined) {
    if (!revisions.includes(nsRevision) || podInject === 'false') return null;
    return { revision: nsRevision, reason: `namespace has istio.io/rev=${nsRevision}` };
  }
  if (podRevision !== undefined) {
    if (!revisions.includes(podRevision) || podInject === 'false') return null;
    return { revision: podRevision, reason: `pod has istio.io/rev=${podRevision}` };
  }
  if (podInject === 'true' && hasDefault) return { revision: 'default', reason: `pod label ${INJECT_LABEL}=true` };
  return null;
}
