// The routing conformance suite's data: one YAML file per area, each with its own small mesh
// (`manifests`, inline YAML) and `cases` (a probe and the fields of the result it expects). This module
// reads and checks the files' shape, so a typo in a case is an error here rather than a silently
// skipped expectation.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { ProbeRequest } from '../../sim/index.ts';

/** Expected fields; only the ones a case lists are compared (Istio's simulation.Expect is partial too). */
export interface Expect {
  readonly status?: number | null;
  readonly connected?: boolean;
  /** Envoy response flags, compared as a set. */
  readonly flags?: readonly string[];
  readonly workload?: string | null;
  readonly namespace?: string | null;
  readonly subset?: string | null;
  /** The destination service FQDN (null: the request reached no service). */
  readonly service?: string | null;
  readonly port?: number | null;
  readonly upstreamPath?: string | null;
  readonly upstreamAuthority?: string | null;
  readonly upstreamMethod?: string | null;
  /** Request headers as the app receives them; null means absent. */
  readonly upstreamHeaders?: Readonly<Record<string, string | null>>;
  /** Response headers the client sees; null means absent. */
  readonly responseHeaders?: Readonly<Record<string, string | null>>;
  readonly delayMs?: number;
  /** null: no retry policy; otherwise the listed fields of it. */
  readonly retry?: { readonly attempts?: number; readonly perTryTimeoutMs?: number | null; readonly retryOn?: readonly string[] } | null;
  readonly timeoutMs?: number | null;
  /** Route, virtual host and cluster of the first routing hop (the client's sidecar, or the gateway). */
  readonly routeFromTrace?: string | null;
  readonly virtualHostFromTrace?: string | null;
  readonly clusterFromTrace?: string | null;
  /** Cluster and route of the destination sidecar's inbound hop (null: no inbound hop, or no HTTP route there). */
  readonly inboundClusterFromTrace?: string | null;
  readonly inboundRouteFromTrace?: string | null;
  /** The directions of the trace's hops, in order (`outbound`, `inbound`, `gateway`, `kube-proxy`). */
  readonly hops?: readonly string[];
  /** Did the last hop into the destination use Istio mTLS (null: no destination reached). */
  readonly mtls?: boolean | null;
  /** The authorization decision at the destination (ALLOW, DENY, CUSTOM; null: no policy applies). */
  readonly authzDecision?: string | null;
  /** The deciding AuthorizationPolicy `ns/name` (null when none matched). */
  readonly authzPolicy?: string | null;
  /** The ext_authz provider a CUSTOM policy sent the request to (null: none). */
  readonly authzProvider?: string | null;
  /** Substrings the authorization reason must contain. */
  readonly authzReason?: readonly string[];
  /** What the JWT filter did (authenticated, no-token, bypassed, rejected; null: no RequestAuthentication on the path). */
  readonly jwtOutcome?: string | null;
  /** `iss/sub` of the verified token (null: none). */
  readonly jwtPrincipal?: string | null;
  /** Substrings the JWT reason must contain. */
  readonly jwtReason?: readonly string[];
  /**
   * Weighted cases: workload (or flags, with splitBy) → percent of `count` probes, each within
   * ±tolerance points; a probe that reached no workload counts as `<status N>`.
   */
  readonly split?: Readonly<Record<string, number>>;
  /** The probe is refused as bad input: substrings of the error and of its hint. */
  readonly error?: readonly string[];
  readonly hint?: readonly string[];
}

/**
 * A case probes as `meshsim probe` does (from, url, method, headers, sni, tls, jwt, jwtClaims, extAuthz);
 * no signing keys are given to the suite, so a `jwt` can only be unparsable or unsigned.
 */
export interface RoutingCase extends ProbeRequest {
  readonly name: string;
  /** The Istio rule the case checks, with the source (test or code) that states it. */
  readonly rule: string;
  /** MeshConfig overrides for this case (a separate mesh is built for them). */
  readonly mesh?: Readonly<Record<string, unknown>>;
  /** Probes to send (weighted splits); 1 unless given. */
  readonly count?: number;
  readonly seed?: number;
  /** What a split counts: the destination workload (default) or the response flags (`none` if none). */
  readonly splitBy?: 'workload' | 'flags';
  /** Percentage points a split may deviate (default 5). */
  readonly tolerance?: number;
  readonly expect: Expect;
  /** The simulator is wrong here: what, and the Istio rule/source that says so. Runs as test.failing. */
  readonly knownBug?: string;
}

export interface LoadError {
  /** A substring of the diagnostic's message. */
  readonly contains: string;
  readonly why?: string;
  readonly knownBug?: string;
}

