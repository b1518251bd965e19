/**
 * The jwt_authn filter of an inbound sidecar (RequestAuthentication): find tokens where the providers
 * look, verify them, and either let the request on — with or without a request principal — or answer
 * 401 (403 for a wrong audience) itself. The signature check is handed in (`JwtVerifier`) from the
 * edge, so the simulator stays pure; time is the caller's `nowSeconds`.
 *
 * Rules followed (Istio policy_applier.go convertToEnvoyJwtConfig; Envoy jwt_authn verifier.cc,
 * authenticator.cc, filter.cc):
 * - The requirement Istio writes: one provider P gives any{P, allow_missing(P)}; several give
 *   any{P1 … Pn, all{any{P1, allow_missing(P1)} …}}. `any` stops at the first success and otherwise
 *   ends with its last child's status; `all` stops at the first failure.
 * - A provider requirement needs a token in its locations and every such token valid for it; tokens
 *   are checked last-extracted first. allow_missing(P) passes when P's locations hold no token, else
 *   it checks every token and ends with the status of the last one checked (the first extracted).
 * - One token for one provider: parse, issuer (`iss` equals the provider's, '' accepts all), time
 *   window, audiences, then the verifier (the keys). Texts are jwt_verify_lib's statuses.
 * - A verified token: its payload goes to `outputPayloadToHeader` (base64url as sent), its claims to
 *   `outputClaimToHeaders` (strings as is, numbers as integers or `%f`, booleans; others skipped),
 *   and unless `forwardOriginalToken` the token leaves the request (jwt-extract.ts removeToken).
 *   The last token verified is the request's identity (Envoy's metadata `payload`): principal
 *   `iss/sub`, claims with space-delimited ones split, audiences, presenter (`azp`).
 * - A CORS preflight (OPTIONS with non-empty Origin and Access-Control-Request-Method) bypasses the
 *   filter (BypassCorsPreflight).
 * - A failure is a local reply: 403 for `Audiences in Jwt are not allowed`, else 401, with the status
 *   text as body and `www-authenticate: Bearer realm="<scheme>://<host><path>", error="invalid_token"`.
 *
 * Invariants: pure; the request handed in is never mutated; without providers the request passes
 * unchanged with no summary.
 *
 * Not modelled: JWKS fetching and caching (the verifier's business), findByIssuer for allow_missing
 * (the provider itself is used), per-route requirements, `failed_status_in_metadata`, Envoy's
 * x-envoy-original-path in the realm.
 */
import type { JwtProvider } from '../xds/security.ts';
import { describeLocation, extractTokens, removeToken, sanitizeOutputHeaders, tokenLocations } from './jwt-extract.ts';
import type { ExtractedToken } from './jwt-extract.ts';
import { JWT_STATUS, audiencesAllowed, parseJwt, timeProblem } from './jwt-token.ts';
import type { HttpRequest } from './request.ts';

/** The signature check, done at the edge (keys, crypto). Failures carry Envoy's status text as `reason`. */
export type JwtVerifier = (token: string, provider: JwtProvider) =>
  | { readonly valid: true; readonly claims: Readonly<Record<string, unknown>> }
  | { readonly valid: false; readonly reason: string; readonly detail?: string };

export interface JwtAuthnOptions {
  /** The clock for `exp` and `nbf`, in seconds since the Unix epoch. */
  readonly nowSeconds: number;
}

export interface JwtIdentity {
  /** `iss/sub`. */
  readonly principal: string;
  /** The payload, space-delimited claims split into lists (Envoy's normalized metadata). */
  readonly claims: Readonly<Record<string, unknown>>;
  readonly audiences: readonly string[];
  readonly presenter: string | null;
  /** `ns/name` of the RequestAuthentication whose rule verified the token. */
  readonly provider: string;
}

export interface JwtSummary {
  readonly outcome: 'authenticated' | 'no-token' | 'bypassed' | 'rejected';
  readonly principal: string | null;
  readonly provider: string | null;
  readonly reason: string;
}

export type JwtAuthnResult =
  | { readonly ok: true; readonly request: HttpRequest; readonly identity: JwtIdentity | null; readonly summary: JwtSummary | null }
  | { readonly ok: false; readonly status: 401 | 403; readonly body: string; readonly responseHeaders: Readonly<Record<string, string>>; readonly summary: JwtSummary };

