/**
 * PeerAuthentication, AuthorizationPolicy and RequestAuthentication rules: Istio's webhook
 * (ValidatePeerAuthentication, ValidateAuthorizationPolicy, ValidateRequestAuthentication and
 * checkDryRunAnnotation in pkg/config/validation/validation.go; an AuthorizationPolicy's rules are in
 * rules-authorization-rules.ts, the value checks in rules-security-values.ts) and the CRDs' CEL rules, with their texts.
 *
 * Invariants: pure; every finding points at the field at fault. AuthorizationPolicy webhook errors carry
 * Istio's `invalid policy <name>.<namespace>: ` prefix; CEL errors come from the API server and carry none.
 * Where a CEL rule and a webhook rule catch the same mistake only the CEL text is reported, as the API
 * server refuses the object first. A list written `[]` counts as unset and a `null` list item as an empty
 * object, as Istio's JSON-to-proto decoding makes them.
 *
 * Fields newer than the bundled schema (kinds.ts NEWER_FIELDS: AuthorizationPolicy `trustDomains` /
 * `notTrustDomains`, RequestAuthentication `jwtRules[].presence`) get the CRD's type and enum checks here,
 * as the API server would, before Istio's own rules.
 *
 * Not modelled: `` `from` must not
 * be empty `` / `` `to` must not be empty `` / `` `rule` must not be nil `` / `when field cannot be nil`
 * (unreachable after that decoding); `targetRef name must be set` (the CRD requires the name first).
 */
import type { FieldPath, Resource } from './resource.ts';
import { DURATION_HINT, Findings, durationProblem } from './rules-common.ts';
import type { RuleFinding } from './rules-common.ts';
import { present } from './rules-fields.ts';
import { checkAuthorizationRules, checkNewerSourceTypes, checkSourceCel } from './rules-authorization-rules.ts';
import type { AuthorizationSpec } from './rules-authorization-rules.ts';
import { isGoBool, parseJwks, privateJwkIndexes } from './rules-security-values.ts';

interface TargetRef { group?: string; kind?: string; name?: string; namespace?: string }
interface PolicyTarget {
  selector?: { matchLabels?: Record<string, string> } | null;
  targetRef?: TargetRef | null;
  targetRefs?: TargetRef[] | null;
}
type Jwt = NonNullable<NonNullable<Resource<'RequestAuthentication'>['spec']>['jwtRules']>[number];

export function checkPeerAuthentication(r: Resource<'PeerAuthentication'>): RuleFinding[] {
  const f = new Findings();
  const spec = r.spec ?? {};
  checkSelector(f, spec.selector);
  const ports = spec.portLevelMtls;
  if (ports === undefined || ports === null) return f.list;
  const path = ['spec', 'portLevelMtls'];
  // CEL on spec (shadows the webhook's `mesh/namespace peer authentication cannot have port level mTLS`).
  if (Object.keys(spec.selector?.matchLabels ?? {}).length === 0) {
    f.error(path, 'portLevelMtls requires selector', 'Select the workloads with selector.matchLabels, or move the mode to mtls for the whole namespace.');
  }
  // ValidatePeerAuthentication: an empty map (the CRD's minProperties: 1 refuses it first).
  if (Object.keys(ports).length === 0) f.error(path, 'port level mTLS, if defined, must have at least one element', 'Add a port, or remove portLevelMtls.');
  for (const key of Object.keys(ports)) {
    // CEL on portLevelMtls keys (shadows the webhook's `port must be in range 1..65535`).
    if (!/^[+-]?\d+$/.test(key) || Number(key) < 1 || Number(key) > 65535) {
      f.error([...path, key], 'port must be between 1-65535', 'Key portLevelMtls by the workload\'s port number (the container port), 1 to 65535.');
    }
  }
  return f.list;
}

export function checkAuthorizationPolicy(r: Resource<'AuthorizationPolicy'>): RuleFinding[] {
  const f = new Findings();
  const spec = (r.spec ?? {}) as PolicyTarget & AuthorizationSpec;
  const prefix = `invalid policy ${r.name}.${r.namespace}: `;
  const action = spec.action ?? 'ALLOW';
  // The API server refuses a mistyped field before any webhook runs.
  if (!checkNewerSourceTypes(f, spec)) return f.list;
  checkPolicyTarget(f, spec, prefix);
  checkSourceCel(f, spec);
  // validateMetadata runs checkDryRunAnnotation before ValidateAuthorizationPolicy, and stops on its error.
  if (checkDryRun(f, r, action)) return f.list;
  checkAuthorizationRules(f, spec, action, prefix);
  return f.list;
}

