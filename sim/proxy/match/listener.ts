/**
 * Which listener takes an outbound (or gateway) connection, and which of its filter chains handles it,
 * following Istio's simulator (pilot/pkg/simulation/traffic.go `matchListener`, `matchFilterChain`) and
 * Envoy's filter-chain sieve (`FilterChainManagerImpl::findFilterChain`).
 *
 * Listener rules: a listener whose address:port equals the destination IP:port; else `0.0.0.0:port`;
 * else the `virtualOutbound` catch-all (direction outbound, port 15001, which iptables redirects every
 * outbound connection to); else null (connection refused). Inbound listeners are not candidates:
 * inbound traffic reaches `virtualInbound` by iptables, not by address.
 *
 * Filter-chain rules, level by level, each level narrowing the chains left by the one before:
 * 1. destination IP: chains whose prefix ranges contain the IP, longest prefix first;
 * 2. server names (SNI): an exact name beats a wildcard, a longer wildcard beats a shorter one
 *    (`*.b.example.com` over `*.example.com`; a wildcard covers one or more labels);
 * 3. application protocol: an HTTP call takes an `http` chain, anything else a `tcp` chain (protocol
 *    sniffing on auto ports).
 * At each level, if no chain sets the field the level is skipped; if some match, the best of them
 * survive; if chains set it but none matches, only the chains that leave it unset survive. Nothing left:
 * the listener's default chain, or null (Envoy closes the connection, flag NR).
 *
 * Invariants: pure. Answers are remembered per listener (per listener list for the listener choice) and
 * per key of the call fields they read (destination IP and port, SNI, HTTP or not), in WeakMaps keyed
 * by the immutable config: derived data, never state a world can observe. More than one survivor means the listener is ambiguous (Envoy would NACK it;
 * Istio's simulator says ErrMultipleFilterChain): the first in config order is taken.
 *
 * Not modelled: destination-port, source-IP/port, transport-protocol and direct-source matching (not in
 * the contract); listener filters other than the HTTP inspector's http/tcp verdict; inbound selection.
 */
import type { FilterChain, Listener } from '../../xds/listener.ts';
import type { Call } from '../request.ts';
import { asciiLowerCase } from '../request.ts';
import { cidrContains, parseCidr, parseIp } from './cidr.ts';

export const VIRTUAL_OUTBOUND_PORT = 15001;
export const WILDCARD_ADDRESS = '0.0.0.0';

export function selectListener(listeners: readonly Listener[], call: Call): Listener | null {
  const answers = answersFor(listenerChoices, listeners, call.destinationIp, call.destinationPort);
  const known = answers.get('');
  if (known !== undefined) return known;
  const chosen = selectListenerUncached(listeners, call);
  answers.set('', chosen);
  return chosen;
}

/** The listener choice itself, run once per destination by selectListener. */
export function selectListenerUncached(listeners: readonly Listener[], call: Call): Listener | null {
  const candidates = listeners.filter((listener) => listener.direction !== 'inbound');
  const exact = candidates.find((l) => l.address === call.destinationIp && l.port === call.destinationPort);
  if (exact !== undefined) return exact;
  const wildcard = candidates.find((l) => l.address === WILDCARD_ADDRESS && l.port === call.destinationPort);
  if (wildcard !== undefined) return wildcard;
  return candidates.find(isVirtualOutbound) ?? null;
}

// Both choices are pure functions of immutable config and a few fields of the call, so each proxy
// config remembers its answers by those fields (nested maps keyed by the call's own strings and
// numbers, no key built per request) instead of matching every request again. The memo is bounded:
// past MEMO_ADDRESSES_MAX destination addresses (traffic to ever new ones) it starts afresh.
const MEMO_ADDRESSES_MAX = 65_536;
type Answers<T> = Map<string, T>;
type Memo<T> = Map<string, Map<number, Answers<T>>>;
const listenerChoices = new WeakMap<object, Memo<Listener | null>>();
const chainChoices = new WeakMap<object, Memo<FilterChain | null>>();

/** The answers remembered for one destination (address, port) of `owner`, by the rest of the key. */
function answersFor<T>(memos: WeakMap<object, Memo<T>>, owner: object, address: string, port: number): Answers<T> {
  let byAddress = memos.get(owner);
  if (byAddress === undefined || (byAddress.size >= MEMO_ADDRESSES_MAX && !byAddress.has(address))) {
    byAddress = new Map();
    memos.set(owner, byAddress);
  }
  let byPort = byAddress.get(address);
  if (byPort === undefined) {
    byPort = new Map();
    byAddress.set(address, byPort);
  }
  let answers = byPort.get(port);
  if (answers === undefined) {
    answers = new Map();
    byPort.set(port, answers);
  }
  return answers;
}