interface Failure { readonly status: string; readonly detail: string }
interface Run {
  request: HttpRequest;
  identity: JwtIdentity | null;
  verified: string | null;
  readonly verifier: JwtVerifier | null;
  readonly nowSeconds: number;
}
type Requirement = () => Failure | null;

const REALM_PATH_MAX = 256;

export function authenticateJwt(providers: readonly JwtProvider[], request: HttpRequest, verifier: JwtVerifier | null, options: JwtAuthnOptions): JwtAuthnResult {
  if (providers.length === 0) return { ok: true, request, identity: null, summary: null };
  if (isCorsPreflight(request)) {
    return { ok: true, request, identity: null, summary: { outcome: 'bypassed', principal: null, provider: null,
      reason: 'A CORS preflight (OPTIONS with Origin and Access-Control-Request-Method) bypasses the JWT filter.' } };
  }
  const run: Run = { request, identity: null, verified: null, verifier, nowSeconds: options.nowSeconds };
  const failure = anyOf(requirementTree(providers, run));
  if (failure !== null) return rejection(request, failure);
  const identity = run.identity;
  if (identity === null) {
    const where = [...new Set(providers.flatMap((p) => tokenLocations(p).map(describeLocation)))].join(', ');
    return { ok: true, request: run.request, identity: null, summary: { outcome: 'no-token', principal: null, provider: null,
      reason: `No token at ${where}: the request goes on without a request principal (a RequestAuthentication alone never requires a token).` } };
  }
  return { ok: true, request: run.request, identity, summary: { outcome: 'authenticated', principal: identity.principal, provider: identity.provider, reason: run.verified! } };
}

function requirementTree(providers: readonly JwtProvider[], run: Run): Requirement[] {
  const strict = (p: JwtProvider): Requirement => () => requireProvider(p, run);
  const optional = (p: JwtProvider): Requirement => () => anyOf([strict(p), () => allowMissing(p, run)]);
  if (providers.length === 1) return [strict(providers[0]!), () => allowMissing(providers[0]!, run)];
  return [...providers.map(strict), () => allOf(providers.map(optional))];
}

function anyOf(children: readonly Requirement[]): Failure | null {
  let last: Failure | null = null;
  for (const child of children) {
    last = child();
    if (last === null) return null;
  }
  return last;
}

function allOf(children: readonly Requirement[]): Failure | null {
  for (const child of children) {
    const failure = child();
    if (failure !== null) return failure;
  }
  return null;
}

function tokensFor(provider: JwtProvider, run: Run): ExtractedToken[] {
  run.request = sanitizeOutputHeaders(run.request, provider);
  return extractTokens(provider, run.request);
}

/** A provider requirement: a token must be there, and every token must verify. */
function requireProvider(provider: JwtProvider, run: Run): Failure | null {
  const tokens = tokensFor(provider, run);
  if (tokens.length === 0) {
    return { status: JWT_STATUS.missing, detail: `no token at ${tokenLocations(provider).map(describeLocation).join(', ')} for ${describeProvider(provider)}` };
  }
  for (let i = tokens.length - 1; i >= 0; i -= 1) {
    const failure = verifyToken(tokens[i]!, provider, run);
    if (failure !== null) return failure;
  }
  return null;
}

/** allow_missing: no token passes; otherwise the status of the last token checked decides. */
function allowMissing(provider: JwtProvider, run: Run): Failure | null {
  const tokens = tokensFor(provider, run);
  let last: Failure | null = null;
  for (let i = tokens.length - 1; i >= 0; i -= 1) last = verifyToken(tokens[i]!, provider, run);
  return last;
}

