/**
 * Envoy's header manipulation (`HeaderParser::evaluateHeaders`) for one level of
 * `request_headers_to_add/remove` or `response_headers_to_add/remove`, and the order of levels.
 *
 * Rules followed:
 * - Within one level: removals first ("remove-before-add is the default behaviour"), then `set`
 *   (OVERWRITE_IF_EXISTS_OR_ADD), then `add` (APPEND_IF_EXISTS_OR_ADD), the order Istio emits them in
 *   (TranslateHeadersOperations: set entries, then add entries).
 * - `add` to a header that exists appends the value as another value; the sim holds one string per
 *   header, so values are joined with `, ` (ADD_SEPARATOR). Envoy's header matchers would see the
 *   values joined with `,` (getAllOfHeaderAsString).
 * - An empty value is skipped (HeaderValueOption.keep_empty_value defaults to false).
 * - Header names are lower-cased (Envoy LowerCaseString).
 * - Level order: weighted cluster, then route (then virtual host and route configuration, which the
 *   contract does not carry). A later level overrides an earlier `set`:
 *   most_specific_header_mutations_wins is false by default and Istio does not set it.
 *
 * Invariants: pure; the input record is never mutated.
 *
 * Not modelled: header value formatters (`%DOWNSTREAM_REMOTE_ADDRESS%`), ADD_IF_ABSENT and
 * OVERWRITE_IF_EXISTS actions, virtual-host and route-configuration levels, Envoy's refusal to touch
 * pseudo-headers and `host` through these lists.
 */
import type { HeaderOperations } from '../xds/route.ts';
import { asciiLowerCase } from './request.ts';

export const ADD_SEPARATOR = ', ';

export function applyHeaderOperations(
  headers: Readonly<Record<string, string>>, operations: HeaderOperations | undefined,
): Record<string, string> {
  const result: Record<string, string> = { ...headers };
  if (operations === undefined) return result;
  for (const name of operations.remove) delete result[asciiLowerCase(name)];
  for (const [rawName, value] of Object.entries(operations.set)) {
    if (value !== '') result[asciiLowerCase(rawName)] = value;
  }
  for (const [rawName, value] of Object.entries(operations.add)) {
    if (value === '') continue;
    const name = asciiLowerCase(rawName);
    const existing = Object.hasOwn(result, name) ? result[name] : undefined;
    result[name] = existing === undefined ? value : `${existing}${ADD_SEPARATOR}${value}`;
  }
  return result;
}

/** Levels applied in Envoy's default order: most specific first, so later (less specific) levels win. */
export function applyHeaderLevels(
  headers: Readonly<Record<string, string>>, levels: readonly (HeaderOperations | undefined)[],
): Record<string, string> {
  let result: Record<string, string> = { ...headers };
  for (const level of levels) result = applyHeaderOperations(result, level);
  return result;
}
