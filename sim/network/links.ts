/**
 * The links of the mesh as faults change them: between pods (keyed by their workload, `NS/NAME`, or
 * `external` for clients outside the cluster) and between a pod's proxy and istiod (`istiod`). Each
 * fault is a window [from, until) over a set of workloads and a peer; this module answers, at an
 * instant, what a link adds or takes away.
 *
 * Rules:
 * - delay: extra one-way latency on every hop that touches one of the workloads (also xDS from
 *   istiod), added once per end that is affected;
 * - loss: each connection attempt over an affected link fails with the given probability (drawn from
 *   the run's `network` stream), answered as a connect failure;
 * - partition: nothing passes between the workloads and the peer (`*` any peer): a connection attempt
 *   gets no answer and fails when the client's connect timeout runs out; with `istiod` as the peer,
 *   the proxies lose their xDS stream until the partition heals.
 * A link with several faults takes the sum of their delays, the highest loss, and any partition.
 *
 * Invariants: no module state; answers depend only on the faults and the instant; the loss draws come
 * from the stream handed in, one per asked connection attempt with a loss above zero.
 *
 * Not modelled: packet-level behaviour (retransmission, partial loss inside a connection, bandwidth),
 * asymmetric partitions, node-level faults.
 */
import type { Rng } from '../core/prng.ts';
import { ratio } from '../core/prng.ts';

/** The peer at the other end of a link fault: every peer, istiod, or one workload. */
export type LinkPeer = '*' | 'istiod' | string;

export interface LinkFault {
  /** The workloads (`NS/NAME`) whose links are affected. */
  readonly workloads: ReadonlySet<string>;
  readonly peer: LinkPeer;
  readonly fromUs: number;
  /** Exclusive; Number.MAX_SAFE_INTEGER: until the run ends. */
  readonly untilUs: number;
  readonly delayUs: number;
  /** Share of connection attempts lost, parts per million. */
  readonly lossPpm: number;
  readonly partition: boolean;
}

/** Parts per million in a whole share. */
const PPM = 1_000_000;

export class Links {
  private readonly faults: LinkFault[] = [];
  private readonly rng: Rng;

  constructor(rng: Rng) {
    this.rng = rng;
  }

  add(fault: LinkFault): void {
    this.faults.push(fault);
  }

  /** Every fault still active or to come ends now (a healed phase). */
  healAll(nowUs: number): void {
    this.faults.forEach((f, i) => {
      if (f.untilUs > nowUs) this.faults[i] = { ...f, untilUs: Math.max(f.fromUs, nowUs) };
    });
  }

  /** Extra one-way latency on a hop between `a` and `b` (either may be null: not a workload pod). */
  delayUs(a: string | null, b: string | null, nowUs: number): number {
    let total = 0;
    for (const f of this.active(nowUs)) {
      if (f.delayUs === 0) continue;
      if (a !== null && f.workloads.has(a) && covers(f.peer, b)) total += f.delayUs;
      if (b !== null && b !== a && f.workloads.has(b) && covers(f.peer, a)) total += f.delayUs;
    }
    return total;
  }

  /** Is the link between `a` and `b` cut? */
  partitioned(a: string | null, b: string | null, nowUs: number): boolean {
    return this.active(nowUs).some((f) => f.partition && affects(f, a, b));
  }

  /** Does this connection attempt between `a` and `b` get through the link's loss? Draws only when some loss applies. */
  lost(a: string | null, b: string | null, nowUs: number): boolean {
    let lossPpm = 0;
    for (const f of this.active(nowUs)) if (f.lossPpm > lossPpm && affects(f, a, b)) lossPpm = f.lossPpm;
    if (lossPpm === 0) return false;
    return this.rng.chance(ratio(lossPpm, PPM));
  }

  /** When the last fault on the link between `workload` and istiod ends (a proxy reconnects then), or null when none is active. */
  istiodHealsAtUs(workload: string, nowUs: number): number | null {
    let until: number | null = null;
    for (const f of this.active(nowUs)) {
      if (f.partition && affects(f, workload, 'istiod')) until = Math.max(until ?? 0, f.untilUs);
    }
    return until;
  }

  /** Whether any fault is active now (a request on a healthy network asks nothing else). */
  anyActive(nowUs: number): boolean {
    return this.faults.length > 0 && this.faults.some((f) => f.fromUs <= nowUs && nowUs < f.untilUs);
  }

  private active(nowUs: number): readonly LinkFault[] {
    if (this.faults.length === 0) return NO_FAULTS;
    return this.faults.filter((f) => f.fromUs <= nowUs && nowUs < f.untilUs);
  }
}

const NO_FAULTS: readonly LinkFault[] = Object.freeze([]);

function covers(peer: LinkPeer, other: string | null): boolean {
  return peer === '*' || (other !== null && peer === other);
}

function affects(f: LinkFault, a: string | null, b: string | null): boolean {
  return (a !== null && f.workloads.has(a) && covers(f.peer, b)) || (b !== null && f.workloads.has(b) && covers(f.peer, a));
}
