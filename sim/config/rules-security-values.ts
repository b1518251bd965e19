/**
 * Value checks of Istio's security policies (pkg/config/security/security.go: ValidateIPs, ValidatePorts,
 * CheckServiceAccount, CheckWildcardValues, CheckTrustDomainValues, CheckValidPathTemplate, ValidateAttribute) and the inline-JWKS
 * checks of ValidateRequestAuthentication, as pure functions returning Istio's texts.
 *
 * Invariants: pure; a problem names the index of the value at fault where there is one (`index: null`
 * means the list or the key as a whole).
 *
 * Not modelled: Go's detail for malformed addresses inside `bad CIDR range (...)` (always `unable to
 * parse IP`); the lestrrat-go/jwx error text after `jwks parse error:` (meshsim's own words), and jwx's
 * per-key-type field checks (only `kty` is checked); Istio wraps several bad IPs or ports of one `when`
 * condition in one multi-line error, meshsim reports one finding per value.
 */
import { isIp } from './rules-common.ts';
import { goPrefixProblem } from './rules-fields.ts';

export interface ValueProblem {
  readonly index: number | null;
  readonly message: string;
}

/** ValidateIPs, for one entry: a CIDR range when it has a `/`, else an IP address. */
export function ipBlockProblem(value: string): string | null {
  if (value.includes('/')) {
    const problem = goPrefixProblem(value);
    return problem === null ? null : `bad CIDR range (${value}): ${problem}`;
  }
  return isIp(value) ? null : `bad IP address (${value})`;
}

/** ValidatePorts, for one entry: strconv.ParseUint(port, 10, 32), then at most 65535. */
export function portValueProblem(value: string): string | null {
  const quoted = JSON.stringify(value);
  if (!/^\d+$/.test(value)) return `bad port (${value}): strconv.ParseUint: parsing ${quoted}: invalid syntax`;
  if (Number(value) > 4294967295) return `bad port (${value}): strconv.ParseUint: parsing ${quoted}: value out of range`;
  return Number(value) > 65535 ? `bad port (${value}): <nil>` : null;
}

/** CheckEmptyValues: the first empty value. */
export function emptyValueProblem(key: string, values: readonly string[]): ValueProblem | null {
  const index = values.indexOf('');
  return index < 0 ? null : { index, message: `empty value not allowed, found in ${key}` };
}

/** CheckServiceAccount: `name` or `namespace/name`, no wildcards, at most 16 values; the first problem. */
export function serviceAccountProblem(key: string, values: readonly string[]): ValueProblem | null {
  if (values.length > 16) return { index: null, message: 'may not have more than 16 values' };
  const expected = "expected format 'serviceAccount' or 'namespace/serviceAccount', found";
  for (const [index, value] of values.entries()) {
    const quoted = JSON.stringify(value);
    const slashes = value.split('/').length - 1;
    let message: string | null = null;
    if (value === '') message = `empty value not allowed, found in ${key}`;
    else if (value.includes('*')) message = `wildcard not allowed, found in ${key}`;
    else if (slashes > 1) message = `${expected} ${quoted} in ${key}`;
    else if (value.length > 320) message = `value cannot exceed 320 characters, found ${quoted} in ${key}`;
    else if (value.startsWith('/')) message = `${expected} empty namespace ${quoted} in ${key}`;
    else if (value.endsWith('/')) message = `${expected} empty serviceAccount ${quoted} in ${key}`;
    if (message !== null) return { index, message };
  }
  return null;
}

/** CheckWildcardValues: one `*` at most, and only at the start or the end. */
export function wildcardValuesProblem(key: string, values: readonly string[]): ValueProblem | null {
  const empty = emptyValueProblem(key, values);
  if (empty !== null) return empty;
  for (const [index, value] of values.entries()) {
    const stars = value.split('*').length - 1;
    if (stars > 1) return { index, message: `at most one wildcard is allowed, found in ${key}: ${JSON.stringify(value)}` };
    if (stars === 1 && value !== '*' && !value.startsWith('*') && !value.endsWith('*')) {
      return { index, message: `wildcard is only allowed at the start or end, found in ${key}: ${JSON.stringify(value)}` };
    }
  }
  return null;
}

/** CheckTrustDomainValues: CheckWildcardValues, then no `/` in a trust domain. */
export function trustDomainValuesProblem(key: string, values: readonly string[]): ValueProblem | null {
  const wildcard = wildcardValuesProblem(key, values);
  if (wildcard !== null) return wildcard;
  const index = values.findIndex((value) => value.includes('/'));
  return index < 0 ? null : { index, message: `trust domain must not contain '/', found in ${key}: ${JSON.stringify(values[index])}` };
}

