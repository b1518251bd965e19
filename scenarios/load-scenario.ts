/**
 * A scenario file → a Scenario value (sim/world/scenario.ts) and diagnostics, as good as the ones
 * `meshsim validate` gives for manifests. The format is documented in scenarios/README.md.
 *
 * Job: read the file; check `apiVersion: meshsim.io/v1alpha1`, `kind: Scenario`, metadata and every
 * field of spec; resolve manifest paths relative to the scenario file and inline manifests in place;
 * generate the topology; validate all manifests with the manifest diagnostics; check that every
 * workload, namespace and resource the scenario names exists in them; assemble the Scenario.
 *
 * Invariants: never throws for a user mistake (a missing file, bad YAML, a bad field are diagnostics);
 * the scenario is null exactly when some diagnostic is an error; diagnostics are sorted by
 * (file, line, column, code, message); the same file and options give the same result.
 *
 * Not modelled: several scenarios in one file, includes between scenario files, environment variables.
 */
import { readFileSync } from 'node:fs';
import { CODES, formatDuration, sortDiagnostics } from '../sim/index.ts';
import type { Diagnostic, ManifestSource, Scenario } from '../sim/index.ts';
import { checkReferences } from './check-references.ts';
import type { Reference } from './check-references.ts';
import { FieldReader, describe } from './field-reader.ts';
import { generateTopology, readTopology, topologyTraffic } from './generate-topology.ts';
import { readAssertions } from './read-assertions.ts';
import { readManifestRefs } from './read-manifest-refs.ts';
import { readMeshConfigField, readNetwork, readNodes, readPilot } from './read-settings.ts';
import { readTimeline } from './read-timeline.ts';
import { readApps, readTraffic } from './read-traffic.ts';
import type { SectionContext } from './read-traffic.ts';
import { parseScenarioText } from './parse-scenario-text.ts';
import { validateScenarioMesh } from './validate-scenario-mesh.ts';

export const SCENARIO_API_VERSION = 'meshsim.io/v1alpha1';
export const SCENARIO_KIND = 'Scenario';
export const SCENARIO_FIELDS = ['apiVersion', 'kind', 'metadata', 'spec'] as const;
export const METADATA_FIELDS = ['name', 'description'] as const;
export const SPEC_FIELDS = [
  'seed', 'duration', 'sampleInterval', 'manifests', 'topology', 'nodes', 'meshConfig', 'pilot', 'network',
  'apps', 'traffic', 'timeline', 'assertions',
] as const;
export const SEED_DEFAULT = 1;
export /** Samples (metric buckets) a run may have: duration / sampleInterval, rounded up. */
const SAMPLES_MAX = 100_000;
const SAMPLE_INTERVAL_DEFAULT_US = 1_000_000;
const UINT32_MAX = 4_294_967_295;
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export interface LoadScenarioOptions {
  /** Replaces `spec.seed` (the CLI's --seed): an integer from 0 to 2^32-1. */
  readonly seed?: number;
}

export interface LoadScenarioResult {
  /** Null when any diagnostic is an error. */
  readonly scenario: Scenario | null;
  readonly diagnostics: Diagnostic[];
}

export function loadScenario(file: string, options: LoadScenarioOptions = {}): LoadScenarioResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    return failed([{
      file, line: 0, column: 0, severity: 'error', code: CODES.scenarioFile, resource: null, field: '',
      message: `Cannot read the scenario file ${file}: ${why}.`, hint: 'Name a scenario YAML file (kind: Scenario); scenarios/README.md describes the format.',
    }]);
  }
  return loadScenarioText(file, text, options);
}

/** The same as loadScenario for text already read; `file` names it in diagnostics and anchors relative paths. */
export function loadScenarioText(file: string, text: string, options: LoadScenarioOptions = {}): LoadScenarioResult {
  const { parsed, diagnostics: yamlDiagnostics } = parseScenarioText(file, text);
  if (parsed === null) return failed(yamlDiagnostics);
  const reader = new FieldReader(parsed);
  reader.diagnostics.push(...yamlDiagnostics);
  const scenario = readScenario(reader, options);
  const diagnostics = sortDiagnostics(reader.diagnostics);
  const ok = scenario !== null && !diagnostics.some((d) => d.severity === 'error');
  return { scenario: ok ? scenario : null, diagnostics };
}

