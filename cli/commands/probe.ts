/**
 * `meshsim probe <manifests...> --from NS/WORKLOAD --url URL`: one request through the mesh, with the
 * path it took. Prints a readable explanation, or the JSON contract (`--json`, documented in the README);
 * `--count N` aggregates N requests; `--batch FILE` answers one JSON request per line. `--jwt TOKEN`
 * sends a token, `--jwt-claims JSON` a stand-in for a validly signed one; signatures are checked here at
 * the edge (jwt-verifier.ts, node:crypto) and expiry against this machine's clock. `--jwks URI=FILE`
 * serves a jwksUri's keys from a file (meshsim has no network); `--ext-authz NAME=allow|deny|error`
 * says what an ext_authz provider answers.
 * Exit 0 when the probe ran (whatever the status), 2 for bad input.
 */
import { readBatchLine } from '../batch-line.ts';
import { readFileSync } from 'node:fs';
import { ProbeSession, Rng, buildMesh } from '../../sim/index.ts';
import type { ProbeError, ProbeRequest, ProbeResult } from '../../sim/index.ts';
import { readManifests } from '../read-manifests.ts';
import { EXIT, UserError } from '../user-error.ts';
import { formatProbe } from '../format-probe.ts';
import { createJwtVerifier } from '../jwt-verifier.ts';

export interface ProbeFlags {
  readonly from?: string;
  readonly url?: string;
  readonly method?: string;
  readonly header?: readonly string[];
  readonly sni?: string;
  readonly count?: string;
  readonly seed?: string;
  readonly json?: boolean;
  readonly batch?: string;
  readonly inject?: readonly string[];
  readonly namespace?: string;
  readonly tls?: string;
  readonly jwt?: string;
  readonly jwtClaims?: string;
  readonly jwks?: readonly string[];
  readonly extAuthz?: readonly string[];
}

const EXT_AUTHZ_ANSWERS = ['allow', 'deny', 'error'] as const;
type ExtAuthzAnswer = (typeof EXT_AUTHZ_ANSWERS)[number];

