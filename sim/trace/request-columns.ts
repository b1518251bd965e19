/**
 * Finished requests as columns: when each ended, how long it took, and its label set (an index into
 * the recorder's series), in typed arrays that grow by doubling. A run of millions of requests keeps
 * 20 bytes per request and no object the garbage collector has to walk.
 *
 * Invariants: integers only (µs below 2^53, exact in a Float64Array); entries are kept in the order
 * they were pushed and never change.
 *
 * Not modelled: nothing; this is bookkeeping for sim/trace/recorder.ts.
 */
import { assert } from '../core/assert.ts';

const INITIAL_CAPACITY = 1024;

export class RequestColumns {
  private ends = new Float64Array(INITIAL_CAPACITY);
  private durations = new Float64Array(INITIAL_CAPACITY);
  private series = new Int32Array(INITIAL_CAPACITY);
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(endUs: number, durationUs: number, series: number): void {
    if (!(Number.isSafeInteger(endUs) && Number.isSafeInteger(durationUs) && durationUs >= 0)) assert(false, `request ending at ${endUs} µs after ${durationUs} µs: not integers`);
    if (this.count === this.ends.length) this.grow();
    this.ends[this.count] = endUs;
    this.durations[this.count] = durationUs;
    this.series[this.count] = series;
    this.count += 1;
  }

  endUs(index: number): number {
    return this.ends[index]!;
  }

  durationUs(index: number): number {
    return this.durations[index]!;
  }

  seriesOf(index: number): number {
    return this.series[index]!;
  }

  private grow(): void {
    const capacity = this.ends.length * 2;
    const ends = new Float64Array(capacity);
    ends.set(this.ends);
    this.ends = ends;
    const durations = new Float64Array(capacity);
    durations.set(this.durations);
    this.durations = durations;
    const series = new Int32Array(capacity);
    series.set(this.series);
    this.series = series;
  }
}