/**
 * Inbound traffic to a pod is redirected by iptables to the `virtualInbound` listener (15006), whatever
 * its original port (Istio's simulation CallModeInbound); its chains then match on that port.
 */
export function selectInboundListener(listeners: readonly Listener[]): Listener | null {
  return listeners.find((listener) => listener.direction === 'inbound') ?? null;
}

export function isVirtualOutbound(listener: Listener): boolean {
  return listener.direction === 'outbound' && listener.port === VIRTUAL_OUTBOUND_PORT;
}

/** Score of one chain at one level: 'unset' (field empty), null (set, no match), or higher-is-better. */
type LevelScore = number | null | 'unset';

export function selectFilterChain(listener: Listener, call: Call): FilterChain | null {
  const answers = answersFor(chainChoices, listener, call.destinationIp, call.destinationPort);
  // The rest of the key: HTTP or not, then the SNI (a server name never starts with a space).
  const key = call.protocol === 'http' ? (call.sni === undefined ? ' http' : ` http ${call.sni}`) : (call.sni ?? ' tcp');
  const known = answers.get(key);
  if (known !== undefined) return known;
  const chosen = selectFilterChainUncached(listener, call);
  answers.set(key, chosen);
  return chosen;
}

/** Envoy's filter-chain match itself, run once per distinct key by selectFilterChain. */
export function selectFilterChainUncached(listener: Listener, call: Call): FilterChain | null {
  const address = parseIp(call.destinationIp);
  const protocol = call.protocol === 'http' ? 'http' : 'tcp';
  let chains: readonly FilterChain[] = listener.filterChains;
  // Envoy's filter-chain match order: destination port, destination IP, server name, protocol.
  chains = sieve(chains, (chain) => {
    const port = chain.match.destinationPort;
    if (port === undefined) return 'unset';
    return port === call.destinationPort ? 1 : null;
  });
  chains = sieve(chains, (chain) => prefixScore(chain.match.prefixRanges, address));
  chains = sieve(chains, (chain) => serverNameScore(chain.match.serverNames, call.sni));
  chains = sieve(chains, (chain) => {
    const wanted = chain.match.applicationProtocol;
    if (wanted === undefined) return 'unset';
    return wanted === protocol ? 1 : null;
  });
  return chains[0] ?? listener.defaultChain;
}

/** One level of Envoy's sieve: the best-scoring chains, else those that leave the field unset. */
function sieve(chains: readonly FilterChain[], score: (chain: FilterChain) => LevelScore): FilterChain[] {
  const scored = chains.map((chain) => ({ chain, score: score(chain) }));
  let best = -1;
  for (const entry of scored) if (typeof entry.score === 'number' && entry.score > best) best = entry.score;
  if (best >= 0) return scored.filter((entry) => entry.score === best).map((entry) => entry.chain);
  return scored.filter((entry) => entry.score === 'unset').map((entry) => entry.chain);
}

// Longest matching prefix length; an unparsable range or address never matches.
function prefixScore(ranges: readonly string[], address: number[] | null): LevelScore {
  if (ranges.length === 0) return 'unset';
  let best: number | null = null;
  for (const text of ranges) {
    const range = parseCidr(text);
    if (range === null || address === null || !cidrContains(range, address)) continue;
    if (best === null || range.length > best) best = range.length;
  }
  return best;
}

const EXACT_SERVER_NAME_SCORE = Number.MAX_SAFE_INTEGER;

// Exact beats any wildcard; among wildcards the longest suffix wins. No SNI matches no name.
function serverNameScore(names: readonly string[], sni: string | undefined): LevelScore {
  if (names.length === 0) return 'unset';
  if (sni === undefined || sni === '') return null;
  const host = asciiLowerCase(sni);
  let best: number | null = null;
  for (const raw of names) {
    const name = asciiLowerCase(raw);
    let score: number | null = null;
    if (name === host) score = EXACT_SERVER_NAME_SCORE;
    else if (name.startsWith('*.') && host.endsWith(name.slice(1)) && host.length > name.length - 1) score = name.length;
    if (score !== null && (best === null || score > best)) best = score;
  }
  return best;
}