export function runProbe(paths: readonly string[], flags: ProbeFlags, out: (text: string) => void, err: (text: string) => void): number {
  const seed = integerFlag('--seed', flags.seed, 1, 0, SEED_MAX);
  const sources = readManifests(paths);
  const namespaceLabels = Object.fromEntries((flags.inject ?? []).map((ns) => [ns, { 'istio-injection': 'enabled' }]));
  const mesh = buildMesh(sources, { defaultNamespace: flags.namespace ?? 'default', namespaceLabels });
  const errors = mesh.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    err(`meshsim: ${errors.length} resource error(s) in the manifests; those resources were left out (run meshsim validate to see them).\n`);
  }
  const served = servedJwks(flags.jwks ?? []);
  const used = new Set(mesh.push.requestAuthentications.flatMap((ra) => (ra.spec.jwtRules ?? []).map((rule) => rule?.jwksUri ?? rule?.jwks_uri ?? '')));
  for (const uri of Object.keys(served)) {
    if (!used.has(uri)) err(`meshsim: --jwks ${uri}: no RequestAuthentication uses this jwksUri${used.size === 0 ? '' : ` (they use ${[...used].filter((u) => u !== '').join(', ')})`}.\n`);
  }
  // The wall clock and the keys live here at the edge; the simulator only compares numbers.
  const session = new ProbeSession(mesh, Rng.fromSeed(seed), { verifier: createJwtVerifier({ served }), nowSeconds: Math.floor(Date.now() / 1000) });
  const extAuthz = extAuthzOf(flags.extAuthz ?? []);
  if (flags.batch !== undefined) return runBatch(session, flags.batch, out, extAuthz);
  const request = { ...requestOf(flags), ...(Object.keys(extAuthz).length === 0 ? {} : { extAuthz }) };
  const count = integerFlag('--count', flags.count, 1, 1, COUNT_MAX);
  const results: ProbeResult[] = [];
  for (let i = 0; i < count; i += 1) {
    const result = session.probe(request);
    if ('error' in result) throw probeError(result);
    results.push(result);
  }
  const first = results[0]!;
  if (count === 1) out(flags.json ? `${JSON.stringify(first, null, 2)}\n` : formatProbe(request, first));
  else {
    const summary = aggregate(results);
    out(flags.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatProbe(request, first)}\n${formatAggregate(summary)}`);
  }
  return EXIT.ok;
}

function requestOf(flags: ProbeFlags): ProbeRequest {
  if (flags.from === undefined) throw new UserError('probe needs --from NS/WORKLOAD (or --from external). Name the client workload.');
  if (flags.url === undefined) throw new UserError('probe needs --url URL (e.g. --url http://reviews:9080/reviews/1).');
  const headers: Record<string, string> = {};
  for (const h of flags.header ?? []) {
    const colon = h.indexOf(':');
    if (colon <= 0) throw new UserError(`cannot read the header "${h}": write it as -H 'Name: value'.`);
    headers[h.slice(0, colon).trim()] = h.slice(colon + 1).trim();
  }
  if (flags.tls !== undefined && !['plaintext', 'tls', 'mtls'].includes(flags.tls)) {
    throw new UserError(`--tls takes plaintext, tls or mtls, not "${flags.tls}".`);
  }
  if (flags.tls !== undefined && flags.from !== 'external') {
    throw new UserError('--tls is for --from external raw clients; a workload\'s sidecar decides its own transport (DestinationRule tls, auto mTLS).');
  }
  const tls = flags.tls as 'plaintext' | 'tls' | 'mtls' | undefined;
  return {
    from: flags.from, url: flags.url, ...(flags.method === undefined ? {} : { method: flags.method.toUpperCase() }), headers,
    ...(flags.sni === undefined ? {} : { sni: flags.sni }), ...(tls === undefined ? {} : { tls }), ...jwtOf(flags),
  };
}

function jwtOf(flags: ProbeFlags): Pick<ProbeRequest, 'jwt' | 'jwtClaims'> {
  if (flags.jwt !== undefined && flags.jwtClaims !== undefined) {
    throw new UserError('--jwt and --jwt-claims are two ways to send one token: give a signed token with --jwt, or stand-in claims with --jwt-claims.');
  }
  if (flags.jwt !== undefined) return { jwt: flags.jwt };
  if (flags.jwtClaims === undefined) return {};
  let claims: unknown;
  try {
    claims = JSON.parse(flags.jwtClaims);
  } catch {
    claims = null;
  }
  if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) {
    throw new UserError(`--jwt-claims takes a JSON object of claims, not ${JSON.stringify(flags.jwtClaims)}: write e.g. --jwt-claims '{"iss":"issuer@example.com","sub":"alice"}'.`);
  }
  return { jwtClaims: claims as Record<string, unknown> };
}

/** `--jwks URI=FILE` (repeatable): what each jwksUri serves, read from the files now. */
function servedJwks(entries: readonly string[]): Record<string, { text: string; where: string }> {
  const served: Record<string, { text: string; where: string }> = {};
  for (const entry of entries) {
    const at = entry.lastIndexOf('=');
    const uri = at < 0 ? '' : entry.slice(0, at);
    const file = at < 0 ? '' : entry.slice(at + 1);
    if (!/^https?:\/\//.test(uri) || file === '') {
      throw new UserError(`--jwks takes URI=FILE with an http:// or https:// URI (as a RequestAuthentication's jwksUri must be), not "${entry}".`);
    }
    try {
      served[uri] = { text: readFileSync(file, 'utf8'), where: file };
    } catch {
      throw new UserError(`--jwks ${uri}=${file}: cannot read ${file}. Check the path.`);
    }
  }
  return served;
}

