// Runs the routing suite's cases against the simulator: builds each file's mesh (once per MeshConfig
// override), sends the case's probe(s) with a fixed seed, and projects the result onto the fields the
// case expects, so a test compares exactly what the case lists.
import { ProbeSession, Rng, buildMesh } from '../../sim/index.ts';
import type { Mesh, MeshOptions, ProbeError, ProbeHop, ProbeResult } from '../../sim/index.ts';
import type { Expect, RoutingCase, RoutingFile } from './load-cases.ts';

export const DEFAULT_SEED = 1;
/** The suites' clock for JWT exp/nbf: 2023-11-14T22:13:20Z, fixed so results never depend on the day. */
export const SUITE_NOW_SECONDS = 1_700_000_000;
export const DEFAULT_TOLERANCE = 5;

export type ProbeOutcome = ProbeResult | ProbeError;

export function isProbeError(outcome: ProbeOutcome): outcome is ProbeError {
  return 'error' in outcome;
}

/** Builds meshes for one file, caching one per distinct MeshConfig override. */
export class FileMeshes {
  private readonly cache = new Map<string, Mesh>();
  readonly file: RoutingFile;

  constructor(file: RoutingFile) {
    this.file = file;
  }

  meshFor(overrides: RoutingCase['mesh']): Mesh {
    const options = meshOptions(this.file, overrides);
    const key = JSON.stringify(options);
    let mesh = this.cache.get(key);
    if (mesh === undefined) {
      mesh = buildMesh([{ path: this.file.file, text: this.file.manifests }], options);
      this.cache.set(key, mesh);
    }
    return mesh;
  }
}

export function meshOptions(file: RoutingFile, overrides: RoutingCase['mesh']): MeshOptions {
  const mesh = { ...file.options.mesh, ...overrides };
  return {
    ...(file.options.namespaceLabels === undefined ? {} : { namespaceLabels: file.options.namespaceLabels }),
    ...(Object.keys(mesh).length === 0 ? {} : { mesh: mesh as MeshOptions['mesh'] }),
  };
}

export function probeOnce(mesh: Mesh, c: RoutingCase, session = new ProbeSession(mesh, Rng.fromSeed(c.seed ?? DEFAULT_SEED), { nowSeconds: SUITE_NOW_SECONDS })): ProbeOutcome {
  // A case is a probe request (load-cases.ts RoutingCase extends ProbeRequest).
  return session.probe(c);
}

/** The first hop that routes (the client's sidecar or the gateway), where VirtualService routes show. */
export function routingHop(result: ProbeResult): ProbeHop | null {
  return result.trace.find((h) => h.direction === 'outbound' || h.direction === 'gateway') ?? null;
}

/** The destination sidecar's hop (the last inbound one), where inbound chains and clusters show. */
export function inboundHop(result: ProbeResult): ProbeHop | null {
  return result.trace.findLast((h) => h.direction === 'inbound') ?? null;
}

