/**
 * Manifests → resources: the checks `kubectl apply` and Istio's admission webhook make on each object
 * alone (type meta, kind and version, names, schema, unknown fields, Istio's own field rules), reported
 * as diagnostics with a location. Cross-resource checks (analyzers) come later, on the whole set.
 *
 * Invariants: a resource with an error is left out (as the API server would refuse it), one with only
 * warnings is kept; resources come out in input order; the same input gives the same output.
 *
 * Not modelled: server-side defaulting beyond what meshsim reads (it reads fields with their defaults
 * applied where it uses them); `generateName`.
 */
import { CODES, formatFieldPath } from './diagnostic.ts';
import type { Diagnostic, DiagnosticCode, ResourceRef, Severity } from './diagnostic.ts';
import { KINDS, KNOWN_UNSIMULATED_KINDS, NEWER_FIELDS, apiVersionsOf, isKindName, splitApiVersion } from './kinds.ts';
import type { KindInfo, KindName } from './kinds.ts';
import { listItem, parseManifest } from './parse-manifests.ts';
import type { ManifestSource, RawDocument } from './parse-manifests.ts';
import { locateField, resourceKey } from './resource.ts';
import type { AnyResource, FieldPath, Resource, SpecByKind } from './resource.ts';
import { checkSchema } from './schema-check.ts';
import type { SchemaFindingKind } from './schema-check.ts';
import { checkIstioRules } from './istio-rules.ts';
import { checkNames } from './names.ts';
import { checkKubeRules } from './kube-rules.ts';

export interface LoadOptions {
  /** Namespace for namespaced resources that name none, as `kubectl apply -n`. Default `default`. */
  readonly defaultNamespace?: string;
}

export interface LoadResult {
  readonly resources: AnyResource[];
  readonly diagnostics: Diagnostic[];
}

export function loadManifests(sources: readonly ManifestSource[], options: LoadOptions = {}): LoadResult {
  const resources: AnyResource[] = [];
  const diagnostics: Diagnostic[] = [];
  const seen = new Map<string, AnyResource>();
  let documents = 0;
  for (const source of sources) {
    const parsed = parseManifest(source);
    documents += parsed.documents.length + parsed.diagnostics.length;
    diagnostics.push(...parsed.diagnostics);
    for (const document of expandLists(parsed.documents, diagnostics)) {
      const loaded = loadDocument(document, options, diagnostics);
      if (loaded === null) continue;
      const key = resourceKey(loaded);
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        diagnostics.push(duplicateDiagnostic(loaded, earlier));
        resources.splice(resources.indexOf(earlier), 1);
      }
      seen.set(key, loaded);
      resources.push(loaded);
    }
  }
  const first = sources[0];
  if (first !== undefined && documents === 0) {
    // kubectl apply: "error: no objects passed to apply".
    diagnostics.push(plain(first.path, 1, 1, 'error', CODES.emptyInput,
      `No Kubernetes resources in ${sources.length === 1 ? first.path : `${sources.length} files`}: every document is empty.`,
      'Check that you named the right files; `kubectl apply` would say "no objects passed to apply".'));
  }
  return { resources, diagnostics };
}

function expandLists(documents: readonly RawDocument[], diagnostics: Diagnostic[]): RawDocument[] {
  const out: RawDocument[] = [];
  for (const document of documents) {
    const { kind, items } = document.value;
    if (typeof kind === 'string' && kind.endsWith('List') && !Array.isArray(items) && !isKindName(kind)) {
      const at = document.fields.get('items') ?? document;
      diagnostics.push(plain(at.file, at.line, at.column, 'error', CODES.notAnObject,
        `This ${kind} has no items list.`, 'A List holds its resources under items: as a YAML list.'));
      continue;
    }
    if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(items)) {
      items.forEach((item, index) => {
        if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
          out.push(listItem(document, index, item as Record<string, unknown>));
        } else {
          const at = document.fields.get(`items[${index}]`) ?? document;
          diagnostics.push(plain(at.file, at.line, at.column, 'error', CODES.notAnObject,
            `items[${index}] of this ${kind} is not a resource.`, 'Each item of a List must be a mapping with apiVersion, kind and metadata.'));
        }
      });
    } else {
      out.push(document);
    }
  }
  return out;
}