/** CheckValidPathTemplate: `{*}` and `{**}` as whole segments, nothing after `{**}`; the first problem. */
export function pathTemplateProblem(key: string, paths: readonly string[]): ValueProblem | null {
  for (const [index, raw] of paths.entries()) {
    const templated = raw.includes('{*}') || raw.includes('{**}');
    const path = raw.replace(/^\/+|\/+$/g, '');
    const invalid = `invalid or unsupported path ${path}, found in ${key}.`;
    let matchAnySeen = false;
    for (const segment of path.split('/')) {
      const template = segment === '{*}' || segment === '{**}';
      if (template && matchAnySeen) return { index, message: `${invalid} {**} is not the last operator` };
      if (template) {
        matchAnySeen = segment === '{**}';
        continue;
      }
      if (/[{}]/.test(segment)) return { index, message: `${invalid} Contains '{' or '}' beyond a supported path template` };
      if (templated && !/^[a-zA-Z0-9\-._~%!$&'()+,;:@=]+$/.test(segment)) {
        return { index, message: `${invalid} Contains segment ${segment} with invalid string literal` };
      }
    }
  }
  return null;
}

const PLAIN_KEYS: ReadonlySet<string> = new Set([
  'source.namespace', 'source.principal', 'request.auth.principal', 'request.auth.audiences', 'request.auth.presenter', 'connection.sni',
]);

/** validateMapKey: `a[b]` with both parts non-empty. */
function mapKeyProblem(key: string): ValueProblem[] {
  const open = key.indexOf('[');
  return key.endsWith(']') && open > 0 && open < key.length - 2 ? [] : [{ index: null, message: `bad key (${key}): should have format a[b]` }];
}

function listProblems(values: readonly string[], check: (value: string) => string | null): ValueProblem[] {
  const out: ValueProblem[] = [];
  values.forEach((value, index) => {
    const message = check(value);
    if (message !== null) out.push({ index, message });
  });
  return out;
}

/** ValidateAttribute: the `when` keys Istio knows, with the checks each applies to its values. */
export function attributeProblems(key: string, values: readonly string[]): ValueProblem[] {
  const empty = emptyValueProblem(key, values);
  if (empty !== null) return [empty];
  const single = (problem: ValueProblem | null): ValueProblem[] => (problem === null ? [] : [problem]);
  if (key.startsWith('request.headers')) return mapKeyProblem(key);
  if (PLAIN_KEYS.has(key)) return [];
  switch (key) {
    case 'source.ip': case 'remote.ip': case 'destination.ip': return listProblems(values, ipBlockProblem);
    case 'source.serviceAccount': return single(serviceAccountProblem(key, values));
    case 'source.trustDomain': return single(wildcardValuesProblem(key, values));
    case 'destination.port': return listProblems(values, portValueProblem);
    case 'destination.namespace': return [{ index: null, message: `attribute ${key} is replaced by the metadata.namespace` }];
    case 'destination.name': case 'destination.user': return [{ index: null, message: `deprecated attribute ${key}: only supported in v1alpha1` }];
    default: break;
  }
  if (key.startsWith('request.auth.claims') || key.startsWith('experimental.envoy.filters.')) return mapKeyProblem(key);
  if (key.startsWith('destination.labels')) return [{ index: null, message: `attribute ${key} is replaced by the workload selector` }];
  return [{ index: null, message: `unknown attribute: ${key}` }];
}

/** strconv.ParseBool's accepted spellings. */
export function isGoBool(text: string): boolean {
  return ['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text);
}

type JwkObject = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is JwkObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** jwk.Parse: a JWK Set (`{"keys": [...]}`) or a single JWK; returns its keys, or why it does not parse. */
export function parseJwks(text: string): { keys: JwkObject[] } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: 'the value is not JSON' };
  }
  if (!isObject(value)) return { error: 'expected a JSON object (a JWK Set or a single JWK)' };
  const keys = 'keys' in value ? value['keys'] : [value];
  if (!Array.isArray(keys)) return { error: 'failed to unmarshal JWK set: "keys" must be an array' };
  for (const [index, key] of keys.entries()) {
    const kty = isObject(key) ? key['kty'] : undefined;
    if (typeof kty !== 'string' || !['RSA', 'EC', 'OKP', 'oct'].includes(kty)) {
      return { error: `key ${index}: invalid key type from JSON (${typeof kty === 'string' ? kty : ''})` };
    }
  }
  return { keys: keys as JwkObject[] };
}

/** warnPrivateJwksKeys: the indexes of private (`d`) or symmetric (`oct`) keys. */
export function privateJwkIndexes(keys: readonly JwkObject[]): number[] {
  const out: number[] = [];
  keys.forEach((key, index) => {
    if (key['kty'] === 'oct' || 'd' in key) out.push(index);
  });
  return out;
}