/** The observed values of exactly the fields `expect` lists (split excluded), shaped like `expect`. */
export function project(outcome: ProbeOutcome, expect: Expect): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys = Object.keys(expect).filter((k) => k !== 'split');
  if (isProbeError(outcome)) {
    for (const key of keys) {
      if (key === 'error') out.error = expect.error?.filter((s) => outcome.error.includes(s)) ?? [];
      else if (key === 'hint') out.hint = expect.hint?.filter((s) => outcome.hint.includes(s)) ?? [];
      else out[key] = `<ProbeError: ${outcome.error}; ${outcome.hint}>`;
    }
    return out;
  }
  const r = outcome;
  const d = r.destination;
  const hop = routingHop(r);
  for (const key of keys) {
    switch (key) {
      case 'status': out.status = r.status; break;
      case 'connected': out.connected = r.connected; break;
      case 'flags': out.flags = [...r.flags].sort(); break;
      case 'workload': out.workload = d?.workload ?? null; break;
      case 'namespace': out.namespace = d?.namespace ?? null; break;
      case 'subset': out.subset = d?.subset ?? null; break;
      case 'service': out.service = d?.service ?? null; break;
      case 'port': out.port = d?.port ?? null; break;
      case 'upstreamPath': out.upstreamPath = r.upstream?.path ?? null; break;
      case 'upstreamAuthority': out.upstreamAuthority = r.upstream?.authority ?? null; break;
      case 'upstreamMethod': out.upstreamMethod = r.upstream?.method ?? null; break;
      case 'upstreamHeaders': out.upstreamHeaders = pick(r.upstream?.headers ?? {}, expect.upstreamHeaders ?? {}); break;
      case 'responseHeaders': out.responseHeaders = pick(r.response.headers, expect.responseHeaders ?? {}); break;
      case 'delayMs': out.delayMs = r.delayMs; break;
      case 'retry': out.retry = r.retry === null || expect.retry == null ? r.retry : pickFields(r.retry, expect.retry); break;
      case 'timeoutMs': out.timeoutMs = r.timeoutMs; break;
      case 'routeFromTrace': out.routeFromTrace = hop?.route ?? null; break;
      case 'virtualHostFromTrace': out.virtualHostFromTrace = hop?.virtualHost ?? null; break;
      case 'clusterFromTrace': out.clusterFromTrace = hop?.cluster ?? null; break;
      case 'inboundClusterFromTrace': out.inboundClusterFromTrace = inboundHop(r)?.cluster ?? null; break;
      case 'inboundRouteFromTrace': out.inboundRouteFromTrace = inboundHop(r)?.route ?? null; break;
      case 'hops': out.hops = r.trace.map((h) => h.direction); break;
      case 'mtls': out.mtls = r.mtls; break;
      case 'authzDecision': out.authzDecision = r.authz?.decision ?? null; break;
      case 'authzPolicy': out.authzPolicy = r.authz?.policy ?? null; break;
      case 'authzProvider': out.authzProvider = r.authz?.provider ?? null; break;
      case 'authzReason': out.authzReason = expect.authzReason?.filter((text) => r.authz?.reason.includes(text) === true) ?? []; break;
      case 'jwtOutcome': out.jwtOutcome = r.jwt?.outcome ?? null; break;
      case 'jwtPrincipal': out.jwtPrincipal = r.jwt?.principal ?? null; break;
      case 'jwtReason': out.jwtReason = expect.jwtReason?.filter((text) => r.jwt?.reason.includes(text) === true) ?? []; break;
      case 'error': case 'hint': out[key] = `<no ProbeError: status ${r.status}>`; break;
      default: throw new Error(`project: unhandled expect field ${key}`);
    }
  }
  return out;
}

/** The expected values as compared (flags sorted), so that deepEqual(project(...), normalized) holds. */
export function normalizeExpect(expect: Expect): Record<string, unknown> {
  const out: Record<string, unknown> = { ...expect };
  delete out.split;
  if (expect.flags !== undefined) out.flags = [...expect.flags].sort();
  return out;
}

function pick(headers: Readonly<Record<string, string>>, wanted: Readonly<Record<string, unknown>>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const name of Object.keys(wanted)) {
    const lower = name.toLowerCase();
    out[name] = Object.hasOwn(headers, lower) ? headers[lower]! : null;
  }
  return out;
}

function pickFields(value: object, wanted: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(wanted)) out[key] = (value as Record<string, unknown>)[key];
  return out;
}

export interface SplitObservation {
  /** key → percent of the probes (keys not seen are absent): workloads, `<status N>`, or flags. */
  readonly shares: Record<string, number>;
  /** Expected workloads whose share is off by more than the tolerance, and unexpected ones. */
  readonly off: string[];
}

/** Sends `count` probes in one seeded session and compares the destination shares with `expected`. */
export function observeSplit(mesh: Mesh, c: RoutingCase): SplitObservation {
  const count = c.count ?? 1;
  const session = new ProbeSession(mesh, Rng.fromSeed(c.seed ?? DEFAULT_SEED), { nowSeconds: SUITE_NOW_SECONDS });
  const hits = new Map<string, number>();
  for (let i = 0; i < count; i += 1) {
    const outcome = probeOnce(mesh, c, session);
    const key = isProbeError(outcome) ? `<error ${outcome.error}>`
      : c.splitBy === 'flags' ? (outcome.flags.length === 0 ? 'none' : [...outcome.flags].sort().join(','))
        : (outcome.status === 200 || (outcome.status === null && outcome.connected)) && outcome.destination !== null ? outcome.destination.workload : `<status ${outcome.status}>`;
    hits.set(key, (hits.get(key) ?? 0) + 1);
  }
  const shares: Record<string, number> = {};
  for (const [key, n] of [...hits].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) shares[key] = Math.round((n * 1000) / count) / 10;
  const expected = c.expect.split ?? {};
  const tolerance = c.tolerance ?? DEFAULT_TOLERANCE;
  const off: string[] = [];
  for (const [workload, percent] of Object.entries(expected)) {
    const seen = shares[workload] ?? 0;
    if (Math.abs(seen - percent) > tolerance) off.push(`${workload}: expected ${percent}% ±${tolerance}, saw ${seen}%`);
  }
  for (const [workload, seen] of Object.entries(shares)) {
    if (!Object.hasOwn(expected, workload)) off.push(`${workload}: not expected, saw ${seen}%`);
  }
  return { shares, off };
}
