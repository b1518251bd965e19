/**
 * ConfigStore: the resources of the mesh, versioned, with the creation order Istio's precedence rules
 * depend on, and change events for the control plane.
 *
 * Age (Istio's sortConfigByCreationTime: older first, ties by name, then namespace): a resource with a
 * `metadata.creationTimestamp` is as old as that timestamp; one without was created when it was first
 * applied here, which is after every timestamped resource (as `kubectl apply` stamps "now"), in apply order.
 * An update keeps the age (Kubernetes keeps creationTimestamp on update); delete and re-create resets it.
 *
 * Invariants: `list` order is (namespace, name), independent of apply order; `byAge` is a total order;
 * every mutation bumps `revision` by one and emits exactly one event, synchronously; a re-apply of
 * identical content is no mutation.
 *
 * Not modelled: resourceVersion conflicts, finalizers, garbage collection of owned objects.
 */
import { assert } from '../core/assert.ts';
import { compareBy, compareStrings } from '../core/compare.ts';
import { stableStringify } from '../core/hash.ts';
import type { KindName } from './kinds.ts';
import { resourceKey } from './resource.ts';
import type { AnyResource, Resource } from './resource.ts';
import { parseTimestampUs } from './timestamp.ts';

export type ConfigEventType = 'added' | 'updated' | 'deleted';

export interface ConfigEvent {
  readonly type: ConfigEventType;
  readonly kind: KindName;
  readonly namespace: string;
  readonly name: string;
  /** The store's revision after this change. */
  readonly revision: number;
}

export type ConfigListener = (event: ConfigEvent) => void;

interface Entry {
  readonly resource: AnyResource;
  /** Per-resource version: 1 on creation, +1 on each update. */
  readonly version: number;
  /** 0 for timestamped resources (ordered by time), 1 for the ones applied here (ordered by sequence). */
  readonly ageClass: 0 | 1;
  readonly ageKey: number;
}

export class ConfigStore {
  private readonly entries = new Map<string, Entry>();
  /** The same entries by kind: a list of one kind reads that kind's entries, not the whole store. */
  private readonly byKind = new Map<string, Map<string, Entry>>();
  private readonly listeners: ConfigListener[] = [];
  private revisionCount = 0;
  private appliedCount = 0;

  get revision(): number {
    return this.revisionCount;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Adds or replaces a resource (as `kubectl apply`). Applying exactly what is stored already changes
   * nothing and emits nothing (kubectl: "unchanged"; no watch event reaches istiod), so it returns null.
   */
  apply(resource: AnyResource): ConfigEvent | null {
    const key = resourceKey(resource);
    const existing = this.entries.get(key);
    if (existing === undefined) {
      const stampUs = resource.creationTimestamp === null ? null : parseTimestampUs(resource.creationTimestamp);
      this.appliedCount += 1;
      const entry: Entry = stampUs === null
        ? { resource, version: 1, ageClass: 1, ageKey: this.appliedCount }
        // Kubernetes stores creationTimestamp in whole seconds: within a second, names decide.
        : { resource, version: 1, ageClass: 0, ageKey: Math.floor(stampUs / 1_000_000) };
      this.put(key, entry);
      return this.emit('added', resource);
    }
    if (contentOf(existing.resource) === contentOf(resource)) return null;
    this.put(key, { ...existing, resource, version: existing.version + 1 });
    return this.emit('updated', resource);
  }

  delete(kind: KindName, namespace: string, name: string): ConfigEvent | null {
    const key = resourceKey({ kind, namespace, name });
    const existing = this.entries.get(key);
    if (existing === undefined) return null;
    this.entries.delete(key);
    this.byKind.get(kind)?.delete(key);
    return this.emit('deleted', existing.resource);
  }

  private put(key: string, entry: Entry): void {
    this.entries.set(key, entry);
    let ofKind = this.byKind.get(entry.resource.kind);
    if (ofKind === undefined) this.byKind.set(entry.resource.kind, ofKind = new Map());
    ofKind.set(key, entry);
  }

  get<K extends KindName>(kind: K, namespace: string, name: string): Resource<K> | undefined {
    return this.entries.get(resourceKey({ kind, namespace, name }))?.resource as Resource<K> | undefined;
  }

  versionOf(kind: KindName, namespace: string, name: string): number {
    return this.entries.get(resourceKey({ kind, namespace, name }))?.version ?? 0;
  }

  /** Resources of a kind (optionally one namespace), ordered by (namespace, name). */
  list<K extends KindName>(kind: K, namespace?: string): Resource<K>[] {
    const out: Resource<K>[] = [];
    for (const entry of this.byKind.get(kind)?.values() ?? []) {
      const r = entry.resource;
      if (namespace === undefined || r.namespace === namespace) out.push(r as Resource<K>);
    }
    return out.sort(compareBy<Resource<K>>((r) => r.namespace, (r) => r.name));
  }

  /** Every resource, ordered by (kind, namespace, name). */
  all(): AnyResource[] {
    return [...this.entries.values()]
      .map((e) => e.resource)
      .sort(compareBy<AnyResource>((r) => r.kind, (r) => r.namespace, (r) => r.name));
  }

  /** Resources of a kind, oldest first (Istio's precedence order). */
  byAge<K extends KindName>(kind: K): Resource<K>[] {
    const entries = [...(this.byKind.get(kind)?.values() ?? [])];
    entries.sort(
      (a, b) =>
        a.ageClass - b.ageClass ||
        a.ageKey - b.ageKey ||
        compareStrings(a.resource.name, b.resource.name) ||
        compareStrings(a.resource.namespace, b.resource.namespace),
    );
    return entries.map((e) => e.resource as Resource<K>);
  }

  subscribe(listener: ConfigListener): () => void {
    this.listeners.push(listener);
    return () => {
      const index = this.listeners.indexOf(listener);
      assert(index >= 0, 'listener unsubscribed twice');
      this.listeners.splice(index, 1);
    };
  }

  private emit(type: ConfigEventType, resource: AnyResource): ConfigEvent {
    this.revisionCount += 1;
    const event: ConfigEvent = { type, kind: resource.kind, namespace: resource.namespace, name: resource.name, revision: this.revisionCount };
    for (const listener of [...this.listeners]) listener(event);
    return event;
  }
}

/** What a re-apply compares: everything the user wrote (resources built in code may carry no body). */
function contentOf(resource: AnyResource): string {
  return stableStringify([resource.apiVersion, resource.labels, resource.annotations, resource.spec, resource.body]);
}
