/**
 * What istiod's work costs in the run: PushContext init and per-proxy generation in virtual CPU time,
 * and the bytes each xDS type carries, from the calibrated model in sim/controlplane/xds-cost.ts; and
 * each proxy's end-of-run snapshot (config size, versions).
 *
 * Invariants: pure; integers. Each figure costs a proxy its own part and the number of shared parts it
 * holds: sizes of shared parts are memoised by identity in xds-cost.ts (so the end-of-run snapshot of
 * many proxies sharing a namespace's config sums each shared part once).
 *
 * Not modelled: see xds-cost.ts.
 */
import type { PushContext } from '../controlplane/push-context.ts';
import { assignmentsBytes, assignmentsCostUs, configBytes, configShape, generationCostUs, pushContextInitCostUs } from '../controlplane/xds-cost.ts';
import type { ClusterLoadAssignment } from '../xds/cluster.ts';
import type { ServiceRef } from '../controlplane/push-scope.ts';
import type { ProxySnapshot, XdsType } from '../trace/run-record.ts';
import type { ProxyConfig } from '../xds/proxy-config.ts';
import type { ProxyActor } from './proxy-actor.ts';

export const pushCosts = {
  initUs(push: PushContext): number {
    return pushContextInitCostUs({
      services: push.topology.services.length,
      virtualServices: push.virtualServices.length,
      gateways: push.gateways.length,
      destinationRules: push.destinationRules.length,
      sidecars: push.sidecars.length,
      peerAuthentications: push.peerAuthentications.length,
      authorizationPolicies: push.authorizationPolicies.length,
      requestAuthentications: push.requestAuthentications.length,
    });
  },
  /** `edsServices`: the services an incremental EDS push regenerates (null: every watched one). */
  generationUs(config: ProxyConfig, types: readonly XdsType[], edsServices: readonly ServiceRef[] | null = null): number {
    return generationCostUs(config, types, edsServices === null ? {} : { edsServices: edsServices.map((s) => s.hostname) });
  },
  /** Bytes of these types of the config (EDS narrowed to `edsServices` when given). */
  bytes(config: ProxyConfig, types: readonly XdsType[], edsServices: readonly ServiceRef[] | null = null): number {
    const options = edsServices === null ? {} : { edsServices: edsServices.map((s) => s.hostname) };
    return types.reduce((total, type) => total + configBytes(config, type, options), 0);
  },
  /** A partial EDS push carrying just these assignments. */
  assignmentsUs(assignments: readonly ClusterLoadAssignment[]): number {
    return listFigures(assignments).us;
  },
  assignmentsBytes(assignments: readonly ClusterLoadAssignment[]): number {
    return listFigures(assignments).bytes;
  },
};

// Figures of assignment lists by the list's identity (never changed once built): the proxies of one
// share group get the same list in a partial EDS push.
const assignmentLists = new WeakMap<readonly ClusterLoadAssignment[], { readonly us: number; readonly bytes: number }>();

function listFigures(list: readonly ClusterLoadAssignment[]): { readonly us: number; readonly bytes: number } {
  let figures = assignmentLists.get(list);
  if (figures === undefined) assignmentLists.set(list, figures = { us: assignmentsCostUs(list), bytes: assignmentsBytes(list) });
  return figures;
}

export function proxySnapshot(actor: ProxyActor): ProxySnapshot {
  const view = actor.view();
  const types = ['CDS', 'EDS', 'LDS', 'RDS'] as const;
  const shape = view === null ? null : configShape(view);
  return {
    proxy: actor.id,
    namespace: actor.identity.namespace,
    workload: actor.identity.workload,
    type: actor.identity.type,
    listeners: view?.listeners.length ?? 0,
    routes: Object.keys(view?.routes ?? {}).length,
    clusters: shape?.clusters ?? 0,
    endpoints: shape?.endpoints ?? 0,
    bytes: view === null ? 0 : pushCosts.bytes(view, types),
    acked: { CDS: actor.ackedPush('CDS'), EDS: actor.ackedPush('EDS'), LDS: actor.ackedPush('LDS'), RDS: actor.ackedPush('RDS') },
    nacks: actor.nacks,
  };
}
