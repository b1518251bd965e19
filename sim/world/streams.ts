/**
 * Long-lived streams (a WebSocket, a gRPC stream): opened through the mesh like a request, then held
 * open on the listeners and filter chains they were accepted on. The mesh cuts them; the client opens
 * a new one at once.
 *
 * Rules:
 * - A stream keeps the route, cluster and endpoint it was opened with: a change that reaches a proxy by
 *   RDS, CDS or EDS alone (a VirtualService weight, a new subset) leaves open streams alone.
 * - A listener update that changes the filter chain a stream runs on (Envoy compares the listener
 *   config; an unchanged one is not touched) drains it: Istio runs Envoy with `--drain-strategy
 *   immediate` and `--drain-time-s` from ProxyConfig `drainDuration` (45 s), so the stream goes on for
 *   the drain time and is then closed. On the server side the chain includes what the inbound
 *   security enforces (PeerAuthentication: a PERMISSIVE → STRICT change rewrites the inbound chains).
 * - A stream whose client or server pod is gone is cut at once.
 * - A stream that cannot be opened (no route, refused) is tried again after a second.
 *
 * Invariants: no module state; streams are handled in id order; fingerprints are stable hashes of
 * compiled config, so equal config gives equal fingerprints.
 *
 * Not modelled: messages on the stream, HTTP/2 GOAWAY for new streams on a draining connection (a new
 * stream here always goes on a new connection), idle timeouts, max connection duration.
 */
import { hashString, stableStringify } from '../core/hash.ts';
import type { PodInfo } from '../topology/model.ts';
import type { Recorder } from '../trace/recorder.ts';
import type { ProxyConfig } from '../xds/proxy-config.ts';
import type { ProbeSession } from './probe.ts';
import type { ProbeRequest } from './probe-types.ts';

/** ProxyConfig drainDuration default (Istio): Envoy's --drain-time-s. */
export const DRAIN_DURATION_US = 45_000_000;
/** A failed open is tried again after this long. */
const REOPEN_AFTER_FAILURE_US = 1_000_000;

export type StreamEvent =
  | { readonly kind: 'stream-open'; readonly traffic: number }
  | { readonly kind: 'stream-cut'; readonly stream: number; readonly reason: string };

interface Hold {
  readonly proxy: string;
  readonly listener: string;
  readonly chain: string;
  readonly inbound: boolean;
  readonly fingerprint: string;
}

interface OpenStream {
  readonly id: number;
  readonly traffic: number;
  readonly source: string;
  readonly sourcePod: string | null;
  readonly destination: string;
  readonly destinationPod: string;
  readonly openedUs: number;
  readonly holds: readonly Hold[];
  draining: boolean;
}

export interface StreamsHost {
  readonly nowUs: number;
  schedule(delayUs: number, event: StreamEvent): void;
  /** The proxy's config now, by proxy id (`pod.namespace`). */
  proxyConfig(proxyId: string): ProxyConfig | null;
  /** The traffic entry is still sending. */
  active(traffic: number): boolean;
  request(traffic: number): ProbeRequest;
  /** A ready pod of the traffic's client (null: external), or undefined when there is none. */
  source(traffic: number): PodInfo | null | undefined;
}

export class Streams {
  private readonly host: StreamsHost;
  private readonly session: ProbeSession;
  private readonly recorder: Recorder;
  private readonly open = new Map<number, OpenStream>();
  private nextId = 0;

  constructor(host: StreamsHost, session: ProbeSession, recorder: Recorder) {
    this.host = host;
    this.session = session;
    this.recorder = recorder;
  }

  handle(event: StreamEvent): void {
    if (event.kind === 'stream-open') return this.openOne(event.traffic);
    const stream = this.open.get(event.stream);
    if (stream === undefined) return;
    this.open.delete(stream.id);
    const now = this.host.nowUs;
    this.recorder.streamCut({ atUs: now, source: stream.source, destination: stream.destination, openUs: now - stream.openedUs, reason: event.reason });
    if (this.host.active(stream.traffic)) this.openOne(stream.traffic);
  }

  /** A listener update reached the proxy: streams on a filter chain that changed start draining. */
  listenersChanged(proxyId: string): void {
    for (const stream of this.sorted()) {
      if (stream.draining) continue;
      const changed = stream.holds.find((h) => h.proxy === proxyId && fingerprint(this.host.proxyConfig(proxyId), h.listener, h.chain, h.inbound) !== h.fingerprint);
      if (changed === undefined) continue;
      stream.draining = true;
      this.host.schedule(DRAIN_DURATION_US, {
        kind: 'stream-cut', stream: stream.id,
        reason: `listener ${changed.listener} (filter chain ${changed.chain}) of ${proxyId} changed: drained for ${DRAIN_DURATION_US / 1_000_000} s, then closed`,
      });
    }
  }

  /** A pod is gone: its streams are cut now. */
  podGone(pod: PodInfo): void {
    const name = `${pod.namespace}/${pod.name}`;
    for (const stream of this.sorted()) {
      if (stream.sourcePod !== name && stream.destinationPod !== name) continue;
      this.handle({ kind: 'stream-cut', stream: stream.id, reason: `pod ${name} is gone` });
    }
  }

  private openOne(traffic: number): void {
    if (!this.host.active(traffic)) return;
    const source = this.host.source(traffic);
    const result = source === undefined ? null : this.session.probe(this.host.request(traffic), source);
    if (result === null || 'error' in result || result.destination === null || !(result.status === 200 || (result.status === null && result.connected))) {
      this.host.schedule(REOPEN_AFTER_FAILURE_US, { kind: 'stream-open', traffic });
      return;
    }
    const holds = result.trace.flatMap((hop): Hold[] => {
      if (hop.listener === null || hop.filterChain === null || hop.direction === 'kube-proxy') return [];
      const inbound = hop.direction === 'inbound';
      return [{ proxy: hop.proxy, listener: hop.listener, chain: hop.filterChain, inbound, fingerprint: fingerprint(this.host.proxyConfig(hop.proxy), hop.listener, hop.filterChain, inbound) }];
    });
    const destination = result.destination;
    const stream: OpenStream = {
      id: this.nextId, traffic, holds, draining: false, openedUs: this.host.nowUs,
      source: source === null || source === undefined ? 'external' : `${source.namespace}/${source.workload}`,
      sourcePod: source === null || source === undefined ? null : `${source.namespace}/${source.name}`,
      destination: `${destination.namespace}/${destination.workload}`,
      destinationPod: `${destination.namespace}/${destination.pod}`,
    };
    this.nextId += 1;
    this.open.set(stream.id, stream);
    this.recorder.streamOpened();
  }

  private sorted(): OpenStream[] {
    return [...this.open.values()].sort((a, b) => a.id - b.id);
  }
}

/** The filter chain a stream runs on, as Envoy would compare it (with the inbound security it enforces). */
function fingerprint(config: ProxyConfig | null, listenerName: string, chainName: string, inbound: boolean): string {
  const listener = config?.listeners.find((l) => l.name === listenerName);
  const chain = listener === undefined ? undefined : [...listener.filterChains, listener.defaultChain].find((c) => c?.name === chainName);
  if (chain === undefined) return 'gone';
  return hashString(stableStringify({ chain, security: inbound ? config?.security ?? null : null }));
}
