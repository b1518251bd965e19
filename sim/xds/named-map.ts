/**
 * NamedMap: the large by-name maps of a proxy config (the shared clusters and the endpoints), as a
 * persistent value. Entries sit in chunks of CHUNK slots, one slot per name, in the order the names
 * were first set (the order a plain object given the same sets iterates); `with(changes)` copies only
 * the chunks a change touches and shares the rest. An incremental (EDS) push replaces the entries of
 * the hosts whose endpoints moved in every namespace's map, so its cost is the hosts that moved, not
 * the mesh, as istiod's XDS cache keeps the resources a push did not touch. Folds over a map (sizes,
 * bytes, hosts) are memoised per chunk by the chunk's identity (`chunkAt`), so they are incremental too.
 *
 * Invariants: never changed once built; maps made from one another by `with` without new names share
 * one name index (`sameNames`), and slot i holds the same name in all of them, so a chunk object means
 * the same names wherever it appears; `get` and `has` are one Map lookup; `values`, `entries` and
 * `keys` follow slot order, skipping empty slots; JSON is the plain object of the entries (toJSON),
 * so a config stays JSON-safe.
 *
 * Not modelled: deletion (a config's names only grow between fresh builds; a map without a name is built anew).
 */

const CHUNK_BITS = 6;
/** Slots per chunk: a change copies one chunk of this many entries (and the list of chunks). */
export const CHUNK = 1 << CHUNK_BITS;

interface NameIndex {
  readonly names: readonly string[];
  readonly slots: ReadonlyMap<string, number>;
}

type Chunk<V> = readonly (V | undefined)[];

export class NamedMap<V> {
  /** Entries present. */
  readonly size: number;
  private readonly index: NameIndex;
  private readonly chunks: readonly Chunk<V>[];

  private constructor(index: NameIndex, chunks: readonly Chunk<V>[], size: number) {
    this.index = index;
    this.chunks = chunks;
    this.size = size;
  }

  /**
   * A map of these entries; a name set twice keeps its first position and its last value. `like`: maps
   * whose name index to share when these entries name the same names in the same order (every
   * namespace of a mesh without Sidecar resources holds the same cluster names).
   */
  static of<V>(entries: Iterable<readonly [string, V]>, like: readonly NamedMap<unknown>[] = []): NamedMap<V> {
    const list = Array.isArray(entries) ? (entries as readonly (readonly [string, V])[]) : [...entries];
    for (const candidate of like) {
      const shared = candidate.valuesOver(list);
      if (shared !== null) return new NamedMap(candidate.index, chunked(shared.values, candidate.chunks as readonly Chunk<V>[]), shared.size);
    }
    const names: string[] = [];
    const slots = new Map<string, number>();
    const values: V[] = [];
    for (const [name, value] of list) {
      const slot = slots.get(name);
      if (slot === undefined) {
        slots.set(name, names.length);
        names.push(name);
        values.push(value);
      } else {
        values[slot] = value;
      }
    }
    return new NamedMap({ names, slots }, chunked(values), values.length);
  }

  /** The entries of a plain object, in its order. */
  static fromRecord<V>(record: Readonly<Record<string, V>>): NamedMap<V> {
    return NamedMap.of(Object.entries(record));
  }

  /** The slot values of these entries over this map's names, or null when they name other names or another order. */
  private valuesOver<V>(list: readonly (readonly [string, V])[]): { values: V[]; size: number } | null {
    const { names, slots } = this.index;
    const values: V[] = [];
    for (const [name, value] of list) {
      const slot = slots.get(name);
      // A first sight must be the next name of the index; a repeat, a name already placed.
      if (slot === undefined || slot > values.length) return null;
      if (slot === values.length) values.push(value);
      else values[slot] = value;
    }
    return values.length === names.length ? { values, size: values.length } : null;
  }

  /**
   * A map over the same names as `like` (sharing its index), each holding `valueOf(name)` or nothing;
   * `reuse`: a map over those names whose chunks to keep where they hold the same entries.
   */
  static alongside<V>(like: NamedMap<unknown>, valueOf: (name: string) => V | undefined, reuse?: NamedMap<V>): NamedMap<V> {
    const values: (V | undefined)[] = [];
    let size = 0;
    for (const name of like.index.names) {
      const value = valueOf(name);
      values.push(value);
      if (value !== undefined) size += 1;
    }
    return new NamedMap(like.index, chunked(values, reuse !== undefined && reuse.index === like.index ? reuse.chunks : []), size);
  }

  static empty<V>(): NamedMap<V> {
    return EMPTY as NamedMap<V>;
  }