/** checkDryRunAnnotation: only ALLOW and DENY policies dry-run, and the value is a Go bool. Ends validation when it fails. */
function checkDryRun(f: Findings, r: Resource<'AuthorizationPolicy'>, action: string): boolean {
  const value = r.annotations['istio.io/dry-run'];
  if (value === undefined) return false;
  const path = ['metadata', 'annotations', 'istio.io/dry-run'];
  const where = `${r.namespace}/${r.name}`;
  if (action !== 'ALLOW' && action !== 'DENY') {
    f.error(path, `the annotation istio.io/dry-run currently only supports action ALLOW/DENY, found action ${action} in ${where}`, 'Remove the annotation, or dry-run an ALLOW or DENY policy.');
    return true;
  }
  if (!isGoBool(value)) {
    f.error(path, `${where} has annotation istio.io/dry-run with invalid value (${value}): strconv.ParseBool: parsing ${JSON.stringify(value)}: invalid syntax`,
      'Set the annotation to "true" or "false".');
    return true;
  }
  return false;
}

export function checkRequestAuthentication(r: Resource<'RequestAuthentication'>): RuleFinding[] {
  const f = new Findings();
  const spec = r.spec ?? {};
  checkPolicyTarget(f, spec, '');
  (spec.jwtRules ?? []).forEach((rule, i) => checkJwtRuleCel(f, rule ?? {}, ['spec', 'jwtRules', i]));
  (spec.jwtRules ?? []).forEach((rule, i) => checkJwtRule(f, rule ?? {}, ['spec', 'jwtRules', i]));
  return f.list;
}

/** The JWTRule CRD's CEL rules. */
function checkJwtRuleCel(f: Findings, rule: Jwt, path: FieldPath): void {
  const sources = [rule.jwksUri, rule.jwks_uri, rule.jwks].filter(present).length;
  if (sources > 1) f.error(path, 'only one of jwks or jwksUri can be set', 'Keep either the inline jwks or the jwksUri to fetch it from.');
  for (const field of ['jwksUri', 'jwks_uri'] as const) {
    const uri = rule[field];
    const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(uri ?? '')?.[1]?.toLowerCase();
    if (present(uri) && scheme !== 'http' && scheme !== 'https') {
      f.error([...path, field], 'url must have scheme http:// or https://', 'Write the JWKS URL in full, such as https://issuer.example.com/.well-known/jwks.json.');
    }
  }
  // The CRD's enum on jwtRules[].presence (istiod does not read the field yet).
  const presence: unknown = (rule as { presence?: unknown }).presence;
  if (presence !== undefined && presence !== null && presence !== 'OPTIONAL' && presence !== 'REQUIRED') {
    f.error([...path, 'presence'], `Unsupported value: ${JSON.stringify(presence)}: supported values: "OPTIONAL", "REQUIRED"`,
      'Set presence to OPTIONAL or REQUIRED, or leave it out.');
  }
  const timeoutProblem = present(rule.timeout) ? durationProblem(rule.timeout) : null;
  if (timeoutProblem !== null) f.error([...path, 'timeout'], timeoutProblem, DURATION_HINT);
}