function loadDocument(document: RawDocument, options: LoadOptions, diagnostics: Diagnostic[]): AnyResource | null {
  const { apiVersion, kind, metadata } = document.value;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || apiVersion === '' || kind === '') {
    if (!document.named && apiVersion === undefined && kind === undefined) {
      diagnostics.push(plain(document.file, document.line, document.column, 'warning', CODES.missingTypeMeta,
        'This file is not a Kubernetes manifest (no apiVersion and kind); it was skipped.',
        'Nothing to do if it is other YAML or JSON in the folder; name the file explicitly to have it checked as a manifest.'));
      return null;
    }
    diagnostics.push(typeMetaDiagnostic(document, apiVersion, kind));
    return null;
  }
  const meta = (metadata !== null && typeof metadata === 'object' && !Array.isArray(metadata) ? metadata : {}) as Record<string, unknown>;
  const name = typeof meta['name'] === 'string' ? meta['name'] : '';
  if (!isKindName(kind)) {
    diagnostics.push(unknownKindDiagnostic(document, kind, apiVersion, name));
    return null;
  }
  const info = KINDS[kind];
  const namespace = info.namespaced
    ? typeof meta['namespace'] === 'string' && meta['namespace'] !== '' ? meta['namespace'] : options.defaultNamespace ?? 'default'
    : '';
  const draft = makeResource(document, info, apiVersion, namespace, name, meta);
  const errorsBefore = diagnostics.filter((d) => d.severity === 'error').length;
  const versionOk = checkApiVersion(draft, info, diagnostics);
  if (name === '' && (meta['name'] === undefined || meta['name'] === '') && (metadata === undefined || meta === metadata)) {
    diagnostics.push(at(draft, ['metadata'], 'error', CODES.missingName, 'The resource has no metadata.name.',
      '`kubectl apply` needs a name for every resource: add metadata.name.'));
  }
  for (const finding of checkNames(draft)) {
    diagnostics.push(at(draft, finding.path, 'error', CODES.invalidName, finding.message, finding.hint));
  }
  if (versionOk) {
    const validate = info.versions[splitApiVersion(apiVersion).version]!;
    for (const finding of checkSchema(validate, document.value, NEWER_FIELDS[info.kind])) {
      diagnostics.push(schemaDiagnostic(draft, finding.kind, finding.path, finding.message));
    }
  }
  const schemaErrors = diagnostics.filter((d) => d.severity === 'error').length > errorsBefore;
  if (!schemaErrors) {
    for (const finding of checkKubeRules(draft)) {
      diagnostics.push(at(draft, finding.path, 'error', CODES.kubeRule, finding.message, finding.hint));
    }
    for (const finding of checkIstioRules(draft)) {
      const code = finding.code ?? (finding.severity === 'error' ? CODES.istioRule : CODES.istioWarning);
      diagnostics.push(at(draft, finding.path, finding.severity, code, finding.message, finding.hint));
    }
  }
  const hasErrors = diagnostics.filter((d) => d.severity === 'error').length > errorsBefore;
  return hasErrors ? null : draft;
}

function typeMetaDiagnostic(document: RawDocument, apiVersion: unknown, kind: unknown): Diagnostic {
  const problems: string[] = [];
  for (const [field, value] of [['apiVersion', apiVersion], ['kind', kind]] as const) {
    if (value === undefined || value === null || value === '') problems.push(`no ${field}`);
    else if (typeof value !== 'string') problems.push(`a ${field} that is not a string`);
  }
  const where = (apiVersion !== undefined ? document.fields.get('apiVersion') : undefined) ?? document;
  return plain(document.file, where.line, where.column, 'error', CODES.missingTypeMeta,
    `This document has ${problems.join(' and ')}, so it is not a Kubernetes resource.`,
    'Set apiVersion and kind as strings (for example `apiVersion: networking.istio.io/v1` and `kind: VirtualService`).');
}

function makeResource(document: RawDocument, info: KindInfo, apiVersion: string, namespace: string, name: string,
  meta: Record<string, unknown>): AnyResource {
  const spec = document.value['spec'];
  const resource: Resource<KindName> = {
    kind: info.kind,
    apiVersion,
    namespace,
    name,
    labels: stringMap(meta['labels']),
    annotations: stringMap(meta['annotations']),
    creationTimestamp: typeof meta['creationTimestamp'] === 'string' ? meta['creationTimestamp'] : null,
    spec: (spec !== null && typeof spec === 'object' ? spec : {}) as SpecByKind[KindName],
    body: document.value,
    origin: { file: document.file, line: document.line, column: document.column, fields: document.fields },
  };
  return resource as AnyResource;
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return out;
  for (const [key, item] of Object.entries(value)) if (typeof item === 'string') out[key] = item;
  return out;
}

