/**
 * One AuthorizationPolicy rule against one request: Istio's authz model (model.go New/Generate) turned
 * into a verdict with a reason, instead of an Envoy RBAC policy.
 *
 * Rules followed:
 * - A rule matches when at least one `from` source, at least one `to` operation and every `when`
 *   condition match; a missing (or empty) `from`/`to`/`when` matches anything.
 * - Inside a source or operation the fields are ANDed; the values of one field are ORed; `notX` is
 *   NOT(OR(values)); a `when` condition's values and notValues work the same way.
 * - An unknown `when` key makes the rule invalid: it is skipped whatever the action (model.go New).
 * - A value that cannot be generated (an HTTP-only attribute on a TCP chain, a bad IP or port, a bad
 *   header key) follows model.go checkError: for ALLOW the whole rule is dropped (a narrower allow);
 *   for DENY, AUDIT and CUSTOM only that value is dropped — the whole list for Istio's "extended"
 *   generators — and a field left with no value stops constraining (a wider deny).
 *
 * Invariants: pure; the verdict names the first field that failed, or the fields that matched.
 *
 * Not modelled: Envoy's RBAC matcher trees themselves (the verdict is computed from the rule as data).
 */
import type { RbacAction, RbacCondition, RbacRule } from '../xds/security.ts';
import type { AuthzRequest } from './authz-request.ts';
import type { Attribute, CompileContext, ValueTest } from './authz-values.ts';
import { OPERATION_ATTRIBUTES, SOURCE_ATTRIBUTES, attributeForKey } from './authz-values.ts';

export interface RuleContext extends CompileContext {
  readonly action: RbacAction;
}

export type RuleVerdict =
  | { readonly kind: 'match'; readonly detail: string }
  | { readonly kind: 'miss'; readonly detail: string }
  /** The rule generated no Envoy policy: it can never match. */
  | { readonly kind: 'dropped'; readonly detail: string };

interface Pattern { readonly text: string; readonly test: ValueTest }

interface Check {
  readonly label: string;
  readonly notLabel: string;
  readonly attribute: Attribute;
  readonly values: readonly Pattern[];
  readonly notValues: readonly Pattern[];
}

type Compiled<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly detail: string };

interface CompiledRule {
  /** null: any. */
  readonly from: readonly (readonly Check[])[] | null;
  readonly to: readonly (readonly Check[])[] | null;
  readonly when: readonly Check[];
  /** Conditions dropped from a DENY/AUDIT/CUSTOM rule, said in the reason. */
  readonly notes: readonly string[];
}

/** `serviceAccounts` ride on sources until sim/xds/security.ts RbacSource names them. */
type FieldBag = Readonly<Record<string, readonly string[] | undefined>>;

type Outcome = { readonly pass: boolean; readonly detail: string };

export function evaluateRule(rule: RbacRule, request: AuthzRequest, context: RuleContext): RuleVerdict {
  const compiled = compileRule(rule, context);
  if (!compiled.ok) return { kind: 'dropped', detail: compiled.detail };
  const { from, to, when, notes } = compiled.value;
  const parts: string[] = [];
  for (const [name, alternatives] of [['from', from], ['to', to]] as const) {
    if (alternatives === null) continue;
    const outcome = anyAlternative(name, alternatives, request);
    if (!outcome.pass) return { kind: 'miss', detail: outcome.detail };
    parts.push(outcome.detail);
  }
  for (const check of when) {
    const outcome = runCheck(check, request);
    if (!outcome.pass) return { kind: 'miss', detail: outcome.detail };
    parts.push(outcome.detail);
  }
  const matched = parts.length === 0 ? 'an empty rule matches every request' : parts.join(', ');
  return { kind: 'match', detail: notes.length === 0 ? matched : `${matched} (${notes.join('; ')})` };
}

function anyAlternative(name: string, alternatives: readonly (readonly Check[])[], request: AuthzRequest): Outcome {
  const misses: string[] = [];
  for (const checks of alternatives) {
    const outcomes = checks.map((check) => runCheck(check, request));
    const failed = outcomes.find((outcome) => !outcome.pass);
    if (failed === undefined) {
      return { pass: true, detail: outcomes.length === 0 ? `${name}[${misses.length}] matches anything` : outcomes.map((o) => o.detail).join(', ') };
    }
    misses.push(failed.detail);
  }
  return { pass: false, detail: misses.length === 1 ? (misses[0] ?? '') : `no ${name} entry matched (${misses.join('; ')})` };
}

