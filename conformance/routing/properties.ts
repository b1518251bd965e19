// Properties of routing that hold for any mesh, checked with fast-check over the suite's own meshes
// and over generated ones:
// - shuffling the manifest documents (and splitting them into files) never changes an outcome, as
//   long as every precedence the manifests rely on is a creationTimestamp (DESIGN.md "Determinism");
// - a request to a service that no VirtualService names reaches that service (its default route);
// - an exact-host VirtualService wins over any wildcard one, whatever the creation times (istio-semantics §2);
// - a route whose match the request cannot satisfy (a header it does not send), added in front of a
//   VirtualService's rules, changes no outcome (first match wins; istio-semantics §3).
import { fc, testProp } from '@fast-check/ava';
import { parseAllDocuments, stringify } from 'yaml';
import { ProbeSession, Rng, buildMesh } from '../../sim/index.ts';
import type { ManifestSource, Mesh } from '../../sim/index.ts';
import type { RoutingFile } from './load-cases.ts';
import { DEFAULT_SEED, isProbeError, meshOptions, probeOnce, routingHop } from './run-case.ts';

const NUM_RUNS = 10;

/** The documents of a manifests text, as texts (comments and blank documents dropped). */
export function splitDocuments(text: string): string[] {
  return text.split(/^---[ \t]*$/m).map((d) => d.trim()).filter((d) => d.replace(/^#.*$/gm, '').trim() !== '');
}

/** Every case of the file probed once with its seed, as one JSON string per case. */
export function fileOutcomes(file: RoutingFile, sources: readonly ManifestSource[]): string[] {
  const meshes = new Map<string, Mesh>();
  return file.cases.map((c) => {
    const options = meshOptions(file, c.mesh);
    const key = JSON.stringify(options);
    let mesh = meshes.get(key);
    if (mesh === undefined) {
      mesh = buildMesh(sources, options);
      meshes.set(key, mesh);
    }
    return `${c.name}: ${JSON.stringify(probeOnce(mesh, c))}`;
  });
}

function asOneSource(file: RoutingFile, documents: readonly string[]): ManifestSource[] {
  return [{ path: file.file, text: documents.join('\n---\n') }];
}

function asManySources(file: RoutingFile, documents: readonly string[]): ManifestSource[] {
  return documents.map((text, i) => ({ path: `${file.file}#${i}`, text }));
}

type VirtualServiceValue = Record<string, unknown> & { spec: { hosts?: unknown[]; http: unknown[] } };

/** The document as data when it is a VirtualService with hosts and http rules (not a delegate), else null. */
function routedVirtualService(text: string): VirtualServiceValue | null {
  const doc = parseAllDocuments(text)[0];
  const value = doc === undefined || Array.isArray(doc) ? null : (doc.toJS() as Record<string, unknown> | null);
  const spec = value?.spec as { hosts?: unknown[]; http?: unknown } | undefined;
  if (value?.kind !== 'VirtualService' || spec === undefined || (spec.hosts ?? []).length === 0 || !Array.isArray(spec.http)) return null;
  return value as VirtualServiceValue;
}

/** A copy of the documents with a never-matching rule put first in the http rules of the chosen VirtualServices. */
export function withUnmatchableRules(documents: readonly string[], chosen: ReadonlySet<number>, header: string): string[] {
  let index = -1;
  return documents.map((text) => {
    const vs = routedVirtualService(text);
    if (vs === null) return text;
    index += 1;
    if (!chosen.has(index)) return text;
    const never = { name: `never-${index}`, match: [{ headers: { [header]: { exact: 'never-sent' } } }], directResponse: { status: 418 } };
    return stringify({ ...vs, spec: { ...vs.spec, http: [never, ...vs.spec.http] } });
  });
}

export function registerProperties(files: readonly RoutingFile[]): void {
  const shuffleable = files.filter((f) => f.shuffleInvariant);
  const baseline = new Map<string, string[]>();
  const baselineOf = (file: RoutingFile): string[] => {
    let outcomes = baseline.get(file.file);
    if (outcomes === undefined) {
      outcomes = fileOutcomes(file, [{ path: file.file, text: file.manifests }]);
      baseline.set(file.file, outcomes);
    }
    return outcomes;
  };

  testProp('shuffling the manifest documents never changes an outcome', [
    fc.constantFrom(...shuffleable).chain((file) => {
      const documents = splitDocuments(file.manifests);
      return fc.tuple(fc.constant(file), fc.shuffledSubarray(documents, { minLength: documents.length, maxLength: documents.length }), fc.boolean());
    }),
  ], (t, [file, documents, manyFiles]) => {
    const sources = manyFiles ? asManySources(file, documents) : asOneSource(file, documents);
    t.deepEqual(fileOutcomes(file, sources), baselineOf(file), file.area);
  }, { numRuns: NUM_RUNS });

  testProp('a route that can never match, put first, changes no outcome', [
    fc.constantFrom(...files).chain((file) => {
      const documents = splitDocuments(file.manifests);
      const count = documents.filter((d) => routedVirtualService(d) !== null).length;
      return fc.tuple(fc.constant(file), fc.constant(documents), fc.uniqueArray(fc.nat({ max: Math.max(0, count - 1) }), { minLength: 1, maxLength: Math.max(1, count) }),
        fc.stringMatching(/^[a-z]{4,10}$/));
    }),
  ], (t, [file, documents, chosen, suffix]) => {
    // The documents as they are (the guarded copy re-serializes only the VirtualServices it changes).
    const plain = baselineOf(file);
    const guarded = fileOutcomes(file, asOneSource(file, withUnmatchableRules(documents, new Set(chosen), `x-never-${suffix}`)));
    t.deepEqual(guarded, plain, file.area);
  }, { numRuns: NUM_RUNS });

  testProp('a request to a service no VirtualService names reaches that service', [generatedMesh()], (t, generated) => {
    const mesh = buildMesh([{ path: 'generated.yaml', text: generated.text }], generated.registryOnly ? { mesh: { outboundTrafficPolicy: 'REGISTRY_ONLY' } } : {});
    t.deepEqual(mesh.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), []);
    const session = new ProbeSession(mesh, Rng.fromSeed(DEFAULT_SEED));
    for (const target of generated.services) {
      const outcome = session.probe({ from: 'client/client', url: `http://${target.name}.${target.namespace}:${target.port}${target.path}`, method: target.method });
      if (isProbeError(outcome)) {
        t.fail(`${target.name}.${target.namespace}: ${outcome.error}`);
        continue;
      }
      t.is(outcome.status, 200, `${target.name}.${target.namespace}:${target.port}`);
      t.is(outcome.destination?.service, `${target.name}.${target.namespace}.svc.cluster.local`);
      t.true(target.workloads.includes(outcome.destination?.workload ?? ''), `${outcome.destination?.workload} is a backend of ${target.name}`);
      t.is(routingHop(outcome)?.route, 'default');
    }
  }, { numRuns: NUM_RUNS });

  testProp('the exact host always beats wildcard VirtualServices, whatever their ages', [
    fc.array(fc.constantFrom('*.default.svc.cluster.local', '*.svc.cluster.local', '*.cluster.local', '*'), { minLength: 1, maxLength: 4 }),
    fc.array(fc.integer({ min: 0, max: 59 }), { minLength: 5, maxLength: 5 }),
  ], (t, wildcards, seconds) => {
    const stamp = (i: number) => `2024-01-01T00:00:${String(seconds[i % seconds.length]).padStart(2, '0')}Z`;
    const vs = (name: string, host: string, i: number, marker: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}, namespace: default, creationTimestamp: "${stamp(i)}"}
spec:
  hosts: ["${host}"]
  http:
  - route: [{destination: {host: reviews.default.svc.cluster.local}}]
    headers: {response: {set: {x-vs: ${marker}}}}`;
    const documents = [
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: default, labels: {istio-injection: enabled}}',
      'apiVersion: v1\nkind: Service\nmetadata: {name: reviews, namespace: default}\nspec: {selector: {app: reviews}, ports: [{name: http, port: 9080}]}',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: reviews, namespace: default, labels: {app: reviews}}\nspec: {containers: [{name: r, image: r}]}',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: client, namespace: default, labels: {app: client}}\nspec: {containers: [{name: c, image: c}]}',
      ...wildcards.filter((w) => w !== '*').map((w, i) => vs(`wild-${i}`, w, i + 1, `wild-${i}`)),
      vs('exact', 'reviews', 0, 'exact'),
    ];
    const mesh = buildMesh([{ path: 'exact-host.yaml', text: documents.join('\n---\n') }]);
    const outcome = new ProbeSession(mesh, Rng.fromSeed(DEFAULT_SEED)).probe({ from: 'default/client', url: 'http://reviews:9080/' });
    if (isProbeError(outcome)) return t.fail(outcome.error);
    t.is(outcome.response.headers['x-vs'], 'exact');
  }, { numRuns: 25 });
}

interface GeneratedService {
  readonly name: string;
  readonly namespace: string;
  readonly port: number;
  readonly path: string;
  readonly method: string;
  readonly workloads: readonly string[];
}

/** A small random mesh: a client, 1–4 services with 1–2 versions each, maybe DestinationRules, no VirtualService. */
function generatedMesh(): fc.Arbitrary<{ text: string; services: GeneratedService[]; registryOnly: boolean }> {
  const service = fc.record({
    namespace: fc.constantFrom('alpha', 'beta', 'client'),
    port: fc.constantFrom(80, 3000, 8080, 9080),
    portName: fc.constantFrom('http', 'http-web', 'grpc-web', 'http2'),
    versions: fc.integer({ min: 1, max: 2 }),
    withRule: fc.boolean(),
    path: fc.constantFrom('/', '/api/v1/items', '/a?b=c', '/UPPER/case'),
    method: fc.constantFrom('GET', 'POST', 'DELETE'),
  });
  return fc.tuple(fc.uniqueArray(fc.constantFrom('catalog', 'orders', 'pay', 'search', 'users', 'web'), { minLength: 1, maxLength: 4 }), fc.array(service, { minLength: 4, maxLength: 4 }), fc.boolean())
    .map(([names, specs, registryOnly]) => {
      const docs: string[] = ['alpha', 'beta', 'client'].map((ns) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}, labels: {istio-injection: enabled}}`);
      docs.push(deployment('client', 'client', { app: 'client' }, null));
      const services = names.map((name, i) => {
        const s = specs[i]!;
        docs.push(`apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: ${s.namespace}}\nspec: {selector: {app: ${name}}, ports: [{name: ${s.portName}, port: ${s.port}, targetPort: 7000}]}`);
        const workloads: string[] = [];
        for (let v = 1; v <= s.versions; v += 1) {
          workloads.push(`${name}-v${v}`);
          docs.push(deployment(`${name}-v${v}`, s.namespace, { app: name, version: `v${v}` }, 7000));
        }
        if (s.withRule) {
          docs.push(`apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: ${name}, namespace: ${s.namespace}}\nspec: {host: ${name}, subsets: [{name: v1, labels: {version: v1}}]}`);
        }
        return { name, namespace: s.namespace, port: s.port, path: s.path, method: s.method, workloads };
      });
      return { text: docs.join('\n---\n'), services, registryOnly };
    });
}

function deployment(name: string, namespace: string, labels: Readonly<Record<string, string>>, port: number | null): string {
  const l = `{${Object.entries(labels).map(([k, v]) => `${k}: ${v}`).join(', ')}}`;
  const ports = port === null ? '' : `, ports: [{containerPort: ${port}}]`;
  return `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}, namespace: ${namespace}}\nspec:\n  selector: {matchLabels: ${l}}\n  template:\n    metadata: {labels: ${l}}\n    spec: {containers: [{name: app, image: example.com/app:1${ports}}]}`;
}
