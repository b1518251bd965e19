/**
 * The data-plane engine's surface for the rest of sim/ (world, faults): explicit re-exports only.
 *
 * Invariants: this file only re-exports; sim/proxy imports nothing outside sim/core and sim/xds.
 *
 * Not modelled: nothing here; see each file's own list.
 */
export { handleCall } from './engine.ts';
export type { InboundOptions } from './inbound-security.ts';
export { authenticateJwt } from './jwt.ts';
export type { JwtAuthnOptions, JwtAuthnResult, JwtIdentity, JwtSummary, JwtVerifier } from './jwt.ts';
export type { Call, CallProtocol, HttpRequest } from './request.ts';
export { parseQueryParams, splitAuthority, splitPathAndQuery } from './request.ts';
export type { Outcome, OutcomeKind, ResponseFlag, Walk } from './outcome.ts';
export type { ProxyState, RoundRobinCursor } from './proxy-state.ts';
export { activeRequestsOf, createProxyState, endpointKey, requestFinished, requestStarted } from './proxy-state.ts';
export { selectFilterChain, selectListener } from './match/listener.ts';
export { selectVirtualHost } from './match/virtual-host.ts';
export { matchesRoute, selectRoute } from './match/route.ts';
export { chooseEndpoint, originalDestination } from './lb.ts';
