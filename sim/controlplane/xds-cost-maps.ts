/**
 * The cluster and endpoint side of xds-cost.ts: bytes of one cluster (CDS) and one
 * ClusterLoadAssignment (EDS), and their sums over a config's shared maps (NamedMap), folded chunk
 * by chunk and memoised by the chunks' identity. An incremental push gives every namespace a map
 * that shares its unchanged chunks with the last one, so its sums cost the chunks it copied, not the
 * mesh (the way istiod's XDS cache keeps unchanged resources marshalled).
 *
 * Invariants: pure; every sum equals the straight fold over the map's entries in order (xds-cost.ts
 * keeps that walk as its reference path, and its tests compare them); a chunk figure is memoised by
 * (endpoints chunk, clusters chunk) only where both maps share one name index and each assignment is
 * keyed by its own cluster name, so the pair of chunks determines the figure.
 *
 * Not modelled: see xds-cost.ts.
 */
import type { Cluster, ClusterLoadAssignment } from '../xds/cluster.ts';
import { CHUNK, type NamedMap } from '../xds/named-map.ts';

// Bytes (protobuf, as Istio's ResourceSize counts them: the Any values); see xds-cost.ts for the fit.
const CLUSTER_BYTES = 960;
const CLA_BYTES = 80;
const ENDPOINT_BYTES = 130;

/** Assignments counted: how many, their endpoints, their bytes. */
export interface Totals {
  readonly count: number;
  readonly endpoints: number;
  readonly bytes: number;
}

export const NO_TOTALS: Totals = { count: 0, endpoints: 0, bytes: 0 };

export function plus(a: Totals, b: Totals, sign = 1): Totals {
  return { count: a.count + sign * b.count, endpoints: a.endpoints + sign * b.endpoints, bytes: a.bytes + sign * b.bytes };
}

type MutableTotals = { count: number; endpoints: number; bytes: number };

/** One (endpoints map, shared cluster map) pair, summed once: what every proxy holding that pair shares. */
export interface EdsIndex {
  /** The assignments of EDS clusters. */
  readonly all: Totals;
  /** The same by the cluster's service host (built on first use: only narrowed EDS pushes ask). */
  byHost: ReadonlyMap<string, Totals> | null;
  /** Endpoints of the assignments whose cluster the map holds (any discovery type). */
  readonly heldEndpoints: number;
}

interface ChunkSums {
  readonly all: Totals;
  readonly heldEndpoints: number;
}

const edsIndexes = new WeakMap<object, WeakMap<object, EdsIndex>>();
const chunkSums = new WeakMap<object, WeakMap<object, ChunkSums>>();
const clusterMapTotals = new WeakMap<object, { readonly count: number; readonly bytes: number }>();
const clusterChunkBytes = new WeakMap<object, number>();
const claByteFigures = new WeakMap<ClusterLoadAssignment, number>();

export function clusterBytes(cluster: Cluster): number {
  return CLUSTER_BYTES + 2 * cluster.name.length;
}

export function claBytes(a: ClusterLoadAssignment): number {
  let total = CLA_BYTES + a.clusterName.length;
  for (const e of a.endpoints) total += ENDPOINT_BYTES + e.address.length + e.workload.length + e.namespace.length;
  return total;
}

/** A ClusterLoadAssignment's bytes (one assignment serves every namespace's clusters of a snapshot). */
export function memoClaBytes(a: ClusterLoadAssignment): number {
  let bytes = claByteFigures.get(a);
  if (bytes === undefined) claByteFigures.set(a, bytes = claBytes(a));
  return bytes;
}

/** One assignment counted (none: nothing). */
export function assignmentTotals(a: ClusterLoadAssignment | undefined): Totals {
  return a === undefined ? NO_TOTALS : { count: 1, endpoints: a.endpoints.length, bytes: memoClaBytes(a) };
}

type MutableSums = { all: MutableTotals; heldEndpoints: number };

/** An assignment whose cluster the map holds: its endpoints are held, and EDS carries it when the cluster is an EDS one. */
function countHeld(into: MutableSums, a: ClusterLoadAssignment, cluster: Cluster): void {
  into.heldEndpoints += a.endpoints.length;
  if (cluster.discovery === 'EDS') addAssignment(into.all, a);
}