function verifyToken(extracted: ExtractedToken, provider: JwtProvider, run: Run): Failure | null {
  const at = `the token in ${describeLocation(extracted.location)}`;
  const fail = (status: string, why: string): Failure => ({ status, detail: `${at} ${why}, checked against ${describeProvider(provider)}` });
  const jwt = parseJwt(extracted.token);
  if ('error' in jwt) return fail(jwt.error, 'cannot be parsed');
  if (provider.issuer !== '' && jwt.iss !== provider.issuer) return fail(JWT_STATUS.unknownIssuer, `has issuer ${JSON.stringify(jwt.iss)}`);
  const time = timeProblem(jwt, run.nowSeconds);
  if (time !== null) return fail(time, `is valid from nbf ${jwt.nbf} to exp ${jwt.exp}, and now is ${run.nowSeconds} (60 s skew allowed)`);
  if (!audiencesAllowed(provider.audiences, jwt.audiences)) {
    return fail(JWT_STATUS.audienceNotAllowed, `has audiences [${jwt.audiences.join(', ')}], not one of [${provider.audiences.join(', ')}]`);
  }
  if (run.verifier === null) return fail(JWT_STATUS.verificationFails, 'was not checked: no JWT verifier (keys) was handed to the simulator');
  const verdict = run.verifier(extracted.token, provider);
  if (!verdict.valid) return fail(verdict.reason, `failed its signature check${verdict.detail === undefined ? '' : ` (${verdict.detail})`}`);
  applyOutputs(run, provider, extracted, jwt.payloadBase64Url, verdict.claims);
  const identity = identityOf(verdict.claims, provider);
  run.identity = identity;
  run.verified = `${at} is a valid token of ${identity.principal}, verified by ${describeProvider(provider)}`
    + `${provider.forwardOriginalToken ? '; forwardOriginalToken keeps it in the request' : '; the filter removes it before the app'}.`;
  return null;
}

function applyOutputs(run: Run, provider: JwtProvider, extracted: ExtractedToken, payloadBase64Url: string, claims: Readonly<Record<string, unknown>>): void {
  const headers: Record<string, string> = { ...run.request.headers };
  const add = (name: string, value: string): void => {
    headers[name] = Object.hasOwn(headers, name) ? `${headers[name]},${value}` : value;
  };
  if (provider.outputPayloadToHeader !== null) add(provider.outputPayloadToHeader, payloadBase64Url);
  for (const { header, claim } of provider.outputClaimToHeaders) {
    const value = claimHeaderValue(claimAt(claims, claim.split('.')));
    if (value !== null && value !== '') add(header, value);
  }
  const withOutputs: HttpRequest = { ...run.request, headers };
  run.request = provider.forwardOriginalToken ? withOutputs : removeToken(withOutputs, extracted.location);
}

function claimAt(claims: unknown, path: readonly string[]): unknown {
  let value = claims;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** AuthenticatorImpl::addJWTClaimToHeader: strings, numbers (integer or std::to_string's %f) and booleans. */
function claimHeaderValue(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 && value < 2 ** 64 ? value.toFixed(0) : value.toFixed(6);
  return null;
}

function identityOf(claims: Readonly<Record<string, unknown>>, provider: JwtProvider): JwtIdentity {
  const normalized: Record<string, unknown> = { ...claims };
  for (const name of provider.spaceDelimitedClaims) {
    const value = normalized[name];
    if (typeof value === 'string') normalized[name] = value.split(' ').filter((part) => part !== '');
  }
  const text = (name: string): string => (typeof claims[name] === 'string' ? claims[name] as string : '');
  const aud = claims['aud'];
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [];
  return {
    principal: `${text('iss')}/${text('sub')}`,
    claims: normalized,
    audiences,
    presenter: typeof claims['azp'] === 'string' ? claims['azp'] : null,
    provider: provider.source,
  };
}

function isCorsPreflight(request: HttpRequest): boolean {
  return request.method === 'OPTIONS' && (request.headers['origin'] ?? '') !== '' && (request.headers['access-control-request-method'] ?? '') !== '';
}

function rejection(request: HttpRequest, failure: Failure): JwtAuthnResult {
  const status = failure.status === JWT_STATUS.audienceNotAllowed ? 403 : 401;
  const realm = `${request.scheme}://${request.authority}${request.path.slice(0, REALM_PATH_MAX)}`;
  const challenge = `Bearer realm="${realm}"${failure.status === JWT_STATUS.missing ? '' : ', error="invalid_token"'}`;
  return {
    ok: false, status, body: failure.status, responseHeaders: { 'www-authenticate': challenge },
    summary: { outcome: 'rejected', principal: null, provider: null, reason: `${failure.status}: ${failure.detail}. The JWT filter answers ${status}.` },
  };
}

function describeProvider(provider: JwtProvider): string {
  return `RequestAuthentication ${provider.source} (issuer ${JSON.stringify(provider.issuer)})`;
}