function checkApiVersion(resource: AnyResource, info: KindInfo, diagnostics: Diagnostic[]): boolean {
  const { group, version } = splitApiVersion(resource.apiVersion);
  if (group === info.group && info.versions[version] !== undefined) return true;
  const served = apiVersionsOf(info).join(', ');
  diagnostics.push(at(resource, ['apiVersion'], 'error', CODES.unsupportedVersion,
    `${info.kind} is not served as ${resource.apiVersion}; it is served as ${served}.`,
    `Set apiVersion to one of ${served}.`));
  return false;
}

const FINDING_CODES: Readonly<Record<SchemaFindingKind, DiagnosticCode>> = {
  wrongType: CODES.wrongType,
  invalidEnum: CODES.invalidEnum,
  missingField: CODES.missingField,
  constraint: CODES.constraint,
  unknownField: CODES.unknownField,
};

const FINDING_HINTS: Readonly<Record<SchemaFindingKind, string>> = {
  wrongType: 'Write the value with the type the field takes (quote strings, leave numbers unquoted).',
  invalidEnum: 'Use one of the allowed values; they are case-sensitive.',
  missingField: 'Add the missing field.',
  constraint: 'Change the value so that it meets the rule.',
  unknownField: 'Check the spelling and nesting against the API reference; `kubectl apply` rejects unknown fields.',
};

function schemaDiagnostic(resource: AnyResource, kind: SchemaFindingKind, path: FieldPath, message: string): Diagnostic {
  const field = formatFieldPath(path);
  const text = kind === 'unknownField'
    ? `${field} is not a ${resource.kind} field.`
    : field === '' ? `The resource ${message}.` : `Field ${field} ${message}.`;
  return at(resource, path, 'error', FINDING_CODES[kind], text, FINDING_HINTS[kind]);
}

function unknownKindDiagnostic(document: RawDocument, kind: string, apiVersion: string, name: string): Diagnostic {
  const known = KNOWN_UNSIMULATED_KINDS.has(kind);
  const message = known
    ? `${kind} (${apiVersion}) is not simulated by meshsim; it was skipped.`
    : `Unknown kind ${kind} (${apiVersion}); it was skipped.`;
  const hint = known
    ? 'Nothing to do if it does not affect traffic; otherwise express its effect with the kinds meshsim simulates.'
    : `Check the kind's spelling; meshsim reads ${Object.keys(KINDS).join(', ')}.`;
  const meta = document.value['metadata'] as { namespace?: unknown } | undefined;
  const namespace = typeof meta?.namespace === 'string' ? meta.namespace : '';
  const resource: ResourceRef | null = name === '' ? null : { kind, namespace, name };
  const where = document.fields.get('kind') ?? document;
  return { ...plain(document.file, where.line, where.column, 'warning', CODES.unknownKind, message, hint), resource };
}

/**
 * The same resource twice: in one file that is almost surely a mistake (a warning); across files it is
 * often deliberate layering, as when applying alternatives one after the other (an info).
 */
function duplicateDiagnostic(later: AnyResource, earlier: AnyResource): Diagnostic {
  const where = `${earlier.origin.file}:${earlier.origin.line}`;
  const severity = later.origin.file === earlier.origin.file ? 'warning' : 'info';
  return at(later, ['metadata', 'name'], severity, CODES.duplicateResource,
    `${later.kind} ${later.namespace === '' ? '' : `${later.namespace}/`}${later.name} is defined again; this definition replaces the one at ${where}, as \`kubectl apply\` would.`,
    'Remove one of the two definitions or give them different names.');
}

function plain(file: string, line: number, column: number, severity: Severity, code: string, message: string, hint: string): Diagnostic {
  return { file, line, column, severity, code, message, hint, resource: null, field: '' };
}

/** A diagnostic about a field of a resource, located at the field as written. */
export function at(resource: AnyResource | Resource, path: FieldPath, severity: Severity, code: string, message: string, hint: string): Diagnostic {
  const location = locateField(resource, path);
  return {
    ...location,
    severity,
    code,
    message,
    hint,
    resource: { kind: resource.kind, namespace: resource.namespace, name: resource.name },
    field: formatFieldPath(path),
  };
}