/** `--ext-authz NAME=allow|deny|error` (repeatable): what each ext_authz provider answers. */
function extAuthzOf(entries: readonly string[]): Record<string, ExtAuthzAnswer> {
  const answers: Record<string, ExtAuthzAnswer> = {};
  for (const entry of entries) {
    const at = entry.lastIndexOf('=');
    const answer = entry.slice(at + 1);
    if (at <= 0 || !(EXT_AUTHZ_ANSWERS as readonly string[]).includes(answer)) {
      throw new UserError(`--ext-authz takes NAME=allow, NAME=deny or NAME=error (NAME: a MeshConfig extensionProviders name), not "${entry}".`);
    }
    answers[entry.slice(0, at)] = answer as ExtAuthzAnswer;
  }
  return answers;
}

function probeError(e: ProbeError): UserError {
  return new UserError(`${e.error}. ${e.hint}`);
}

/** A whole-number flag in [min, max] (`--seed` as `run` takes it; `--count` up to what a probe can answer in reasonable time). */
function integerFlag(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new UserError(`${name} takes a whole number from ${min} to ${max}, not "${value}".`);
  return n;
}

const SEED_MAX = 0xffffffff;
/** Probes of one command: each walks the mesh, so a million take a minute or so. */
const COUNT_MAX = 1_000_000;

export interface ProbeAggregate {
  readonly count: number;
  readonly statuses: Readonly<Record<string, number>>;
  readonly destinations: readonly { service: string | null; subset: string | null; workload: string; count: number }[];
  readonly first: ProbeResult;
}

export function aggregate(results: readonly ProbeResult[]): ProbeAggregate {
  const statuses: Record<string, number> = {};
  const destinations = new Map<string, { service: string | null; subset: string | null; workload: string; count: number }>();
  for (const r of results) {
    const status = r.status === null ? 'none' : String(r.status);
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (r.destination === null) continue;
    const key = `${r.destination.service}|${r.destination.subset}|${r.destination.workload}`;
    const entry = destinations.get(key) ?? { service: r.destination.service, subset: r.destination.subset, workload: r.destination.workload, count: 0 };
    entry.count += 1;
    destinations.set(key, entry);
  }
  const sorted = [...destinations.values()].sort((a, b) => b.count - a.count || (a.workload < b.workload ? -1 : a.workload > b.workload ? 1 : 0));
  return { count: results.length, statuses, destinations: sorted, first: results[0]! };
}

function formatAggregate(summary: ProbeAggregate): string {
  const lines = [`${summary.count} requests:`];
  for (const [status, n] of Object.entries(summary.statuses)) lines.push(`  status ${status}: ${n} (${percent(n, summary.count)})`);
  for (const d of summary.destinations) lines.push(`  → ${d.workload}${d.subset === null ? '' : ` (subset ${d.subset})`}: ${d.count} (${percent(d.count, summary.count)})`);
  return `${lines.join('\n')}\n`;
}

function percent(n: number, total: number): string {
  return `${((100 * n) / total).toFixed(1)}%`;
}

function runBatch(session: ProbeSession, file: string, out: (text: string) => void, extAuthz: Readonly<Record<string, ExtAuthzAnswer>>): number {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch {
    throw new UserError(`cannot read the batch file ${file}. Check the path.`);
  }
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const { count, ...input } = readBatchLine(line, `${file}:${index + 1}`);
    const results: ProbeResult[] = [];
    // A line's own extAuthz answers win over --ext-authz.
    const request: ProbeRequest = { ...input, extAuthz: { ...extAuthz, ...input.extAuthz } };
    for (let i = 0; i < count; i += 1) {
      const result = session.probe(request);
      if ('error' in result) {
        out(`${JSON.stringify({ line: index + 1, error: result.error, hint: result.hint })}\n`);
        return;
      }
      results.push(result);
    }
    out(`${JSON.stringify(count === 1 ? results[0] : aggregate(results))}\n`);
  });
  return EXIT.ok;
}
