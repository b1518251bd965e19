/**
 * `spec.timeline`: what changes during the run and when: apply or delete config, scale or restart a
 * workload, label a namespace, inject a fault.
 *
 * Job: read each step (`at`, optional `label`, exactly one action) into a TimelineStep, with a label
 * describing the action when the file gives none, and sort the steps by time (ties keep file order).
 *
 * Invariants: every `atUs` is integer µs and before the end of the run; fault durations are > 0 µs or 0
 * for "until the run ends"; a deleted resource of a cluster-scoped kind (Namespace) has namespace '';
 * a label value null means "remove the label" (`kubectl label ns NS key-`).
 *
 * Not modelled: steps relative to other steps ("5s after"), repeating steps, conditions.
 */
import { CODES, KIND_NAMES, TERMINATION_DRAIN_US, formatDuration, formatPpm } from '../sim/index.ts';
import type { FaultSpec, ManifestSource, ResourceKey, TimelineAction, TimelineStep } from '../sim/index.ts';
import { readWorkloadRef } from './check-references.ts';
import type { FieldReader, Obj } from './field-reader.ts';
import { readManifestRefs } from './read-manifest-refs.ts';
import type { SectionContext } from './read-traffic.ts';
import type { FieldPath } from './parse-scenario-text.ts';

export const ACTIONS = ['apply', 'delete', 'scale', 'labelNamespace', 'restart', 'fault', 'heal'] as const;
export const STEP_FIELDS = ['at', 'label', ...ACTIONS] as const;
export const FAULT_FIELDS = {
  istiodOutage: ['duration'],
  proxyNack: ['workload', 'duration'],
  podFailure: ['workload', 'pods'],
  podChurn: ['rate', 'duration', 'namespace', 'drain'],
  configChurn: ['interval', 'duration', 'namespace'],
  networkDelay: ['workload', 'delay', 'duration'],
  networkLoss: ['workload', 'loss', 'duration'],
  networkPartition: ['workload', 'peer', 'duration'],
  nodeFailure: ['node', 'duration'],
  certificateExpiry: ['workload', 'duration'],
} as const;
const REQUIRED_FAULT_FIELDS: ReadonlySet<string> = new Set(['workload', 'delay', 'rate', 'loss', 'peer', 'node', 'interval']);
const FAULTS = Object.keys(FAULT_FIELDS) as (keyof typeof FAULT_FIELDS)[];
const DELETE_FIELDS = ['kind', 'namespace', 'name'] as const;
const LABEL_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-_.A-Za-z0-9]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-_.A-Za-z0-9]{0,61}[A-Za-z0-9])?)?$/;
const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function readTimeline(ctx: SectionContext, at: FieldPath, value: unknown): TimelineStep[] {
  const { reader, durationUs } = ctx;
  const steps: TimelineStep[] = [];
  (reader.list(at, value) ?? []).forEach((item, index) => {
    const p = [...at, index];
    const obj = reader.object(p, item, STEP_FIELDS, ['at']);
    if (obj === null) return;
    const atUs = reader.duration([...p, 'at'], obj['at'], { zeroAllowed: true });
    if (atUs !== null && durationUs !== null && atUs >= durationUs) {
      reader.error(CODES.scenarioConstraint, [...p, 'at'], `${formatDuration(atUs)} is not before the end of the run (the run lasts ${formatDuration(durationUs)}).`,
        'Make at less than spec.duration, or lengthen the run.');
    }
    const label = reader.string([...p, 'label'], obj['label'], { fallback: '' });
    const which = reader.exactlyOne(p, obj, ACTIONS, 'a timeline step');
    const action = which === null ? null : readAction(ctx, [...p, which], which, obj[which]);
    if (atUs === null || label === null || action === null || (durationUs !== null && atUs >= durationUs)) return;
    const written = which === 'apply' ? appliedNames(obj['apply']) : [];
    steps.push({ atUs, label: label === '' ? describeAction(action, written) : label, action, line: reader.at(p).line });
  });
  // Array.prototype.sort is stable: steps at the same time keep their order in the file.
  return steps.sort((a, b) => a.atUs - b.atUs);
}

