/**
 * Grouping items into lists by a key: `groupBy` for a whole collection, `addTo` for one item at a time;
 * `entryOf` for the get-or-make step of a memo kept in a Map or WeakMap.
 *
 * Invariants: pure (`addTo` changes only the map handed in); each list keeps the items' order, and the
 * map's keys come in the order they were first seen.
 *
 * Not modelled: nothing beyond the job above.
 */

/** The items in lists by `keyOf(item)`. */
export function groupBy<T, K>(items: Iterable<T>, keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) addTo(groups, keyOf(item), item);
  return groups;
}

/** Appends `item` to the list of `key` (a new list for a new key). */
export function addTo<K, T>(groups: Map<K, T[]>, key: K, item: T): void {
  const list = groups.get(key);
  if (list === undefined) groups.set(key, [item]);
  else list.push(item);
}

/** The value of `key`, made (and kept) by `make` the first time: the get-or-make step of a memo. */
export function entryOf<K, V>(map: { get(key: K): V | undefined; set(key: K, value: V): unknown }, key: K, make: (key: K) => NoInfer<V>): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make(key);
    map.set(key, value);
  }
  return value;
}
