/**
 * Namespace and port analyzers (Istio: analyzers/injection, analyzers/service/portname.go):
 * - IST0102 (info): a namespace with neither `istio-injection` nor `istio.io/rev` (system namespaces
 *   excepted: kube-*, local-path-storage and the root namespace);
 * - IST0123 (warning): a namespace with both;
 * - IST0118 (info): a Service port whose name (and appProtocol) give no protocol, so Istio sniffs it;
 *   ExternalName services and the system namespaces are skipped.
 *
 * Not modelled: IST0148 (enableNamespacesByDefault), ambient namespaces, IST0103 (needs running pods).
 */
import { CODES } from '../config/diagnostic.ts';
import type { Diagnostic } from '../config/diagnostic.ts';
import type { AnyResource } from '../config/resource.ts';
import { NAMESPACE_INJECTION_LABEL, REVISION_LABEL } from '../topology/injection.ts';
import { servicePortProtocol } from '../config/protocol.ts';
import { ofKind, report } from './context.ts';
import type { AnalysisContext } from './context.ts';

const SYSTEM_NAMESPACES: ReadonlySet<string> = new Set(['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage']);

function isSystem(namespace: string, context: AnalysisContext): boolean {
  return SYSTEM_NAMESPACES.has(namespace) || namespace === context.topology.settings.rootNamespace;
}

export function analyzeNamespaces(context: AnalysisContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const ns of context.topology.namespaces) {
    if (isSystem(ns.name, context)) continue;
    const anchor = anchorFor(ns.name, context);
    if (anchor === undefined) continue;
    const path = anchor.kind === 'Namespace' ? ['metadata', 'labels'] : ['metadata', 'namespace'];
    const injection = ns.labels[NAMESPACE_INJECTION_LABEL];
    const revision = ns.labels[REVISION_LABEL];
    if (injection === undefined && revision === undefined) {
      out.push({
        ...report(anchor, path, 'info', CODES.namespaceNotInjected,
          `The namespace is not enabled for Istio injection. Run 'kubectl label namespace ${ns.name} istio-injection=enabled' to enable it, or 'kubectl label namespace ${ns.name} istio-injection=disabled' to explicitly mark it as not needing injection.`,
          `In meshsim, declare the Namespace with the label (kind: Namespace, metadata.labels: {istio-injection: enabled}).`),
        resource: { kind: 'Namespace', namespace: '', name: ns.name },
        field: anchor.kind === 'Namespace' ? 'metadata.labels' : '',
      });
    } else if (injection !== undefined && revision !== undefined) {
      out.push(report(anchor, path, 'warning', CODES.namespaceMultipleInjectionLabels,
        `The namespace has more than one type of injection labels [${NAMESPACE_INJECTION_LABEL} ${REVISION_LABEL}], which may lead to undefined behavior. Make sure only one injection label exists.`,
        `Remove one of the labels; istio-injection wins while both are set.`));
    }
  }
  return out;
}

/** The Namespace resource if declared, else the first resource living in the namespace (input order). */
function anchorFor(namespace: string, context: AnalysisContext): AnyResource | undefined {
  return context.resources.find((r) => r.kind === 'Namespace' && r.name === namespace && !context.builtIn(r))
    ?? context.resources.find((r) => r.namespace === namespace && !context.builtIn(r));
}

export function analyzePortNames(context: AnalysisContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const service of ofKind(context, 'Service')) {
    if (isSystem(service.namespace, context) || service.spec.type === 'ExternalName') continue;
    (service.spec.ports ?? []).forEach((port, index) => {
      const protocol = servicePortProtocol(port.port, port.name ?? '', port.protocol ?? 'TCP', port.appProtocol);
      if (protocol !== 'auto') return;
      out.push(report(service, ['spec', 'ports', index, 'name'], 'info', CODES.portNameNotUnderConvention,
        `Port name ${port.name ?? ''} (port: ${port.port}, targetPort: ${String(port.targetPort ?? port.port)}) doesn't follow the naming convention of Istio port.`,
        'Name the port <protocol>[-<suffix>] (http, http2, grpc, tcp, tls, https, …) or set appProtocol; otherwise Istio sniffs the protocol.'));
    });
  }
  return out;
}