function failed(diagnostics: Diagnostic[]): LoadScenarioResult {
  return { scenario: null, diagnostics: sortDiagnostics(diagnostics) };
}

function readScenario(reader: FieldReader, options: LoadScenarioOptions): Scenario | null {
  const file = reader.source.file;
  const value = reader.source.value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    reader.error(CODES.scenarioFile, [], `The scenario file holds ${describe(value)}, not a mapping.`,
      `Write the scenario as a mapping that starts with apiVersion: ${SCENARIO_API_VERSION} and kind: ${SCENARIO_KIND}.`);
    return null;
  }
  const top = value as Readonly<Record<string, unknown>>;
  if (!isScenario(reader, top)) return null;
  reader.object([], top, SCENARIO_FIELDS, ['metadata', 'spec']);
  const metadata = top['metadata'] === undefined ? null : reader.object(['metadata'], top['metadata'], METADATA_FIELDS, ['name']);
  const name = metadata === null ? null : readName(reader, metadata['name']);
  const description = metadata === null ? '' : reader.string(['metadata', 'description'], metadata['description'], { fallback: '' });
  const spec = top['spec'] === undefined ? null : reader.object(['spec'], top['spec'], SPEC_FIELDS, ['duration']);
  if (spec === null) return null;
  const at = (field: (typeof SPEC_FIELDS)[number]) => ['spec', field];

  const seed = readSeed(reader, spec['seed'], options.seed);
  const durationUs = reader.duration(at('duration'), spec['duration']);
  // Unwritten, the interval is 1 s, or the whole run when that is shorter, or whole seconds enough to
  // keep within SAMPLES_MAX; written, it must fit the run.
  const sampleFallback = durationUs === null || durationUs <= 0 ? SAMPLE_INTERVAL_DEFAULT_US
    : durationUs <= SAMPLES_MAX * SAMPLE_INTERVAL_DEFAULT_US ? Math.min(SAMPLE_INTERVAL_DEFAULT_US, durationUs)
      : Math.ceil(durationUs / SAMPLES_MAX / SAMPLE_INTERVAL_DEFAULT_US) * SAMPLE_INTERVAL_DEFAULT_US;
  const sampleUs = reader.duration(at('sampleInterval'), spec['sampleInterval'], { fallback: sampleFallback });
  if (sampleUs !== null && durationUs !== null && sampleUs > durationUs) {
    reader.error(CODES.scenarioConstraint, at('sampleInterval'), `${formatDuration(sampleUs)} is longer than the run (${formatDuration(durationUs)}).`,
      'Make sampleInterval at most spec.duration; metrics are bucketed by it.');
  } else if (sampleUs !== null && durationUs !== null && Math.ceil(durationUs / sampleUs) > SAMPLES_MAX) {
    // meshsim's own limit: every metric keeps a bucket per interval, so the count bounds memory and report size.
    reader.error(CODES.scenarioConstraint, at('sampleInterval'), `${formatDuration(sampleUs)} cuts the run (${formatDuration(durationUs)}) into ${Math.ceil(durationUs / sampleUs)} samples; meshsim keeps at most ${SAMPLES_MAX}.`,
      `Write a sampleInterval of at least ${formatDuration(Math.ceil(durationUs / SAMPLES_MAX))}.`);
  }
  const manifests: ManifestSource[] = spec['manifests'] === undefined ? [] : readManifestRefs(reader, at('manifests'), spec['manifests'], false);
  const topology = spec['topology'] === undefined ? null : readTopology(reader, at('topology'), spec['topology']);
  if (topology !== null) manifests.push(generateTopology(topology, `${file}#topology`));
  const mesh = readMeshConfigField(reader, at('meshConfig'), spec['meshConfig']);
  const pilot = readPilot(reader, at('pilot'), spec['pilot']);
  const network = readNetwork(reader, at('network'), spec['network']);
  const nodes = readNodes(reader, at('nodes'), spec['nodes']);
  const refs: Reference[] = [];
  const ctx: SectionContext = { reader, refs, durationUs, nodes: (nodes ?? []).map((n) => n.name) };
  const apps = spec['apps'] === undefined ? [] : readApps(ctx, at('apps'), spec['apps']);
  const traffic = [
    ...(topology === null || durationUs === null ? [] : topologyTraffic(topology, durationUs)),
    ...(spec['traffic'] === undefined ? [] : readTraffic(ctx, at('traffic'), spec['traffic'])),
  ];
  const timeline = spec['timeline'] === undefined ? [] : readTimeline(ctx, at('timeline'), spec['timeline']);
  const assertions = spec['assertions'] === undefined ? [] : readAssertions(ctx, at('assertions'), spec['assertions']);

  const checked = validateScenarioMesh({
    scenarioFile: file,
    initial: manifests,
    applies: timeline.flatMap((step) => (step.action.kind === 'apply' ? [step.action.manifests] : [])),
    ...(mesh?.rootNamespace === undefined ? {} : { rootNamespace: mesh.rootNamespace }),
    ...(mesh?.trustDomain === undefined ? {} : { trustDomain: mesh.trustDomain }),
  });
  reader.diagnostics.push(...checked.diagnostics);
  checkReferences(reader, refs, checked.inventory);

  if (name === null || description === null || seed === null || durationUs === null || sampleUs === null) return null;
  if (mesh === null || pilot === null || network === null || nodes === null) return null;
  return { name, description, file, seed, durationUs, manifests, mesh, pilot, network, traffic, apps, timeline, assertions, sampleUs, ...(nodes.length > 0 ? { nodes } : {}) };
}