function runCheck(check: Check, request: AuthzRequest): Outcome {
  const { attribute, label, notLabel } = check;
  // experimental.envoy.filters.*: Envoy metadata is not simulated, so the condition never matches.
  if (attribute.unevaluable) return { pass: false, detail: `${label} reads Envoy filter metadata, which meshsim cannot evaluate: treated as not matching` };
  const seen = attribute.observed(request);
  const hit = check.values.find((pattern) => pattern.test(request));
  if (check.values.length > 0 && hit === undefined) return { pass: false, detail: `${label}: ${seen} matches none of ${list(check.values)}` };
  const notHit = check.notValues.find((pattern) => pattern.test(request));
  if (notHit !== undefined) return { pass: false, detail: `${notLabel}: ${seen} matches ${JSON.stringify(notHit.text)}` };
  if (hit !== undefined) return { pass: true, detail: `${label} matched ${JSON.stringify(hit.text)} (${seen})` };
  return { pass: true, detail: `${notLabel}: ${seen} matches none of ${list(check.notValues)}` };
}

function list(patterns: readonly Pattern[]): string {
  return `[${patterns.map((pattern) => JSON.stringify(pattern.text)).join(', ')}]`;
}

function compileRule(rule: RbacRule, context: RuleContext): Compiled<CompiledRule> {
  const notes: string[] = [];
  const when: Check[] = [];
  for (const [index, condition] of (rule.when ?? []).entries()) {
    const compiled = compileCondition(condition, index, context, notes);
    if (!compiled.ok) return compiled;
    if (compiled.value !== null) when.push(compiled.value);
  }
  const from = compileAlternatives('from', rule.from as readonly FieldBag[] | undefined, SOURCE_ATTRIBUTES, context, notes);
  if (!from.ok) return from;
  const to = compileAlternatives('to', rule.to as readonly FieldBag[] | undefined, OPERATION_ATTRIBUTES, context, notes);
  if (!to.ok) return to;
  return { ok: true, value: { from: from.value, to: to.value, when, notes } };
}

function compileCondition(condition: RbacCondition, index: number, context: RuleContext, notes: string[]): Compiled<Check | null> {
  const attribute = attributeForKey(condition.key);
  // model.go New: an unknown attribute makes the rule invalid, for every action.
  if (attribute === null) return { ok: false, detail: `when[${index}]: unknown attribute ${JSON.stringify(condition.key)}, so the rule is skipped` };
  const label = `when[${index}].values (${condition.key})`;
  const notLabel = `when[${index}].notValues (${condition.key})`;
  return compileCheck(label, notLabel, attribute, condition.values ?? [], condition.notValues ?? [], context, notes);
}

type FieldTable = readonly (readonly [field: string, notField: string, attribute: Attribute])[];

function compileAlternatives(name: string, entries: readonly FieldBag[] | undefined, table: FieldTable,
  context: RuleContext, notes: string[]): Compiled<readonly (readonly Check[])[] | null> {
  // A missing or empty from/to matches anything (model.go New uses the base principal/permission).
  if (entries === undefined || entries.length === 0) return { ok: true, value: null };
  const alternatives: Check[][] = [];
  for (const [index, entry] of entries.entries()) {
    const checks: Check[] = [];
    for (const [field, notField, attribute] of table) {
      const values = entry[field] ?? [];
      const notValues = entry[notField] ?? [];
      if (values.length === 0 && notValues.length === 0) continue;
      const compiled = compileCheck(`${name}[${index}].${field}`, `${name}[${index}].${notField}`, attribute, values, notValues, context, notes);
      if (!compiled.ok) return compiled;
      if (compiled.value !== null) checks.push(compiled.value);
    }
    alternatives.push(checks);
  }
  return { ok: true, value: alternatives };
}

function compileCheck(label: string, notLabel: string, attribute: Attribute, values: readonly string[], notValues: readonly string[],
  context: RuleContext, notes: string[]): Compiled<Check | null> {
  const positive = compileValues(label, attribute, values, context, notes);
  if (!positive.ok) return positive;
  const negative = compileValues(notLabel, attribute, notValues, context, notes);
  if (!negative.ok) return negative;
  if (positive.value.length === 0 && negative.value.length === 0) return { ok: true, value: null };
  return { ok: true, value: { label, notLabel, attribute, values: positive.value, notValues: negative.value } };
}

function compileValues(label: string, attribute: Attribute, values: readonly string[], context: RuleContext, notes: string[]): Compiled<Pattern[]> {
  const patterns: Pattern[] = [];
  const errors: string[] = [];
  for (const text of values) {
    // generator.go: HTTP-only attributes return an error on TCP filter chains.
    const compiled = attribute.httpOnly && context.tcp ? { ok: false as const, error: `${attribute.name} is HTTP only` } : attribute.compile(text, context);
    if (compiled.ok) patterns.push({ text, test: compiled.test });
    else errors.push(compiled.error);
  }
  const error = errors[0];
  if (error === undefined) return { ok: true, value: patterns };
  // checkError, ALLOW: the error skips the whole rule.
  if (context.action === 'ALLOW') return { ok: false, detail: `${label}: ${error}, so the ALLOW rule is dropped` };
  // checkError, DENY/AUDIT/CUSTOM: the value (extended generators: the list) is ignored.
  notes.push(`${label} ignored: ${error}`);
  return { ok: true, value: attribute.wholeList ? [] : patterns };
}
