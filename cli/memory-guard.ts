/**
 * The memory guard of `meshsim run`: V8 ends a process whose heap is full with a fatal error nobody
 * can catch, so the run watches its heap between slices of virtual time and stops first, with a message
 * that says what was being simulated, how far it got, the peak, and what to do (exit code 5).
 *
 * Job: sample the heap at each progress callback; keep the peak; when the live heap stays above
 * LIMIT_SHARE of V8's limit on two samples in a row (one sample may still hold garbage a full
 * collection would free), throw a UserError with EXIT.outOfMemory. Report the peak and the memory per
 * pod and per proxy at the end of a run.
 *
 * Invariants: reads only this process's own figures (v8 heap statistics, resident set size); never
 * changes what is simulated, so a guarded run gives the same bytes as an unguarded one.
 *
 * Not modelled: memory outside the V8 heap (buffers) beyond what the RSS shows. A run that outgrows the
 * heap within one slice (the slices are at most a second of virtual time) dies in V8; the supervisor
 * (supervise.ts) then gives the same message from the last sample this guard reported.
 */
import v8 from 'node:v8';
import { EXIT, UserError } from './user-error.ts';

const LIMIT_SHARE = 0.9;

export interface MemoryUse {
  /** The largest live heap seen, bytes. */
  readonly peakHeapBytes: number;
  /** The process's peak resident set size, bytes. */
  readonly peakRssBytes: number;
}

export type HeapStatistics = () => { readonly used_heap_size: number; readonly heap_size_limit: number };

export class MemoryGuard {
  private readonly what: string;
  private readonly heap: HeapStatistics;
  private peakHeap = 0;
  private overLimitSamples = 0;

  private readonly onSample: ((nowUs: number, usedBytes: number, limitBytes: number) => void) | null;

  /**
   * `what`: the scenario and its size, for the message; `heap`: where the figures come from (tests);
   * `onSample`: told every sample (the supervisor's progress pipe, supervise.ts).
   */
  constructor(what: string, heap: HeapStatistics = () => v8.getHeapStatistics(), onSample: ((nowUs: number, usedBytes: number, limitBytes: number) => void) | null = null) {
    this.what = what;
    this.heap = heap;
    this.onSample = onSample;
  }

  /** A progress sample at virtual time `nowUs`; throws when the heap is nearly full. */
  sample(nowUs: number): void {
    const { used_heap_size: used, heap_size_limit: limit } = this.heap();
    this.onSample?.(nowUs, used, limit);
    this.peakHeap = Math.max(this.peakHeap, used);
    this.overLimitSamples = used > LIMIT_SHARE * limit ? this.overLimitSamples + 1 : 0;
    if (this.overLimitSamples < 2) return;
    throw new UserError(outOfMemoryMessage(this.what, nowUs, used, limit), EXIT.outOfMemory);
  }

  use(): MemoryUse {
    const { used_heap_size: used } = this.heap();
    return { peakHeapBytes: Math.max(this.peakHeap, used), peakRssBytes: process.resourceUsage().maxRSS * 1024 };
  }
}

export function outOfMemoryMessage(what: string, nowUs: number, usedBytes: number, limitBytes: number): string {
  const limitMb = Math.round(limitBytes / 2 ** 20);
  return `${what} outgrew memory at ${(nowUs / 1_000_000).toFixed(1)} s of virtual time: the heap holds ${mb(usedBytes)} of the ${limitMb} MB Node may use. `
    + `Nothing was written. Give Node more heap (e.g. NODE_OPTIONS=--max-old-space-size=${nextLimitMb(limitMb)} meshsim run …), `
    + 'or shrink the scenario: fewer services or pods, Sidecar resources that scope each namespace (each proxy then holds only what it imports), or a shorter duration.';
}

function nextLimitMb(limitMb: number): number {
  return Math.max(8192, 2 ** Math.ceil(Math.log2(limitMb * 2)));
}

export function mb(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MB`;
}

/** `memory      peak heap 812 MB, RSS 1.1 GB: 406 KB per proxy (2000), 406 KB per pod (2000)`. */
export function formatMemoryUse(use: MemoryUse, proxies: number, pods: number): string {
  const per = (count: number, label: string) => (count === 0 ? '' : `, ${Math.round(use.peakHeapBytes / count / 1024)} KB per ${label} (${count})`);
  return `memory      peak heap ${mb(use.peakHeapBytes)}, peak RSS ${mb(use.peakRssBytes)}${per(proxies, 'proxy')}${per(pods, 'pod')}`;
}
