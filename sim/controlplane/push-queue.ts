/**
 * istiod's push queue (pilot/pkg/xds/pushqueue.go): proxies waiting for a push, first in first out, at
 * most once each. A request for a proxy already waiting is merged into its entry (it keeps its place);
 * a request for a proxy being pushed right now is held and re-queued when that push is marked done.
 * The throttle (PILOT_PUSH_THROTTLE) is the caller's: it takes the next entry only while fewer than
 * that many pushes are in progress.
 *
 * Invariants: pure; a proxy is in at most one of {waiting, in progress}; order is enqueue order, so the
 * same inputs give the same order. Requests are never changed once built, so merging the same two
 * requests gives one shared request (memoised by their identity): proxies queued by the same pushes
 * carry the same request object, and what is derived from it per group of proxies is computed once.
 *
 * Not modelled: the queue's shutdown and per-connection blocking (the world handles disconnects).
 */
import { assert } from '../core/assert.ts';
import { mergePushRequests } from './debounce.ts';
import type { PushRequest } from './debounce.ts';

// Merged requests by the identity of the two merged (see the invariants).
const merged = new WeakMap<PushRequest, WeakMap<PushRequest, PushRequest>>();

function merge(a: PushRequest, b: PushRequest): PushRequest {
  let withA = merged.get(a);
  if (withA === undefined) merged.set(a, withA = new WeakMap());
  let request = withA.get(b);
  if (request === undefined) withA.set(b, request = mergePushRequests(a, b));
  return request;
}

export interface QueuedPush {
  readonly proxyId: string;
  readonly request: PushRequest;
  /** The push index this entry carries (the newest merged in). */
  readonly push: number;
  /** When the proxy entered the queue (pilot_proxy_queue_time starts here). */
  readonly enqueuedUs: number;
}

export class PushQueue {
  private readonly waiting = new Map<string, QueuedPush>();
  private readonly order: string[] = [];
  private head = 0;
  private readonly inProgress = new Set<string>();
  private readonly held = new Map<string, QueuedPush>();

  enqueue(proxyId: string, request: PushRequest, push: number, nowUs: number): void {
    if (this.inProgress.has(proxyId)) {
      const prior = this.held.get(proxyId);
      this.held.set(proxyId, prior === undefined
        ? { proxyId, request, push, enqueuedUs: nowUs }
        : { ...prior, request: merge(prior.request, request), push });
      return;
    }
    const prior = this.waiting.get(proxyId);
    if (prior !== undefined) {
      this.waiting.set(proxyId, { ...prior, request: merge(prior.request, request), push });
      return;
    }
    this.waiting.set(proxyId, { proxyId, request, push, enqueuedUs: nowUs });
    this.order.push(proxyId);
  }

  /** Takes the oldest waiting entry and marks its proxy in progress; null when none waits. */
  next(): QueuedPush | null {
    while (this.head < this.order.length) {
      const proxyId = this.order[this.head]!;
      this.head += 1;
      const entry = this.waiting.get(proxyId);
      if (entry === undefined) continue;
      this.waiting.delete(proxyId);
      this.inProgress.add(proxyId);
      this.compact();
      return entry;
    }
    return null;
  }

  /**
   * The proxy's initial request is being generated outside the queue (it supersedes anything it
   * waited for): until `done`, a push for it is held, as one for a proxy being pushed.
   */
  begin(proxyId: string): void {
    this.waiting.delete(proxyId);
    this.inProgress.add(proxyId);
  }

  /** The push to this proxy finished (sent); a request held meanwhile goes to the back of the queue. */
  done(proxyId: string, nowUs: number): void {
    assert(this.inProgress.delete(proxyId), () => `push to ${proxyId} marked done but not in progress`);
    const held = this.held.get(proxyId);
    if (held === undefined) return;
    this.held.delete(proxyId);
    this.enqueue(proxyId, held.request, held.push, nowUs);
  }

  /** The proxy disconnected: forget what it was waiting for (a reconnect asks for everything anew). */
  remove(proxyId: string): void {
    this.waiting.delete(proxyId);
    this.held.delete(proxyId);
    this.inProgress.delete(proxyId);
  }

  clear(): void {
    this.waiting.clear();
    this.held.clear();
    this.inProgress.clear();
    this.order.length = 0;
    this.head = 0;
  }

  get waitingCount(): number {
    return this.waiting.size;
  }

  get inProgressCount(): number {
    return this.inProgress.size;
  }

  isIdle(): boolean {
    return this.waiting.size === 0 && this.inProgress.size === 0 && this.held.size === 0;
  }

  private compact(): void {
    if (this.head < 1024 || this.head * 2 < this.order.length) return;
    this.order.splice(0, this.head);
    this.head = 0;
  }
}