export interface RoutingFile {
  readonly file: string;
  readonly area: string;
  readonly description: string;
  /** buildMesh options besides the manifests: namespace labels and MeshConfig. */
  readonly options: { readonly namespaceLabels?: Readonly<Record<string, Readonly<Record<string, string>>>>; readonly mesh?: Readonly<Record<string, unknown>> };
  readonly manifests: string;
  /** Other files' probes may not be order independent when manifests are shuffled; default true. */
  readonly shuffleInvariant: boolean;
  /**
   * Error diagnostics the manifests produce on purpose: `why` Istio refuses them too, or `knownBug`
   * when Istio accepts the resource and the simulator wrongly refuses it.
   */
  readonly loadErrors: readonly LoadError[];
  readonly cases: readonly RoutingCase[];
}

const FILE_KEYS = new Set(['area', 'description', 'options', 'manifests', 'shuffleInvariant', 'loadErrors', 'cases']);
const CASE_KEYS = new Set(['name', 'rule', 'from', 'url', 'method', 'headers', 'sni', 'tls', 'jwt', 'jwtClaims', 'extAuthz', 'mesh', 'count', 'seed',
  'splitBy', 'tolerance', 'expect', 'knownBug']);
const EXPECT_KEYS = new Set([
  'status', 'connected', 'flags', 'workload', 'namespace', 'subset', 'service', 'port', 'upstreamPath', 'upstreamAuthority',
  'upstreamMethod', 'upstreamHeaders', 'responseHeaders', 'delayMs', 'retry', 'timeoutMs', 'routeFromTrace',
  'virtualHostFromTrace', 'clusterFromTrace', 'inboundClusterFromTrace', 'inboundRouteFromTrace', 'hops', 'split', 'error', 'hint', 'mtls', 'authzDecision', 'authzPolicy', 'authzProvider',
  'authzReason', 'jwtOutcome', 'jwtPrincipal', 'jwtReason',
]);

export function caseFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((f) => path.join(dir, f));
}

export function loadRoutingFile(file: string): RoutingFile {
  const where = path.basename(file);
  const data = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  if (data === null || typeof data !== 'object') throw new Error(`${where}: not a mapping`);
  unknownKeys(where, data, FILE_KEYS);
  const { area, description, manifests, cases } = data;
  if (typeof area !== 'string' || typeof description !== 'string' || typeof manifests !== 'string' || !Array.isArray(cases)) {
    throw new Error(`${where}: needs area, description, manifests (a string) and cases (a list)`);
  }
  const names = new Set<string>();
  const checked = cases.map((c: unknown, i: number) => checkCase(`${where} case ${i + 1}`, c));
  for (const c of checked) {
    if (names.has(c.name)) throw new Error(`${where}: two cases named "${c.name}"`);
    names.add(c.name);
  }
  return {
    file, area, description, manifests,
    options: (data.options ?? {}) as RoutingFile['options'],
    shuffleInvariant: data.shuffleInvariant !== false,
    loadErrors: checkLoadErrors(where, data.loadErrors),
    cases: checked,
  };
}

function checkCase(where: string, value: unknown): RoutingCase {
  if (value === null || typeof value !== 'object') throw new Error(`${where}: not a mapping`);
  const c = value as Record<string, unknown>;
  unknownKeys(where, c, CASE_KEYS);
  for (const key of ['name', 'rule', 'from', 'url'] as const) {
    if (typeof c[key] !== 'string' || c[key] === '') throw new Error(`${where}: needs a non-empty ${key}`);
  }
  if (c.expect === null || typeof c.expect !== 'object') throw new Error(`${where} (${String(c.name)}): needs expect`);
  const expect = c.expect as Record<string, unknown>;
  unknownKeys(`${where} (${String(c.name)}) expect`, expect, EXPECT_KEYS);
  if (Object.keys(expect).length === 0) throw new Error(`${where} (${String(c.name)}): expect lists nothing`);
  if (expect.split !== undefined && (typeof c.count !== 'number' || c.count < 100)) {
    throw new Error(`${where} (${String(c.name)}): a split needs count of at least 100`);
  }
  if (c.knownBug !== undefined && (typeof c.knownBug !== 'string' || c.knownBug.length < 20)) {
    throw new Error(`${where} (${String(c.name)}): knownBug must say what is wrong and which Istio rule says so`);
  }
  return c as unknown as RoutingCase;
}

function checkLoadErrors(where: string, value: unknown): LoadError[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new Error(`${where}: loadErrors must be a list`);
  return value.map((e: unknown, i: number) => {
    const entry = (e ?? {}) as Record<string, unknown>;
    unknownKeys(`${where} loadErrors[${i}]`, entry, new Set(['contains', 'why', 'knownBug']));
    if (typeof entry.contains !== 'string' || (typeof entry.why !== 'string') === (typeof entry.knownBug !== 'string')) {
      throw new Error(`${where} loadErrors[${i}]: needs contains, and either why or knownBug`);
    }
    return entry as unknown as LoadError;
  });
}

function unknownKeys(where: string, value: Record<string, unknown>, known: ReadonlySet<string>): void {
  const unknown = Object.keys(value).filter((k) => !known.has(k));
  if (unknown.length > 0) throw new Error(`${where}: unknown key(s) ${unknown.join(', ')}; known: ${[...known].join(', ')}`);
}
