/**
 * The check mode of the hot path: for one call through one proxy, the choices the engine made with its
 * remembered and indexed lookups (listener, filter chain, virtual host) are made again by the plain
 * reference code (a scan of every listener, the filter-chain sieve, a scan of every domain), and any
 * difference is a bug, reported as an assertion with both answers.
 *
 * Job: let a run (`meshsim run --check`, or MESHSIM_CHECK=1 at the edge) prove on its own traffic that
 * the fast path gives the reference answers, at the cost of doing the work twice.
 *
 * Invariants: pure apart from the assertion; draws nothing from any random stream, so a checked run
 * gives the same bytes as an unchecked one.
 *
 * Not modelled: the route, cluster and endpoint choices (they have no cache: route matching reads the
 * request, load balancing the proxy's state).
 */
import { assert } from '../core/assert.ts';
import type { ProxyConfig } from '../xds/proxy-config.ts';
import { selectFilterChainUncached, selectInboundListener, selectListenerUncached } from './match/listener.ts';
import { selectVirtualHostReference } from './match/virtual-host.ts';
import type { Outcome } from './outcome.ts';
import type { Call } from './request.ts';

export function checkFastPath(config: ProxyConfig, call: Call, direction: 'outbound' | 'inbound', outcome: Outcome): void {
  const listener = direction === 'inbound' ? selectInboundListener(config.listeners) : selectListenerUncached(config.listeners, call);
  agree(config, call, 'listener', outcome.listener, listener?.name ?? null);
  if (listener === null || outcome.listener === null) return;
  const chain = selectFilterChainUncached(listener, call);
  agree(config, call, 'filter chain', outcome.filterChain, chain?.name ?? null);
  // The virtual host is chosen only where the engine reads HTTP: an HTTP chain, a request, TLS terminated.
  if (chain === null || chain.filter.kind !== 'http' || call.request === undefined) return;
  if (call.protocol === 'tls' && chain.terminatesTls !== true) return;
  const routeConfig = Object.hasOwn(config.routes, chain.filter.routeConfigName) ? config.routes[chain.filter.routeConfigName] : undefined;
  if (routeConfig === undefined) return;
  const reference = selectVirtualHostReference(routeConfig, call.request.authority)?.name ?? null;
  // No virtual host in the walk: either none matched (404 NR) or a security filter answered first.
  const noneMatched = outcome.virtualHost === null && outcome.status === 404 && outcome.flags.includes('NR');
  if (outcome.virtualHost !== null || noneMatched) agree(config, call, 'virtual host', outcome.virtualHost, reference);
}

function agree(config: ProxyConfig, call: Call, what: string, fast: string | null, reference: string | null): void {
  if (fast === reference) return;
  assert(false, () => `check mode: proxy ${config.proxy.id} chose ${what} ${JSON.stringify(fast)} for ${call.protocol} to ${call.destinationIp}:${call.destinationPort}, the reference path ${JSON.stringify(reference)}`);
}