/** validateJwtRule and warnPrivateJwksKeys. */
function checkJwtRule(f: Findings, rule: Jwt, path: FieldPath): void {
  (rule.audiences ?? []).forEach((audience, j) => {
    if (audience === '') f.error([...path, 'audiences', j], 'audience must be non-empty string', 'Remove the empty audience, or write the audience the tokens carry.');
  });
  const uri = rule.jwksUri ?? rule.jwks_uri ?? '';
  if ((rule.issuer ?? '') === '' && uri === '') {
    f.error(path, 'issuer or jwksUri must be non-empty string', 'Set issuer to the tokens\' iss claim (and jwksUri or jwks for the keys).');
  }
  const jwks = rule.jwks ?? '';
  if (jwks !== '') {
    const parsed = parseJwks(jwks);
    if ('error' in parsed) f.error([...path, 'jwks'], `jwks parse error: ${parsed.error}`, 'Paste a JSON Web Key Set: {"keys": [{"kty": "RSA", ...}]}.');
    else {
      for (const index of privateJwkIndexes(parsed.keys)) {
        f.warning([...path, 'jwks'], `jwks key at index ${index} contains private key material; only public keys are used for verification`,
          'Publish only the public keys: drop the private parts ("d", and "oct" keys) from the inline jwks.');
      }
    }
  }
  (rule.fromHeaders ?? []).forEach((header, j) => {
    if ((header?.name ?? '') === '') f.error([...path, 'fromHeaders', j, 'name'], 'location header name must be non-empty string', 'Name the header that carries the token, such as Authorization.');
  });
  (rule.fromParams ?? []).forEach((param, j) => {
    if (param === '') f.error([...path, 'fromParams', j], 'location query must be non-empty string', 'Name the query parameter that carries the token.');
  });
  (rule.fromCookies ?? []).forEach((cookie, j) => {
    if (cookie === '') f.error([...path, 'fromCookies', j], 'cookie name must be non-empty string', 'Name the cookie that carries the token.');
  });
  (rule.outputClaimToHeaders ?? []).forEach((output, j) => {
    const at = [...path, 'outputClaimToHeaders', j];
    if ((output?.claim ?? '') === '' || (output?.header ?? '') === '') {
      f.error(at, 'outputClaimToHeaders header and claim value must be non-empty string', 'Set both the claim to copy and the header to copy it into.');
    } else if (!/^[-_A-Za-z0-9]+$/.test(output.header)) {
      f.error([...at, 'header'], `header name ${output.header} is not a valid header name`, 'Use letters, digits, - and _ in the header name.');
    }
  });
}

/** The selector/targetRef CEL rules and validatePolicyTargetReference(s), shared by AP and RA. */
function checkPolicyTarget(f: Findings, spec: PolicyTarget, prefix: string): void {
  const kinds = [present(spec.selector), present(spec.targetRef), present(spec.targetRefs)].filter(Boolean).length;
  if (kinds > 1) {
    // CEL on spec (shadows the webhook's `only one of targetRefs or workloadSelector can be set`).
    f.error(['spec', present(spec.targetRefs) ? 'targetRefs' : 'targetRef'], 'only one of targetRefs or selector can be set',
      'Attach the policy with selector (sidecars) or targetRefs (waypoints and gateways), not both.');
  }
  checkSelector(f, spec.selector);
  const refs: [TargetRef, FieldPath][] = [];
  if (present(spec.targetRef)) refs.push([spec.targetRef!, ['spec', 'targetRef']]);
  (spec.targetRefs ?? []).forEach((ref, i) => refs.push([ref ?? {}, ['spec', 'targetRefs', i]]));
  const allowed = '[core/v1/Service networking.istio.io/v1/ServiceEntry gateway.networking.k8s.io/v1/Gateway gateway.networking.k8s.io/v1/GatewayClass]';
  for (const [ref, path] of refs) {
    // CEL on targetRef.namespace.
    if ((ref.namespace ?? '') !== '') f.error([...path, 'namespace'], 'cross namespace referencing is not currently supported', 'Remove namespace: a policy targets resources in its own namespace.');
    const group = ref.group ?? '';
    const key = `${group === '' ? 'core' : group}/${ref.kind ?? ''}`;
    // validatePolicyTargetReference: the kinds a policy can attach to.
    if (!['core/Service', 'networking.istio.io/ServiceEntry', 'gateway.networking.k8s.io/Gateway', 'gateway.networking.k8s.io/GatewayClass'].includes(key)) {
      f.error([...path, 'kind'], `${prefix}targetRef must be to one of ${allowed} but was ${group}/${ref.kind ?? ''}`,
        'Target a Service (group ""), a ServiceEntry (networking.istio.io), or a Gateway or GatewayClass (gateway.networking.k8s.io).');
    }
  }
}

/** The security CRDs' CEL rules on selector.matchLabels, and validateWorkloadSelector's warning. */
function checkSelector(f: Findings, selector: { matchLabels?: Record<string, string> } | null | undefined): void {
  if (selector === undefined || selector === null) return;
  const path = ['spec', 'selector'];
  const labels = Object.entries(selector.matchLabels ?? {});
  if (labels.length === 0) {
    f.warning(path, 'workload selector specified without labels', 'Add matchLabels, or remove the selector to apply the policy to the whole namespace.');
    return;
  }
  for (const [key, value] of labels) {
    const at = [...path, 'matchLabels', key];
    if (key.includes('*')) f.error(at, 'wildcard not allowed in label key match', 'Selectors match exact label keys.');
    if (key === '') f.error(at, 'key must not be empty', 'Give every selector label a key.');
    if (String(value).includes('*')) f.error(at, 'wildcard not allowed in label value match', 'Selectors match exact label values; list the workloads\' real labels.');
  }
}
