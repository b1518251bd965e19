/**
 * The downstream remote address Envoy's HTTP connection manager settles on, and the X-Forwarded-For it
 * sends on (Envoy docs config_http_conn_man_headers "x-forwarded-for"; Istio's
 * https://istio.io/latest/docs/ops/configuration/traffic-management/network-topologies/). The RBAC
 * filter's `remote.ip` / `remoteIpBlocks` read this address; `source.ip` / `ipBlocks` keep the peer's.
 *
 * Rules followed:
 * - `use_remote_address: true` (Istio gateways, gateway.go) with `xff_num_trusted_hops` N > 0: the Nth
 *   address from the right of the X-Forwarded-For the request arrived with; with N = 0, or fewer than N
 *   addresses, or one that is not an IP, the peer's address. The gateway then appends the peer's address
 *   to X-Forwarded-For (or sets it) before its filters and the router see the request.
 * - `use_remote_address: false` (a sidecar's inbound, listener_inbound.go): the rightmost address of
 *   X-Forwarded-For when there is one and it is an IP (xff_num_trusted_hops 0), else the peer's;
 *   nothing is appended.
 *
 * Invariants: pure; header names are lower case (request.ts).
 *
 * Not modelled: PROXY protocol, `skip_xff_append`, internal-address checks (`x-envoy-internal`),
 * other headers Envoy sets (x-forwarded-proto, x-envoy-external-address, x-request-id).
 */
import { parseIp } from './match/cidr.ts';
import type { Call } from './request.ts';

const XFF = 'x-forwarded-for';

/** The address `skip` places from the right of X-Forwarded-For (Envoy getLastAddressFromXFF), or null. */
function fromRight(xff: string, skip: number): string | null {
  const entries = xff.split(',');
  const entry = entries[entries.length - 1 - skip];
  if (entry === undefined) return null;
  const address = entry.trim();
  return parseIp(address) === null ? null : address;
}

/**
 * The remote address for the request `call` carries: `trustedHops` null is a sidecar's inbound
 * (use_remote_address false), a number a gateway's xff_num_trusted_hops.
 */
export function remoteAddress(call: Call, trustedHops: number | null): string {
  const peer = call.sourceIp ?? '0.0.0.0';
  const xff = call.request?.headers[XFF];
  if (xff === undefined) return peer;
  if (trustedHops === null) return fromRight(xff, 0) ?? peer;
  return trustedHops > 0 ? fromRight(xff, trustedHops - 1) ?? peer : peer;
}

/** A gateway (use_remote_address) appends the peer's address to X-Forwarded-For. */
export function appendForwardedFor(call: Call): Call {
  const request = call.request;
  if (request === undefined) return call;
  const peer = call.sourceIp ?? '0.0.0.0';
  const xff = request.headers[XFF];
  return { ...call, request: { ...request, headers: { ...request.headers, [XFF]: xff === undefined ? peer : `${xff}, ${peer}` } } };
}
