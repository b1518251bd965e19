/**
 * `spec.pilot`, `spec.network` and `spec.meshConfig`: how istiod and the network are tuned for a run.
 *
 * Job: read istiod's push tuning (Istio's PILOT_* environment variables, replicas, cores) and the
 * one-way latencies, each field defaulting to PILOT_SETTINGS_DEFAULT / NETWORK_SETTINGS_DEFAULT; read
 * MeshConfig with the same spelling and checks as the `istio` ConfigMap's `mesh` key (readMeshConfig).
 *
 * Invariants: times are integer µs; counts are positive integers; a MeshConfig field meshsim does not
 * use is a warning (istiod would accept it; meshsim ignores it), never an error.
 *
 * Not modelled: the other PILOT_* variables (PILOT_FILTER_GATEWAY_CLUSTER_CONFIG, …); per-link latency.
 */
import { CODES, NETWORK_SETTINGS_DEFAULT, PILOT_SETTINGS_DEFAULT, readMeshConfig } from '../sim/index.ts';
import type { MeshConfig, NetworkSettings, NodeInfo, PilotSettings } from '../sim/index.ts';
import { nearest } from './field-reader.ts';
import type { FieldReader } from './field-reader.ts';
import type { FieldPath } from './parse-scenario-text.ts';

export const PILOT_FIELDS = ['debounceAfter', 'debounceMax', 'enableEdsDebounce', 'pushThrottle', 'maxRequestsPerSecond', 'replicas', 'cpus'] as const;
export const NETWORK_FIELDS = ['xdsLatency', 'proxyApply', 'podLatency', 'informerLag'] as const;
/** The MeshConfig fields readMeshConfig reads (sim/config/mesh-config.ts); others are ignored with a warning. */
export const MESH_CONFIG_FIELDS = [
  'rootNamespace', 'trustDomain', 'trustDomainAliases', 'enableAutoMtls', 'outboundTrafficPolicy',
  'defaultServiceExportTo', 'defaultVirtualServiceExportTo', 'defaultDestinationRuleExportTo', 'extensionProviders', 'localityLbSetting',
  'pathNormalization', 'defaultConfig',
] as const;

export function readPilot(reader: FieldReader, at: FieldPath, value: unknown): PilotSettings | null {
  if (value === undefined) return PILOT_SETTINGS_DEFAULT;
  const obj = reader.object(at, value, PILOT_FIELDS);
  if (obj === null) return null;
  const d = PILOT_SETTINGS_DEFAULT;
  const procs = reader.integer([...at, 'cpus'], obj['cpus'], { min: 1, max: 1_024, fallback: d.cpus });
  // Istio derives both from GOMAXPROCS when unset (features/tuning.go): min(15 + 5·procs, 100).
  const byCpus = Math.min(15 + 5 * (procs ?? d.cpus), 100);
  const settings = {
    debounceAfterUs: reader.duration([...at, 'debounceAfter'], obj['debounceAfter'], { zeroAllowed: true, fallback: d.debounceAfterUs }),
    debounceMaxUs: reader.duration([...at, 'debounceMax'], obj['debounceMax'], { fallback: d.debounceMaxUs }),
    enableEdsDebounce: reader.boolean([...at, 'enableEdsDebounce'], obj['enableEdsDebounce'], { fallback: d.enableEdsDebounce }),
    pushThrottle: reader.integer([...at, 'pushThrottle'], obj['pushThrottle'], { min: 1, max: 10_000, fallback: byCpus }),
    maxRequestsPerSecond: reader.integer([...at, 'maxRequestsPerSecond'], obj['maxRequestsPerSecond'], { min: 1, max: 100_000, fallback: byCpus }),
    replicas: reader.integer([...at, 'replicas'], obj['replicas'], { min: 1, max: 100, fallback: d.replicas }),
    cpus: procs,
  };
  const { debounceAfterUs, debounceMaxUs, enableEdsDebounce, pushThrottle, maxRequestsPerSecond, replicas, cpus } = settings;
  if (debounceAfterUs === null || debounceMaxUs === null || enableEdsDebounce === null || pushThrottle === null || maxRequestsPerSecond === null || replicas === null || cpus === null) return null;
  return { debounceAfterUs, debounceMaxUs, enableEdsDebounce, pushThrottle, maxRequestsPerSecond, replicas, cpus };
}

