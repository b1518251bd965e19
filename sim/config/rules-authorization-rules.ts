/**
 * The rules of an AuthorizationPolicy: the action-specific checks and the rule loop of Istio's
 * ValidateAuthorizationPolicy (pkg/config/validation/validation.go), and the CRD's CEL rule on sources.
 * rules-security.ts calls these after the selector, targetRef and dry-run checks.
 *
 * Invariants: pure; webhook errors carry the `invalid policy <name>.<namespace>: ` prefix handed in, the
 * CEL error none; a list written `[]` counts as unset and a `null` item as an empty object, as Istio's
 * JSON-to-proto decoding makes them.
 *
 * `trustDomains` / `notTrustDomains` (istio/api Source fields 13 and 14, newer than the bundled schema:
 * kinds.ts NEWER_FIELDS) get the CRD's type check (a list of strings) here, then CheckTrustDomainValues.
 *
 * Not modelled: the webhook's `cannot set serviceAccounts with namespaces or principals, found at rule %d`
 * (the CEL rule refuses the same sources first).
 */
import type { FieldPath } from './resource.ts';
import type { Findings } from './rules-common.ts';
import { present } from './rules-fields.ts';
import { attributeProblems, emptyValueProblem, ipBlockProblem, pathTemplateProblem, portValueProblem, serviceAccountProblem, trustDomainValuesProblem } from './rules-security-values.ts';
import type { ValueProblem } from './rules-security-values.ts';

type List = readonly string[] | null | undefined;
const SOURCE_FIELDS = ['principals', 'notPrincipals', 'requestPrincipals', 'notRequestPrincipals', 'namespaces', 'notNamespaces',
  'serviceAccounts', 'notServiceAccounts', 'ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks', 'trustDomains', 'notTrustDomains'] as const;
const OPERATION_FIELDS = ['ports', 'methods', 'paths', 'hosts', 'notPorts', 'notMethods', 'notPaths', 'notHosts'] as const;
type Source = { readonly [K in (typeof SOURCE_FIELDS)[number]]?: List };
type Operation = { readonly [K in (typeof OPERATION_FIELDS)[number]]?: List };
interface Condition { readonly key?: string; readonly values?: List; readonly notValues?: List }
interface Rule {
  readonly from?: readonly ({ readonly source?: Source | null } | null)[] | null;
  readonly to?: readonly ({ readonly operation?: Operation | null } | null)[] | null;
  readonly when?: readonly (Condition | null)[] | null;
}
export interface AuthorizationSpec {
  readonly action?: string;
  readonly provider?: { readonly name?: string } | null;
  readonly rules?: readonly (Rule | null)[] | null;
}
type Report = (path: FieldPath, message: string, hint: string) => void;

/** Fields without which a rule can match plain TCP traffic (the DENY warning; Istio leaves trustDomains out). */
const TCP_SOURCE_FIELDS = ['principals', 'notPrincipals', 'ipBlocks', 'notIpBlocks', 'namespaces', 'notNamespaces',
  'remoteIpBlocks', 'notRemoteIpBlocks', 'serviceAccounts', 'notServiceAccounts'] as const;
const CUSTOM_UNSUPPORTED = ['namespaces', 'notNamespaces', 'serviceAccounts', 'notServiceAccounts', 'trustDomains', 'notTrustDomains',
  'principals', 'notPrincipals', 'requestPrincipals', 'notRequestPrincipals'] as const;
const CUSTOM_UNSUPPORTED_KEYS = ['source.namespace', 'source.serviceAccount', 'source.trustDomain', 'source.principal'];
const VALUE_HINT = 'Remove the empty string from the list.';

function isSet(list: List): boolean {
  return (list ?? []).length > 0;
}

/** Istio's field name in messages: `ipBlocks` → `IpBlocks`. */
function title(field: string): string {
  return field.charAt(0).toUpperCase() + field.slice(1);
}

function at(path: FieldPath, field: string, problem: ValueProblem): FieldPath {
  return problem.index === null ? [...path, field] : [...path, field, problem.index];
}

/** The CRD's CEL rule on rules[].from[].source. */
export function checkSourceCel(f: Findings, spec: AuthorizationSpec): void {
  (spec.rules ?? []).forEach((rule, i) => (rule?.from ?? []).forEach((from, j) => {
    const source = from?.source;
    if (source === undefined || source === null) return;
    const accounts = present(source.serviceAccounts) ? 'serviceAccounts' : present(source.notServiceAccounts) ? 'notServiceAccounts' : null;
    if (accounts !== null && (present(source.principals) || present(source.notPrincipals) || present(source.namespaces) || present(source.notNamespaces))) {
      f.error(['spec', 'rules', i, 'from', j, 'source', accounts], 'Cannot set serviceAccounts with namespaces or principals',
        'Match callers by serviceAccounts alone, or by principals/namespaces, in separate from entries.');
    }
  }));
}