function readAction(ctx: SectionContext, at: FieldPath, which: (typeof ACTIONS)[number], value: unknown): TimelineAction | null {
  const { reader, refs } = ctx;
  switch (which) {
    case 'apply': {
      const errors = reader.errorCount();
      const manifests: readonly ManifestSource[] = readManifestRefs(reader, at, value, true);
      return reader.errorCount() > errors ? null : { kind: 'apply', manifests };
    }
    case 'delete':
      return readDelete(ctx, at, value);
    case 'scale': {
      const obj = reader.object(at, value, ['workload', 'replicas'], ['workload', 'replicas']);
      if (obj === null) return null;
      const workload = readWorkloadRef(reader, refs, [...at, 'workload'], obj['workload'], 'scale');
      const replicas = reader.integer([...at, 'replicas'], obj['replicas'], { min: 0, max: 10_000, unit: 'replicas' });
      return workload === null || replicas === null ? null : { kind: 'scale', workload, replicas };
    }
    case 'labelNamespace':
      return readLabelNamespace(ctx, at, value);
    case 'restart': {
      const obj = reader.object(at, value, ['workload'], ['workload']);
      const workload = obj === null ? null : readWorkloadRef(reader, refs, [...at, 'workload'], obj['workload'], 'restart');
      return workload === null ? null : { kind: 'restart', workload };
    }
    case 'heal': {
      // `heal: {}` (or `heal: true`): no settings.
      if (value === true) return { kind: 'heal' };
      return reader.object(at, value ?? {}, [], []) === null ? null : { kind: 'heal' };
    }
    case 'fault': {
      const obj = reader.object(at, value, FAULTS, []);
      if (obj === null) return null;
      const kind = reader.exactlyOne(at, obj, FAULTS, 'a fault');
      const fault = kind === null ? null : readFault(ctx, [...at, kind], kind, obj[kind]);
      return fault === null ? null : { kind: 'fault', fault };
    }
  }
}

function readDelete(ctx: SectionContext, at: FieldPath, value: unknown): TimelineAction | null {
  const { reader } = ctx;
  const single = value !== null && typeof value === 'object' && !Array.isArray(value);
  const items: readonly [unknown, FieldPath][] = single ? [[value, at]] : (reader.list(at, value) ?? []).map((v, i) => [v, [...at, i]]);
  if (Array.isArray(value) && value.length === 0) {
    reader.error(CODES.scenarioConstraint, at, 'the list is empty.', 'Name at least one resource as {kind, namespace, name}.');
    return null;
  }
  const resources: ResourceKey[] = [];
  for (const [item, p] of items) {
    const obj = reader.object(p, item, DELETE_FIELDS, ['kind', 'name']);
    if (obj === null) continue;
    const kind = reader.choice([...p, 'kind'], obj['kind'], KIND_NAMES);
    const clusterScoped = kind === 'Namespace';
    if (clusterScoped && obj['namespace'] !== undefined) {
      reader.error(CODES.scenarioConstraint, [...p, 'namespace'], 'a Namespace is cluster-scoped and has no namespace.', 'Remove namespace from this entry.');
    }
    const namespace = clusterScoped ? '' : reader.string([...p, 'namespace'], obj['namespace'], { fallback: 'default' });
    const name = reader.string([...p, 'name'], obj['name']);
    if (kind === null || namespace === null || name === null) continue;
    const key = { kind, namespace, name };
    ctx.refs.push({ type: 'resource', at: p, key });
    resources.push(key);
  }
  return resources.length === items.length && items.length > 0 ? { kind: 'delete', resources } : null;
}

function readLabelNamespace(ctx: SectionContext, at: FieldPath, value: unknown): TimelineAction | null {
  const { reader } = ctx;
  const obj = reader.object(at, value, ['namespace', 'labels'], ['namespace', 'labels']);
  if (obj === null) return null;
  const namespace = reader.string([...at, 'namespace'], obj['namespace']);
  if (namespace !== null && !NAMESPACE_NAME.test(namespace)) {
    reader.error(CODES.scenarioInvalidValue, [...at, 'namespace'], `"${namespace}" is not a namespace name.`, 'Namespace names are lower-case DNS labels, e.g. legacy.');
  } else if (namespace !== null) {
    ctx.refs.push({ type: 'namespace', at: [...at, 'namespace'], name: namespace });
  }
  const labels = readLabels(reader, [...at, 'labels'], obj['labels']);
  return namespace === null || labels === null || !NAMESPACE_NAME.test(namespace) ? null : { kind: 'label-namespace', namespace, labels };
}

