/**
 * A short, readable account of the mesh that was loaded: per namespace, its injection setting and its
 * services and workloads (pods, and whether they run a sidecar). Printed by `validate` before the
 * diagnostics so a user sees what meshsim understood from the files.
 */
import type { Topology } from '../sim/index.ts';

export function formatTopology(topology: Topology, userNamespaces: ReadonlySet<string>): string {
  const lines: string[] = [];
  for (const ns of topology.namespaces) {
    if (!userNamespaces.has(ns.name)) continue;
    const injection = ns.labels['istio-injection'] !== undefined
      ? `istio-injection=${ns.labels['istio-injection']}`
      : ns.labels['istio.io/rev'] !== undefined ? `istio.io/rev=${ns.labels['istio.io/rev']}` : 'no injection label';
    lines.push(`namespace ${ns.name} (${injection})`);
    for (const s of topology.services.filter((x) => x.namespace === ns.name)) {
      const ports = s.ports.map((p) => `${p.port}/${p.protocol}`).join(', ');
      const endpoints = topology.endpoints.filter((e) => e.service === s.hostname).length;
      lines.push(`  service  ${s.hostname}  ${s.address ?? s.kind}  [${ports}]  ${endpoints} endpoint${endpoints === 1 ? '' : 's'}`);
    }
    for (const w of topology.workloads.filter((x) => x.namespace === ns.name)) {
      const proxy = w.proxy === 'sidecar' ? 'sidecar' : w.proxy === 'gateway' ? 'gateway proxy' : 'no sidecar';
      lines.push(`  ${w.kind.padEnd(8)} ${w.name}  ${w.replicas} pod${w.replicas === 1 ? '' : 's'}, ${proxy} (${w.injectionReason}), ${w.identity}`);
    }
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