export function checkAuthorizationRules(f: Findings, spec: AuthorizationSpec, action: string, prefix: string): void {
  const report: Report = (path, message, hint) => f.error(path, `${prefix}${message}`, hint);
  const rules = spec.rules ?? [];
  if (action === 'CUSTOM') checkCustom(report, spec);
  // ValidateAuthorizationPolicy: a provider belongs to CUSTOM policies only.
  if (present(spec.provider) && action !== 'CUSTOM') {
    report(['spec', 'provider'], `\`provider\` must not be with non CUSTOM action, found ${action}`, 'Set action: CUSTOM to delegate to the provider, or remove provider.');
  }
  // ValidateAuthorizationPolicy: DENY with no rules matches nothing.
  if (action === 'DENY' && rules.length === 0) {
    report(['spec', 'action'], 'DENY action without `rules` is meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered for every request',
      'Add the rules to deny, or `rules: [{}]` to deny every request.');
  }
  rules.forEach((rule, i) => checkRule(f, report, rule ?? {}, i, action));
}

/** ValidateAuthorizationPolicy, action CUSTOM: rules, a provider, and only what ext_authz can see. */
function checkCustom(report: Report, spec: AuthorizationSpec): void {
  const rules = spec.rules ?? [];
  if (rules.length === 0) {
    report(['spec', 'action'], 'CUSTOM action without `rules` is meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered for every request',
      'Add the rules that send requests to the provider, or `rules: [{}]` for every request.');
  } else if ((spec.provider?.name ?? '') === '') {
    report(present(spec.provider) ? ['spec', 'provider', 'name'] : ['spec', 'action'], '`provider.name` must not be empty', 'Name an extensionProviders entry of the mesh config.');
  }
  rules.forEach((rule, i) => {
    (rule?.from ?? []).forEach((from, j) => {
      for (const field of CUSTOM_UNSUPPORTED) {
        if (isSet(from?.source?.[field])) {
          report(['spec', 'rules', i, 'from', j, 'source', field], `From.${title(field)} is currently not supported with CUSTOM action`,
            'CUSTOM rules can match ipBlocks, remoteIpBlocks and request attributes; check identities in an ALLOW or DENY policy.');
        }
      }
    });
    (rule?.when ?? []).forEach((condition, k) => {
      const key = condition?.key ?? '';
      if (CUSTOM_UNSUPPORTED_KEYS.includes(key) || key.startsWith('request.auth.')) {
        report(['spec', 'rules', i, 'when', k, 'key'], `${key} is currently not supported with CUSTOM action`, 'Check identities and JWT claims in an ALLOW or DENY policy.');
      }
    });
  });
}

function checkRule(f: Findings, report: Report, rule: Rule, i: number, action: string): void {
  const path = ['spec', 'rules', i];
  let fromExists = false;
  let tcpInFrom = false;
  (rule.from ?? []).forEach((from, j) => {
    const source = from?.source;
    if (source === undefined || source === null) {
      report([...path, 'from', j], `\`from.source\` must not be nil, found at rule ${i}`, 'Put the conditions under from[].source.');
      return;
    }
    fromExists = true;
    tcpInFrom ||= TCP_SOURCE_FIELDS.some((field) => isSet(source[field]));
    checkSource(report, source, i, [...path, 'from', j, 'source']);
  });
  let toExists = false;
  let tcpInTo = false;
  (rule.to ?? []).forEach((to, j) => {
    const operation = to?.operation;
    if (operation === undefined || operation === null) {
      report([...path, 'to', j], `\`to.operation\` must not be nil, found at rule ${i}`, 'Put the conditions under to[].operation.');
      return;
    }
    toExists = true;
    tcpInTo ||= isSet(operation.ports) || isSet(operation.notPorts);
    checkOperation(report, operation, i, [...path, 'to', j, 'operation']);
  });
  (rule.when ?? []).forEach((condition, k) => checkCondition(report, condition ?? {}, [...path, 'when', k]));
  if (action === 'DENY' && ((fromExists && !toExists && !tcpInFrom) || (toExists && !tcpInTo))) {
    // ValidateAuthorizationPolicy: on TCP ports HTTP-only conditions cannot be evaluated, so the rule denies everything.
    f.warning(path, 'configured AuthorizationPolicy will deny all traffic to TCP ports under its scope due to the use of only HTTP attributes in a DENY rule; it is recommended to explicitly specify the port',
      'Add to[].operation.ports with the HTTP ports the rule is meant for.');
  }
}

/** The CRD's type of the fields the bundled schema does not know yet: a list of strings. */
export function checkNewerSourceTypes(f: Findings, spec: AuthorizationSpec): boolean {
  let ok = true;
  (spec.rules ?? []).forEach((rule, i) => (rule?.from ?? []).forEach((from, j) => {
    for (const field of ['trustDomains', 'notTrustDomains'] as const) {
      const value: unknown = from?.source?.[field];
      if (value === undefined || value === null) continue;
      const path = ['spec', 'rules', i, 'from', j, 'source', field];
      if (!Array.isArray(value)) {
        f.error(path, `must be an array, not ${describe(value)}`, 'Write the trust domains as a list: [cluster.local].');
        ok = false;
        continue;
      }
      value.forEach((item: unknown, n) => {
        if (typeof item === 'string') return;
        f.error([...path, n], `must be a string, not ${describe(item)}`, 'Write each trust domain as a string.');
        ok = false;
      });
    }
  }));
  return ok;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return `the boolean ${value}`;
  return Array.isArray(value) ? 'a list' : value === null ? 'empty (null)' : 'a mapping';
}