function readLabels(reader: FieldReader, at: FieldPath, value: unknown): Record<string, string | null> | null {
  if (value === undefined) return null;
  if (value === null || typeof value !== 'object' || Array.isArray(value) || Object.keys(value).length === 0) {
    reader.wrongType(at, value, 'a non-empty mapping of label names to values', 'Write {istio-injection: enabled}; a null value (key: null) removes the label.');
    return null;
  }
  const labels: Record<string, string | null> = {};
  let ok = true;
  for (const [key, v] of Object.entries(value as Obj)) {
    if (!LABEL_NAME.test(key)) {
      reader.error(CODES.scenarioInvalidValue, [...at, key], `"${key}" is not a valid label name.`, 'Use an optional DNS prefix and a name of letters, digits, -, _ and . (at most 63), e.g. istio.io/rev.');
      ok = false;
    } else if (v !== null && typeof v !== 'string') {
      reader.wrongType([...at, key], v, 'a string or null', `Quote the value (${key}: "${String(v)}"), or write null to remove the label.`);
      ok = false;
    } else if (typeof v === 'string' && !LABEL_VALUE.test(v)) {
      reader.error(CODES.scenarioInvalidValue, [...at, key], `"${v}" is not a valid label value.`, 'Label values have at most 63 letters, digits, -, _ or . and start and end with a letter or digit.');
      ok = false;
    } else {
      labels[key] = v as string | null;
    }
  }
  return ok ? labels : null;
}

function readFault(ctx: SectionContext, at: FieldPath, kind: keyof typeof FAULT_FIELDS, value: unknown): FaultSpec | null {
  const { reader, refs } = ctx;
  const fields = FAULT_FIELDS[kind];
  const obj = reader.object(at, value ?? {}, fields, fields.filter((f) => REQUIRED_FAULT_FIELDS.has(f)));
  if (obj === null) return null;
  const workload = (fields as readonly string[]).includes('workload') ? readWorkloadRef(reader, refs, [...at, 'workload'], obj['workload'], 'fault') : '';
  const durationUs = (fields as readonly string[]).includes('duration') ? reader.duration([...at, 'duration'], obj['duration'], { fallback: 0 }) : 0;
  if (workload === null || durationUs === null) return null;
  switch (kind) {
    case 'istiodOutage':
      return { kind: 'istiod-outage', durationUs };
    case 'proxyNack':
      return { kind: 'proxy-nack', workload, durationUs };
    case 'podFailure': {
      const pods = reader.integer([...at, 'pods'], obj['pods'], { min: 1, max: 10_000, fallback: 1, unit: 'pods' });
      return pods === null ? null : { kind: 'pod-failure', workload, pods };
    }
    case 'networkDelay': {
      const delayUs = reader.duration([...at, 'delay'], obj['delay']);
      return delayUs === null ? null : { kind: 'network-delay', workload, delayUs, durationUs };
    }
    case 'podChurn': {
      const ratePerSecond = reader.integer([...at, 'rate'], obj['rate'], { min: 1, max: 10_000, unit: 'pods per second' });
      const drainUs = reader.duration([...at, 'drain'], obj['drain'], { fallback: TERMINATION_DRAIN_US });
      const namespace = obj['namespace'] === undefined ? null : reader.string([...at, 'namespace'], obj['namespace']);
      if (namespace !== null && !NAMESPACE_NAME.test(namespace)) {
        reader.error(CODES.scenarioInvalidValue, [...at, 'namespace'], `"${namespace}" is not a namespace name.`, 'Namespace names are lower-case DNS labels, e.g. ns-01; leave the field out to churn every namespace.');
        return null;
      }
      if (namespace !== null) ctx.refs.push({ type: 'namespace', at: [...at, 'namespace'], name: namespace });
      if (ratePerSecond === null || drainUs === null || (obj['namespace'] !== undefined && namespace === null)) return null;
      return { kind: 'pod-churn', ratePerSecond, durationUs, namespace, drainUs };
    }
    case 'configChurn': {
      const intervalUs = reader.duration([...at, 'interval'], obj['interval']);
      const namespace = obj['namespace'] === undefined ? null : reader.string([...at, 'namespace'], obj['namespace']);
      if (namespace !== null && !NAMESPACE_NAME.test(namespace)) {
        reader.error(CODES.scenarioInvalidValue, [...at, 'namespace'], `"${namespace}" is not a namespace name.`, 'Namespace names are lower-case DNS labels, e.g. ns-01; leave the field out to churn every namespace.');
        return null;
      }
      if (namespace !== null) ctx.refs.push({ type: 'namespace', at: [...at, 'namespace'], name: namespace });
      if (intervalUs === null || (obj['namespace'] !== undefined && namespace === null)) return null;
      return { kind: 'config-churn', intervalUs, durationUs, namespace };
    }
    case 'networkLoss': {
      const lossPpm = reader.percentPpm([...at, 'loss'], obj['loss']);
      return lossPpm === null ? null : { kind: 'network-loss', workload, lossPpm, durationUs };
    }
    case 'networkPartition': {
      const raw = obj['peer'];
      const peer = raw === 'istiod' || raw === '*' ? raw : readWorkloadRef(reader, refs, [...at, 'peer'], raw, 'fault');
      return peer === null ? null : { kind: 'network-partition', workload, peer, durationUs };
    }
    case 'certificateExpiry':
      return { kind: 'certificate-expiry', workload, durationUs };
    case 'nodeFailure': {
      const node = reader.string([...at, 'node'], obj['node']);
      if (node === null) return null;
      if (!ctx.nodes.includes(node)) {
        const known = ctx.nodes.length === 0 ? 'the scenario names no nodes (spec.nodes)' : `the nodes are ${ctx.nodes.join(', ')}`;
        reader.error(CODES.scenarioReferenceNotFound, [...at, 'node'], `node ${node} is not one of spec.nodes: ${known}.`, 'Name a node listed in spec.nodes, or add it there.');
        return null;
      }
      return { kind: 'node-failure', node, durationUs };
    }
  }
}