/** A file that is not a scenario (a manifest given to `meshsim run`) gets one clear error, not a field-by-field flood. */
function isScenario(reader: FieldReader, top: Readonly<Record<string, unknown>>): boolean {
  const { apiVersion, kind } = top;
  if (apiVersion === SCENARIO_API_VERSION && kind === SCENARIO_KIND) return true;
  if (kind !== SCENARIO_KIND && kind !== undefined) {
    reader.error(CODES.scenarioFile, ['kind'], `this file is a ${typeof kind === 'string' ? kind : 'document'}, not a Scenario.`,
      'Give `meshsim run` a scenario file (kind: Scenario) that names the manifests under spec.manifests; check manifests alone with `meshsim validate`.');
  } else if (kind === undefined) {
    reader.error(CODES.scenarioFile, ['kind'], 'this field is required but missing, so the file is not a Scenario.', `Start the file with apiVersion: ${SCENARIO_API_VERSION} and kind: ${SCENARIO_KIND}.`);
  } else {
    reader.error(CODES.scenarioFile, ['apiVersion'], `${apiVersion === undefined ? 'this field is required but missing' : `${JSON.stringify(apiVersion)} is not a scenario apiVersion`}.`,
      `Set apiVersion: ${SCENARIO_API_VERSION}.`);
  }
  return false;
}

function readName(reader: FieldReader, value: unknown): string | null {
  const name = reader.string(['metadata', 'name'], value);
  if (name === null) return null;
  if (DNS_1123_LABEL.test(name)) return name;
  reader.error(CODES.scenarioInvalidValue, ['metadata', 'name'], `"${name}" is not a DNS-1123 label.`,
    'Use at most 63 lower-case letters, digits and -, starting and ending with a letter or digit, e.g. bookinfo-canary.');
  return null;
}

function readSeed(reader: FieldReader, value: unknown, override: number | undefined): number | null {
  const seed = reader.uint32(['spec', 'seed'], value, { fallback: SEED_DEFAULT });
  if (override === undefined) return seed;
  if (Number.isSafeInteger(override) && override >= 0 && override <= UINT32_MAX) return override;
  reader.diagnostics.push({
    file: reader.source.file, line: 0, column: 0, severity: 'error', code: CODES.scenarioConstraint, resource: null, field: '',
    message: `The seed ${override} given on the command line is not an integer from 0 to ${UINT32_MAX}.`,
    hint: 'Pass --seed a whole number from 0 to 4294967295.',
  });
  return null;
}