export function readNetwork(reader: FieldReader, at: FieldPath, value: unknown): NetworkSettings | null {
  if (value === undefined) return NETWORK_SETTINGS_DEFAULT;
  const obj = reader.object(at, value, NETWORK_FIELDS);
  if (obj === null) return null;
  const d = NETWORK_SETTINGS_DEFAULT;
  const read = (field: (typeof NETWORK_FIELDS)[number], fallback: number) =>
    reader.duration([...at, field], obj[field], { zeroAllowed: true, fallback });
  const xdsLatencyUs = read('xdsLatency', d.xdsLatencyUs);
  const proxyApplyUs = read('proxyApply', d.proxyApplyUs);
  const podLatencyUs = read('podLatency', d.podLatencyUs);
  const informerLagUs = read('informerLag', d.informerLagUs);
  if (xdsLatencyUs === null || proxyApplyUs === null || podLatencyUs === null || informerLagUs === null) return null;
  return { xdsLatencyUs, proxyApplyUs, podLatencyUs, informerLagUs };
}

/** MeshConfig as istiod reads it from the `istio` ConfigMap; only the fields meshsim uses are kept. */
export function readMeshConfigField(reader: FieldReader, at: FieldPath, value: unknown): Partial<MeshConfig> | null {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    reader.wrongType(at, value, 'a mapping', 'Write MeshConfig fields as in the istio ConfigMap\'s mesh key, e.g. {outboundTrafficPolicy: {mode: REGISTRY_ONLY}}.');
    return null;
  }
  const obj = value as Readonly<Record<string, unknown>>;
  for (const key of Object.keys(obj)) {
    if ((MESH_CONFIG_FIELDS as readonly string[]).includes(key)) continue;
    const near = nearest(key, MESH_CONFIG_FIELDS, 1)[0];
    reader.report('warning', CODES.scenarioFieldIgnored, [...at, key],
      `meshsim does not model this MeshConfig field and ignores it${near === undefined ? '.' : `; did you mean ${near}?`}`,
      `meshsim reads ${MESH_CONFIG_FIELDS.join(', ')}; remove the field or check its spelling.`);
  }
  const policy = obj['outboundTrafficPolicy'];
  if (policy !== undefined && (policy === null || typeof policy !== 'object' || Array.isArray(policy))) {
    reader.wrongType([...at, 'outboundTrafficPolicy'], policy, 'a mapping', 'Write outboundTrafficPolicy: {mode: REGISTRY_ONLY} (or ALLOW_ANY).');
    return null;
  }
  // JSON is YAML: hand the mapping to the ConfigMap reader so both spellings are checked alike.
  const reading = readMeshConfig(JSON.stringify(obj));
  for (const problem of reading.problems) {
    reader.error(CODES.scenarioInvalidValue, [...at, ...problem.field.split('.').filter((s) => s !== '')],
      `${problem.message.replace(/^[\w.[\]]+ /, '')}.`, 'Write the value as the istio ConfigMap\'s mesh key takes it (see Istio\'s MeshConfig reference).');
  }
  return reading.problems.length > 0 ? null : reading.config;
}

export const NODE_FIELDS = ['name', 'region', 'zone', 'subzone'] as const;
const NODE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const TOPOLOGY_VALUE = /^([A-Za-z0-9]([-_.A-Za-z0-9]{0,61}[A-Za-z0-9])?)?$/;

/** `spec.nodes`: the nodes pods are scheduled on, each with its topology labels (region, zone, subzone). */
export function readNodes(reader: FieldReader, at: FieldPath, value: unknown): NodeInfo[] | null {
  if (value === undefined) return [];
  const out: NodeInfo[] = [];
  const seen = new Set<string>();
  let ok = true;
  (reader.list(at, value) ?? []).forEach((item, index) => {
    const p = [...at, index];
    const obj = reader.object(p, item, NODE_FIELDS, ['name', 'region', 'zone']);
    if (obj === null) return void (ok = false);
    const name = reader.string([...p, 'name'], obj['name']);
    const fields = (['region', 'zone', 'subzone'] as const).map((f) => reader.string([...p, f], obj[f], { fallback: '' }));
    if (name === null || fields.some((f) => f === null)) return void (ok = false);
    if (!NODE_NAME.test(name) || name.length > 253) {
      reader.error(CODES.scenarioInvalidValue, [...p, 'name'], `"${name}" is not a node name.`, 'Node names are lower-case DNS names, e.g. node-a1.');
      return void (ok = false);
    }
    if (seen.has(name)) {
      reader.error(CODES.scenarioDuplicateName, [...p, 'name'], `node ${name} is named twice.`, 'Give each node its own name.');
      return void (ok = false);
    }
    const bad = (['region', 'zone', 'subzone'] as const).find((_, i) => !TOPOLOGY_VALUE.test(fields[i]!));
    if (bad !== undefined) {
      reader.error(CODES.scenarioInvalidValue, [...p, bad], `"${String(obj[bad])}" is not a valid label value.`, `It becomes the node's topology label, so at most 63 letters, digits, -, _ or ., e.g. us-east-1a.`);
      return void (ok = false);
    }
    seen.add(name);
    const [region, zone, subzone] = fields as [string, string, string];
    out.push({ name, region, zone, subzone });
  });
  return ok ? out : null;
}