/** What an `apply` names, as written: its paths, and "inline manifest" for inline YAML. */
function appliedNames(value: unknown): string[] {
  const entries = Array.isArray(value) ? value : [value];
  const names = entries.map((e) => {
    const path = (e as { path?: unknown } | null)?.path;
    return typeof path === 'string' ? path : 'inline manifest';
  });
  return [...new Set(names)];
}

/** The label a step gets when the file gives none; `applied` names what an apply step applies. */
export function describeAction(action: TimelineAction, applied: readonly string[] = []): string {
  switch (action.kind) {
    case 'apply':
      return `apply ${applied.length > 0 ? applied.join(', ') : `${action.manifests.length} manifest${action.manifests.length === 1 ? '' : 's'}`}`;
    case 'delete':
      return `delete ${action.resources.map((r) => (r.namespace === '' ? `${r.kind} ${r.name}` : `${r.kind} ${r.namespace}/${r.name}`)).join(', ')}`;
    case 'scale':
      return `scale ${action.workload} to ${action.replicas}`;
    case 'label-namespace':
      return `label namespace ${action.namespace} ${Object.entries(action.labels).map(([k, v]) => (v === null ? `${k}-` : `${k}=${v}`)).join(' ')}`;
    case 'restart':
      return `restart ${action.workload}`;
    case 'fault':
      return describeFault(action.fault);
    case 'heal':
      return 'heal: every fault ends';
  }
}

function describeFault(fault: FaultSpec): string {
  const lasting = (us: number) => (us === 0 ? 'until the end' : `for ${formatDuration(us)}`);
  switch (fault.kind) {
    case 'istiod-outage':
      return `istiod outage ${lasting(fault.durationUs)}`;
    case 'proxy-nack':
      return `${fault.workload} NACKs config ${lasting(fault.durationUs)}`;
    case 'pod-failure':
      return `${fault.pods} pod${fault.pods === 1 ? '' : 's'} of ${fault.workload} fail`;
    case 'pod-churn':
      return `${fault.ratePerSecond} pod deletions/s${fault.namespace === null ? '' : ` in ${fault.namespace}`} ${lasting(fault.durationUs)}`;
    case 'config-churn':
      return `a VirtualService or DestinationRule change every ${formatDuration(fault.intervalUs)}${fault.namespace === null ? '' : ` in ${fault.namespace}`} ${lasting(fault.durationUs)}`;
    case 'network-delay':
      return `+${formatDuration(fault.delayUs)} network delay at ${fault.workload} ${lasting(fault.durationUs)}`;
    case 'network-loss':
      return `${formatPpm(fault.lossPpm)} connection loss at ${fault.workload} ${lasting(fault.durationUs)}`;
    case 'network-partition':
      return `${fault.workload} cut off from ${fault.peer === '*' ? 'everything' : fault.peer} ${lasting(fault.durationUs)}`;
    case 'node-failure':
      return `node ${fault.node} fails ${lasting(fault.durationUs)}`;
    case 'certificate-expiry':
      return `certificate of ${fault.workload} expires${fault.durationUs === 0 ? '' : ` (renewed after ${formatDuration(fault.durationUs)})`}`;
  }
}
