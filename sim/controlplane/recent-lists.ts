/**
 * RecentLists: the last few distinct lists of a kind, so that an equal list built again (for another
 * namespace, or by a later config) is the object built first. What is memoised by a list's identity
 * (derived maps, plans, filtered lists) is then derived once for all the equal ones.
 *
 * Invariants: equal means the same elements (by identity) in the same order, and equal lists give equal
 * answers wherever a list is a key, so which object is kept never changes a result; at most `kept`
 * lists are held.
 *
 * Not modelled: nothing; this is a memory and time device, not part of Istio's behaviour.
 */
export class RecentLists<T> {
  private readonly lists: (readonly T[])[] = [];
  private readonly kept: number;

  constructor(kept = 8) {
    this.kept = kept;
  }

  /** The known list equal to `list`, else `list` (remembered as the newest). */
  intern(list: readonly T[]): readonly T[] {
    const known = this.lists.find((l) => l.length === list.length && l.every((x, i) => x === list[i]));
    if (known !== undefined) return known;
    this.lists.unshift(list);
    if (this.lists.length > this.kept) this.lists.pop();
    return list;
  }
}
