/**
 * A string-keyed map with cheap snapshots: the keys are spread over a fixed number of buckets (by
 * FNV-1a of the key's code units), a snapshot is a read-only view that shares the buckets, and a write after a
 * snapshot copies only the bucket it touches. A map of 50,000 pods handed to every push, and changed a
 * few pods at a time in between, then costs a bucket per change instead of the whole map.
 *
 * Invariants: a snapshot never changes, whatever the map does later; `get`/`has`/`size` of map and
 * snapshot agree with a plain Map fed the same writes; iteration visits every entry once, bucket by
 * bucket (not in insertion order: sort when order matters).
 *
 * Not modelled: shrinking (empty buckets stay allocated; there are BUCKETS of them).
 */
const BUCKETS = 256;

/** A read-only view of the map at one moment (BucketMap.snapshot). */
export class BucketMapView<V> implements ReadonlyMap<string, V> {
  protected buckets: Map<string, V>[];
  protected count: number;

  constructor(buckets: Map<string, V>[], count: number) {
    this.buckets = buckets;
    this.count = count;
  }

  get size(): number {
    return this.count;
  }

  get(key: string): V | undefined {
    return this.buckets[bucketOf(key)]!.get(key);
  }

  has(key: string): boolean {
    return this.buckets[bucketOf(key)]!.has(key);
  }

  *entries(): MapIterator<[string, V]> {
    for (const bucket of this.buckets) yield* bucket.entries();
  }

  *keys(): MapIterator<string> {
    for (const bucket of this.buckets) yield* bucket.keys();
  }

  *values(): MapIterator<V> {
    for (const bucket of this.buckets) yield* bucket.values();
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  forEach(callback: (value: V, key: string, map: ReadonlyMap<string, V>) => void): void {
    for (const [key, value] of this.entries()) callback(value, key, this);
  }
}

export class BucketMap<V> extends BucketMapView<V> {
  /** Per bucket: handed out in a snapshot since it was last copied (the next write copies it). */
  private readonly shared: boolean[] = new Array<boolean>(BUCKETS).fill(false);
  /** The last snapshot, while no write has followed it. */
  private view: BucketMapView<V> | null = null;

  constructor() {
    super(Array.from({ length: BUCKETS }, () => new Map<string, V>()), 0);
  }

  set(key: string, value: V): void {
    const bucket = this.writable(bucketOf(key));
    if (!bucket.has(key)) this.count += 1;
    bucket.set(key, value);
  }

  delete(key: string): boolean {
    const at = bucketOf(key);
    if (!this.buckets[at]!.has(key)) return false;
    this.writable(at).delete(key);
    this.count -= 1;
    return true;
  }

  /** The map as it is now, never to change (the same view again until the next write). */
  snapshot(): ReadonlyMap<string, V> {
    if (this.view === null) {
      this.shared.fill(true);
      this.view = new BucketMapView(this.buckets.slice(), this.count);
    }
    return this.view;
  }

  private writable(at: number): Map<string, V> {
    this.view = null;
    if (this.shared[at] === true) {
      this.buckets[at] = new Map(this.buckets[at]);
      this.shared[at] = false;
    }
    return this.buckets[at]!;
  }
}

/** FNV-1a over the key's UTF-16 code units (a spread, not a digest: no UTF-8 needed), mod BUCKETS. */
function bucketOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i += 1) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % BUCKETS;
}