function addAssignment(into: MutableTotals, a: ClusterLoadAssignment): void {
  into.count += 1;
  into.endpoints += a.endpoints.length;
  into.bytes += memoClaBytes(a);
}

export function edsIndex(endpoints: NamedMap<ClusterLoadAssignment>, clusters: NamedMap<Cluster>): EdsIndex {
  let byClusters = edsIndexes.get(endpoints);
  if (byClusters === undefined) edsIndexes.set(endpoints, byClusters = new WeakMap());
  const known = byClusters.get(clusters);
  if (known !== undefined) return known;
  const sums: MutableSums = { all: { count: 0, endpoints: 0, bytes: 0 }, heldEndpoints: 0 };
  if (endpoints.sameNames(clusters)) {
    for (let c = 0; c < endpoints.chunkCount; c += 1) {
      const chunk = pairedChunkSums(endpoints, clusters, c);
      sums.all.count += chunk.all.count;
      sums.all.endpoints += chunk.all.endpoints;
      sums.all.bytes += chunk.all.bytes;
      sums.heldEndpoints += chunk.heldEndpoints;
    }
  } else {
    for (const a of endpoints.values()) {
      const cluster = clusters.get(a.clusterName);
      if (cluster !== undefined) countHeld(sums, a, cluster);
    }
  }
  const index: EdsIndex = { all: sums.all, byHost: null, heldEndpoints: sums.heldEndpoints };
  byClusters.set(clusters, index);
  return index;
}

/** Chunk `c` of two maps over one name index, summed as edsIndex sums a whole map (memoised by the two chunks). */
function pairedChunkSums(endpoints: NamedMap<ClusterLoadAssignment>, clusters: NamedMap<Cluster>, c: number): ChunkSums {
  const assignments = endpoints.chunkAt(c);
  const held = clusters.chunkAt(c);
  let byHeld = chunkSums.get(assignments);
  const known = byHeld?.get(held);
  if (known !== undefined) return known;
  const sums: MutableSums = { all: { count: 0, endpoints: 0, bytes: 0 }, heldEndpoints: 0 };
  // An assignment keyed by another cluster's name looks that one up: the pair of chunks no longer decides.
  let memoisable = true;
  for (let i = 0; i < assignments.length; i += 1) {
    const a = assignments[i];
    if (a === undefined) continue;
    const own = a.clusterName === endpoints.nameAt(c * CHUNK + i);
    if (!own) memoisable = false;
    const cluster = own ? held[i] : clusters.get(a.clusterName);
    if (cluster !== undefined) countHeld(sums, a, cluster);
  }
  if (memoisable) {
    if (byHeld === undefined) chunkSums.set(assignments, byHeld = new WeakMap());
    byHeld.set(held, sums);
  }
  return sums;
}

export function edsByHost(index: EdsIndex, endpoints: NamedMap<ClusterLoadAssignment>, clusters: NamedMap<Cluster>): ReadonlyMap<string, Totals> {
  if (index.byHost !== null) return index.byHost;
  const byHost = new Map<string, MutableTotals>();
  for (const a of endpoints.values()) {
    const cluster = clusters.get(a.clusterName);
    if (cluster === undefined || cluster.discovery !== 'EDS') continue;
    let totals = byHost.get(cluster.serviceHost);
    if (totals === undefined) byHost.set(cluster.serviceHost, totals = { count: 0, endpoints: 0, bytes: 0 });
    addAssignment(totals, a);
  }
  index.byHost = byHost;
  return byHost;
}

/** How many clusters a shared map holds and their CDS bytes, summed chunk by chunk. */
export function sharedClusterTotals(clusters: NamedMap<Cluster>): { readonly count: number; readonly bytes: number } {
  let shared = clusterMapTotals.get(clusters);
  if (shared === undefined) {
    let bytes = 0;
    for (let c = 0; c < clusters.chunkCount; c += 1) {
      const chunk = clusters.chunkAt(c);
      let chunkBytes = clusterChunkBytes.get(chunk);
      if (chunkBytes === undefined) {
        chunkBytes = 0;
        for (const cluster of chunk) if (cluster !== undefined) chunkBytes += clusterBytes(cluster);
        clusterChunkBytes.set(chunk, chunkBytes);
      }
      bytes += chunkBytes;
    }
    shared = { count: clusters.size, bytes };
    clusterMapTotals.set(clusters, shared);
  }
  return shared;
}
