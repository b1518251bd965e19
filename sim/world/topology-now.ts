/**
 * The cluster state's topology at one moment (cluster-state.ts): the resources' topology with the pods
 * and endpoints of now. Its `pods` and `endpoints` lists (50,000 each at scale) are copied when first
 * read, and their lookups lent from the cluster state's indexes until `recall`: under pod churn most
 * moments are only read for their services (a request resolving a host) or through the indexes
 * directly, and a copy per pod change would cost the mesh, not the change.
 *
 * Invariants: the lists, once read, do not change; lookups on them answer as scans would, while lent.
 *
 * Not modelled: nothing; this is bookkeeping for sim/world/cluster-state.ts.
 */
import { lendEndpointIndex, lendPodIndex, recallEndpointIndex, recallPodIndex } from '../topology/lookup.ts';
import type { EndpointInfo, PodInfo, Topology } from '../topology/model.ts';

export interface TopologySources {
  /** Copies of the lists now (called at most once each). */
  readonly pods: () => readonly PodInfo[];
  readonly endpoints: () => readonly EndpointInfo[];
  /** Indexed lookups that answer as scans of those lists would. */
  readonly podByIp: (ip: string) => PodInfo | undefined;
  readonly ofPort: (hostname: string, namespace: string, port: number) => readonly EndpointInfo[];
}

export class TopologyNow {
  readonly topology: Topology;
  private pods: readonly PodInfo[] | null = null;
  private endpoints: readonly EndpointInfo[] | null = null;

  constructor(base: Topology, sources: TopologySources) {
    const topology = { ...base };
    Object.defineProperty(topology, 'pods', {
      enumerable: true,
      get: () => {
        if (this.pods === null) lendPodIndex(this.pods = sources.pods(), sources.podByIp);
        return this.pods;
      },
    });
    Object.defineProperty(topology, 'endpoints', {
      enumerable: true,
      get: () => {
        if (this.endpoints === null) lendEndpointIndex(this.endpoints = sources.endpoints(), sources.ofPort);
        return this.endpoints;
      },
    });
    this.topology = topology;
  }

  /** The state moves on: the lists read so far look their entries up by themselves from now on. */
  recall(): void {
    if (this.pods !== null) recallPodIndex(this.pods);
    if (this.endpoints !== null) recallEndpointIndex(this.endpoints);
  }
}
