/**
 * Kubernetes API-server validation that the OpenAPI schema does not carry (k8s.io/kubernetes
 * pkg/apis/core/validation and apps/validation): port ranges, Service port names, and a workload's
 * selector matching its own pod template. An error here means `kubectl apply` would be refused.
 *
 * Invariants: pure; one resource at a time.
 *
 * Not modelled: resource quantities, probe handlers, volume sources, security contexts, env var
 * names, the immutability of selectors on update.
 */
import type { AnyResource, FieldPath } from './resource.ts';
import { labelSelectorMatches } from './selectors.ts';
import type { LabelSelector, Labels } from './selectors.ts';
import { Findings, isDns1123Label } from './rules-common.ts';
import type { RuleFinding } from './rules-common.ts';

type ServicePortSpec = { name?: string; port?: number; targetPort?: number | string; nodePort?: number };
type Container = { ports?: { containerPort?: number; name?: string }[] };
type PodSpec = { containers?: Container[]; initContainers?: Container[] };

export function checkKubeRules(resource: AnyResource): RuleFinding[] {
  const f = new Findings();
  switch (resource.kind) {
    case 'Service':
      checkServicePorts(f, (resource.spec.ports ?? []) as ServicePortSpec[], resource.spec.type ?? 'ClusterIP');
      break;
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet': {
      const template = resource.spec.template as { metadata?: { labels?: Labels }; spec?: PodSpec } | undefined;
      const selector = resource.spec.selector as LabelSelector | undefined;
      const labels = template?.metadata?.labels ?? {};
      // apps/v1 ValidateDeploymentSpec (and the StatefulSet and DaemonSet ones): a selector is required
      // and must select something.
      if (selector === undefined) {
        f.error(['spec', 'selector'], 'Required value: apps/v1 workloads need a `selector`', 'Add `selector: {matchLabels: …}` with labels the pod template carries.');
      } else if (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0) {
        f.error(['spec', 'selector'], `Invalid value: empty selector is invalid for ${resource.kind.toLowerCase()}`, 'Give the selector at least one label the pod template carries.');
      } else if (!labelSelectorMatches(selector, labels)) {
        f.error(['spec', 'selector'], '`selector` does not match template `labels`',
          'The pod template must carry every label the selector asks for (apps/v1 selectors are required and immutable).');
      }
      checkContainers(f, template?.spec, ['spec', 'template', 'spec']);
      break;
    }
    case 'Pod':
      checkContainers(f, resource.spec as PodSpec, ['spec']);
      break;
    default:
      break;
  }
  return f.list;
}

function checkServicePorts(f: Findings, ports: readonly ServicePortSpec[], type: string): void {
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const path: FieldPath = ['spec', 'ports', i];
    if (p.port !== undefined) portInRange(f, p.port, [...path, 'port']);
    if (typeof p.targetPort === 'number') portInRange(f, p.targetPort, [...path, 'targetPort']);
    // IntOrString: a quoted number is a string, and a port name needs a letter (validatePortNumOrName).
    if (typeof p.targetPort === 'string' && !isPortName(p.targetPort)) {
      f.error([...path, 'targetPort'], /^\d+$/.test(p.targetPort)
        ? `Invalid value: "${p.targetPort}": a quoted number is a port name, and a port name must contain at least one letter`
        : `Invalid value: "${p.targetPort}": must be a port number or an IANA_SVC_NAME (at most 15 characters, lower-case letters, digits and "-")`,
      /^\d+$/.test(p.targetPort) ? `Write the number without quotes: targetPort: ${p.targetPort}.` : 'Use the container port\'s number or its name.');
    }
    if (ports.length > 1 && (p.name ?? '') === '') {
      f.error([...path, 'name'], 'Required value: a name is required when a Service has more than one port', 'Name every port (http, grpc-api, tcp-db …); Istio also reads the protocol from the name.');
    }
    if (p.name !== undefined && p.name !== '') {
      if (!isDns1123Label(p.name)) f.error([...path, 'name'], `Invalid value: "${p.name}": a port name must be a DNS-1123 label`, 'Use lower-case letters, digits and "-".');
      if (names.has(p.name)) f.error([...path, 'name'], `Duplicate value: "${p.name}"`, 'Give each port its own name.');
      names.add(p.name);
    }
    if (p.nodePort !== undefined && type !== 'NodePort' && type !== 'LoadBalancer') {
      f.error([...path, 'nodePort'], `Forbidden: may not be used when \`type\` is '${type}'`, 'Remove nodePort, or make the Service a NodePort or LoadBalancer.');
    }
  });
}

function checkContainers(f: Findings, spec: PodSpec | undefined, path: FieldPath): void {
  for (const list of ['containers', 'initContainers'] as const) {
    (spec?.[list] ?? []).forEach((container, i) => {
      (container.ports ?? []).forEach((port, j) => {
        if (port.containerPort !== undefined) portInRange(f, port.containerPort, [...path, list, i, 'ports', j, 'containerPort']);
        if (port.name !== undefined && !isPortName(port.name)) {
          f.error([...path, list, i, 'ports', j, 'name'], `Invalid value: "${port.name}": must be an IANA_SVC_NAME (at most 15 characters, lower-case letters, digits and "-", with a letter)`, 'Shorten or fix the port name.');
        }
      });
    });
  }
}

function portInRange(f: Findings, port: number, path: FieldPath): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    f.error(path, `Invalid value: ${port}: must be between 1 and 65535, inclusive`, 'Use a port between 1 and 65535.');
  }
}

/** IANA_SVC_NAME: 1–15 characters, lower-case alphanumerics and "-", at least one letter, no "--". */
function isPortName(name: string): boolean {
  return name.length <= 15 && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name) && /[a-z]/.test(name) && !name.includes('--');
}