  get(name: string): V | undefined {
    const slot = this.index.slots.get(name);
    return slot === undefined ? undefined : this.chunks[slot >>> CHUNK_BITS]![slot & (CHUNK - 1)];
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /**
   * This map with these entries set (a name already here keeps its slot, a new one goes last): only
   * the chunks holding a changed slot are copied while no name is new; a new name builds a new index.
   */
  with(changes: Iterable<readonly [string, V]>): NamedMap<V> {
    const chunks = this.chunks.slice();
    const copied = new Set<number>();
    let size = this.size;
    let added: [string, V][] | null = null;
    for (const [name, value] of changes) {
      const slot = this.index.slots.get(name);
      if (slot === undefined) {
        (added ??= []).push([name, value]);
        continue;
      }
      const c = slot >>> CHUNK_BITS;
      if (!copied.has(c)) {
        chunks[c] = chunks[c]!.slice();
        copied.add(c);
      }
      const chunk = chunks[c] as (V | undefined)[];
      if (chunk[slot & (CHUNK - 1)] === undefined) size += 1;
      chunk[slot & (CHUNK - 1)] = value;
    }
    const next = new NamedMap(this.index, chunks, size);
    return added === null ? next : NamedMap.of([...next.entries(), ...added]);
  }

  /** Do both maps share one name index (slot and chunk i hold the same names in both)? */
  sameNames(other: NamedMap<unknown>): boolean {
    return this.index === other.index;
  }

  get chunkCount(): number {
    return this.chunks.length;
  }

  /** Chunk `c`: slots c × CHUNK onwards (an empty slot is undefined); the same object wherever nothing in it changed. */
  chunkAt(c: number): Chunk<V> {
    return this.chunks[c]!;
  }

  /** The name of a slot. */
  nameAt(slot: number): string {
    return this.index.names[slot]!;
  }

  values(): V[] {
    const out: V[] = [];
    for (const chunk of this.chunks) for (const value of chunk) if (value !== undefined) out.push(value);
    return out;
  }

  keys(): string[] {
    const out: string[] = [];
    const names = this.index.names;
    for (let c = 0; c < this.chunks.length; c += 1) {
      const chunk = this.chunks[c]!;
      for (let i = 0; i < chunk.length; i += 1) if (chunk[i] !== undefined) out.push(names[(c << CHUNK_BITS) + i]!);
    }
    return out;
  }

  entries(): [string, V][] {
    const out: [string, V][] = [];
    const names = this.index.names;
    for (let c = 0; c < this.chunks.length; c += 1) {
      const chunk = this.chunks[c]!;
      for (let i = 0; i < chunk.length; i += 1) {
        const value = chunk[i];
        if (value !== undefined) out.push([names[(c << CHUNK_BITS) + i]!, value]);
      }
    }
    return out;
  }

  toJSON(): Record<string, V> {
    const out: Record<string, V> = {};
    for (const [name, value] of this.entries()) out[name] = value;
    return out;
  }
}

/** The values in chunks; where `known` (over the same names) has a chunk of the same entries, that chunk. */
function chunked<V>(values: readonly (V | undefined)[], known: readonly Chunk<V>[] = []): Chunk<V>[] {
  const chunks: Chunk<V>[] = [];
  for (let start = 0; start < values.length; start += CHUNK) {
    const same = known[start >>> CHUNK_BITS];
    chunks.push(same !== undefined && sameSlots(same, values, start) ? same : values.slice(start, start + CHUNK));
  }
  return chunks;
}

function sameSlots<V>(chunk: Chunk<V>, values: readonly (V | undefined)[], start: number): boolean {
  const end = Math.min(start + CHUNK, values.length);
  if (chunk.length !== end - start) return false;
  for (let i = start; i < end; i += 1) if (chunk[i - start] !== values[i]) return false;
  return true;
}

const EMPTY = NamedMap.of<never>([]);

/**
 * The names `after` holds with an entry other than `before`'s (by identity; absent there included), in
 * `after`'s order: chunk by chunk where the maps share a name index (an unchanged chunk is skipped),
 * else entry by entry.
 */
export function changedNames<V>(before: NamedMap<V>, after: NamedMap<V>): string[] {
  const out: string[] = [];
  if (before.sameNames(after)) {
    for (let c = 0; c < after.chunkCount; c += 1) {
      const a = before.chunkAt(c);
      const b = after.chunkAt(c);
      if (a === b) continue;
      for (let i = 0; i < b.length; i += 1) if (b[i] !== undefined && a[i] !== b[i]) out.push(after.nameAt((c << CHUNK_BITS) + i));
    }
    return out;
  }
  for (const [name, value] of after.entries()) if (before.get(name) !== value) out.push(name);
  return out;
}