function checkSource(report: Report, source: Source, i: number, path: FieldPath): void {
  if (SOURCE_FIELDS.every((field) => !isSet(source[field]))) {
    report(path, `\`from.source\` must not be empty, found at rule ${i}`, 'Add principals, namespaces, serviceAccounts, requestPrincipals or ipBlocks, or remove the from entry.');
  }
  for (const field of ['ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks'] as const) {
    (source[field] ?? []).forEach((value, n) => {
      const problem = ipBlockProblem(value);
      if (problem !== null) report([...path, field, n], problem, 'Write an IP address such as 10.0.0.1 or a CIDR range such as 10.0.0.0/16.');
    });
  }
  for (const field of SOURCE_FIELDS) {
    const values = source[field] ?? [];
    const accounts = field === 'serviceAccounts' || field === 'notServiceAccounts';
    const domains = field === 'trustDomains' || field === 'notTrustDomains';
    // ValidateAuthorizationPolicy: CheckServiceAccount, CheckTrustDomainValues, else CheckEmptyValues.
    const problem = accounts ? serviceAccountProblem(title(field), values) : domains ? trustDomainValuesProblem(title(field), values) : emptyValueProblem(title(field), values);
    const hint = accounts ? 'Write serviceAccount or namespace/serviceAccount, at most 16, no wildcards.'
      : domains ? 'Write a trust domain (no /), with at most one * at its start or end.' : VALUE_HINT;
    if (problem !== null) report(at(path, field, problem), problem.message, hint);
  }
}

function checkOperation(report: Report, operation: Operation, i: number, path: FieldPath): void {
  if (OPERATION_FIELDS.every((field) => !isSet(operation[field]))) {
    report(path, `\`to.operation\` must not be empty, found at rule ${i}`, 'Add hosts, ports, methods or paths, or remove the to entry.');
  }
  for (const field of ['ports', 'notPorts'] as const) {
    (operation[field] ?? []).forEach((value, n) => {
      const problem = portValueProblem(value);
      if (problem !== null) report([...path, field, n], problem, 'Write the port as a number from 0 to 65535, in quotes: "8080".');
    });
  }
  for (const field of OPERATION_FIELDS) {
    const problem = emptyValueProblem(title(field), operation[field] ?? []);
    if (problem !== null) report(at(path, field, problem), problem.message, VALUE_HINT);
  }
  for (const field of ['paths', 'notPaths'] as const) {
    const problem = pathTemplateProblem(title(field), operation[field] ?? []);
    if (problem !== null) report(at(path, field, problem), problem.message, 'Use {*} for one path segment and {**} for the rest of the path, each as a whole segment and {**} last.');
  }
}

const KEY_HINT = 'Use a supported key: request.headers[name], source.ip, remote.ip, source.namespace, source.principal, source.serviceAccount, ' +
  'request.auth.principal/audiences/presenter/claims[name], destination.ip, destination.port or connection.sni.';

function valueHint(key: string): string {
  if (key.endsWith('.ip')) return 'Write an IP address such as 10.0.0.1 or a CIDR range such as 10.0.0.0/16.';
  if (key === 'destination.port') return 'Write a port number from 0 to 65535.';
  if (key === 'source.serviceAccount') return 'Write serviceAccount or namespace/serviceAccount, without wildcards.';
  if (key === 'source.trustDomain') return 'Use at most one *, at the start or the end of the trust domain.';
  return 'Remove the empty string from the values.';
}

/** ValidateAuthorizationPolicy's `when` loop and security.ValidateAttribute. */
function checkCondition(report: Report, condition: Condition, path: FieldPath): void {
  const key = condition.key ?? '';
  if (key === '') {
    report([...path, 'key'], '`key` must not be empty', 'Name the attribute, such as request.headers[x-user] or source.ip.');
    return;
  }
  const values = condition.values ?? [];
  const notValues = condition.notValues ?? [];
  if (values.length === 0 && notValues.length === 0) {
    report(path, `at least one of \`values\` or \`notValues\` must be set for key ${key}`, 'List the values to match under values or notValues.');
    return;
  }
  const lists = [['values', 'value', values], ['notValues', 'notValue', notValues]] as const;
  for (const [field, noun, list] of lists) {
    for (const problem of attributeProblems(key, list)) {
      const where = problem.index === null ? [...path, 'key'] : [...path, field, problem.index];
      report(where, `invalid \`${noun}\` for \`key\` ${key}: ${problem.message}`, problem.index === null ? KEY_HINT : valueHint(key));
    }
  }
}
