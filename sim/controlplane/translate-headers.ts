/**
 * VirtualService header operations → xds HeaderOperations (Istio:
 * pilot/pkg/networking/core/route/route.go TranslateHeadersOperations, translateAppendHeaders,
 * isInternalHeader, isAuthorityHeader, dropInternal; processDestination for how a single destination's
 * operations join the route's).
 *
 * Invariants: pure; keys come out in code-unit order; pseudo-headers and Host never appear in the
 * operations: an `:authority` or `Host` in `set` (else `add`) is returned as the authority, which the
 * caller turns into a host rewrite.
 *
 * Not modelled: Envoy's per-entry append actions beyond set/add (the xds contract has only these two);
 * when both levels `add` one header Envoy sends two values, written here as one comma-joined value.
 */
import { compareStrings } from '../core/compare.ts';
import type { HeaderOperations } from '../xds/route.ts';
import type { HeaderOperationSpec, HeadersSpec } from './delegate.ts';

export const EMPTY_OPERATIONS: HeaderOperations = Object.freeze({ set: Object.freeze({}), add: Object.freeze({}), remove: Object.freeze([]) });

export interface TranslatedHeaders {
  readonly request: HeaderOperations;
  readonly response: HeaderOperations;
  /** The `:authority` / `Host` a request `set` (else `add`) names: a host rewrite, not a header. */
  readonly authority: string;
}

/** route.go TranslateHeadersOperations. */
export function translateHeadersOperations(spec: HeadersSpec | undefined): TranslatedHeaders {
  const request = translateOperation(spec?.request);
  const response = translateOperation(spec?.response);
  // TranslateHeadersOperations: an authority in `set` beats one in `add`.
  return { request: request.operations, response: response.operations, authority: request.setAuthority !== '' ? request.setAuthority : request.addAuthority };
}

function translateOperation(spec: HeaderOperationSpec | undefined): { operations: HeaderOperations; setAuthority: string; addAuthority: string } {
  const set = translateAppendHeaders(spec?.set);
  const add = translateAppendHeaders(spec?.add);
  // dropInternal: pseudo-headers and Host cannot be removed.
  const remove = (spec?.remove ?? []).filter((k) => !isInternalHeader(k));
  return { operations: { set: set.headers, add: add.headers, remove }, setAuthority: set.authority, addAuthority: add.authority };
}

/** translateAppendHeaders: internal headers are dropped, and `:authority`/`host` is remembered. */
function translateAppendHeaders(map: Readonly<Record<string, string>> | undefined): { headers: Record<string, string>; authority: string } {
  const headers: Record<string, string> = {};
  let authority = '';
  for (const key of Object.keys(map ?? {}).sort(compareStrings)) {
    const value = map?.[key] ?? '';
    const lower = key.toLowerCase();
    if (lower === ':authority' || lower === 'host') authority = value;
    if (!isInternalHeader(key)) headers[key] = value;
  }
  return { headers, authority };
}

/** isInternalHeader: `:`-prefixed pseudo-headers and Host (any case). */
function isInternalHeader(key: string): boolean {
  return key.startsWith(':') || key.toLowerCase() === 'host';
}

/**
 * processDestination appends a single destination's operations after the route's, and Envoy applies
 * them in order: a later `set` replaces earlier values (so it also cancels an earlier `add` of that
 * header); two `add`s of one header send both values, written here as one comma-joined value.
 */
export function mergeOperations(route: HeaderOperations, destination: HeaderOperations): HeaderOperations {
  if (isEmpty(destination)) return route;
  const add: Record<string, string> = {};
  for (const [key, value] of Object.entries(route.add)) if (!Object.hasOwn(destination.set, key)) add[key] = value;
  for (const [key, value] of Object.entries(destination.add)) add[key] = Object.hasOwn(add, key) ? `${add[key]},${value}` : value;
  return { set: { ...route.set, ...destination.set }, add, remove: [...route.remove, ...destination.remove] };
}

export function isEmpty(ops: HeaderOperations): boolean {
  return Object.keys(ops.set).length === 0 && Object.keys(ops.add).length === 0 && ops.remove.length === 0;
}
