/**
 * A probe result for people: the answer first, then each hop as Envoy would show it in a config dump
 * (listener, filter chain, virtual host, route, cluster, endpoint) with the reason in a sentence; a
 * request a proxy mirrors gets one line per shadow copy.
 */
import type { ProbeJwt, ProbeRequest, ProbeResult } from '../sim/index.ts';

export function formatProbe(request: ProbeRequest, result: ProbeResult): string {
  const lines: string[] = [];
  lines.push(`${request.method ?? 'GET'} ${request.url} from ${request.from}`);
  const status = result.status === null ? (result.connected ? 'no HTTP response' : 'connection failed') : String(result.status);
  const flags = result.flags.length === 0 ? '' : `  flags ${result.flags.join(',')}`;
  const d = result.destination;
  const where = d === null ? '' : `  → ${d.workload === '' ? d.pod : `${d.namespace}/${d.workload} (pod ${d.pod})`}${d.service === null ? '' : `, ${d.service}:${d.port}${d.subset === null ? '' : ` subset ${d.subset}`}`}`;
  lines.push(`= ${status}${flags}${where}`);
  if (request.jwtClaims !== undefined) lines.push('  token: stand-in claims, not verified');
  if (result.jwt !== null) lines.push(`  JWT: ${describeJwt(result.jwt)} — ${result.jwt.reason}`);
  if (result.mtls !== null) lines.push(`  mTLS into the destination: ${result.mtls ? 'yes' : 'no (plain text)'}`);
  if (result.authz !== null) {
    const provider = result.authz.provider === null ? '' : ` (ext_authz provider ${result.authz.provider})`;
    lines.push(`  authorization: ${result.authz.decision}${result.authz.policy === null ? '' : ` by ${result.authz.policy}`}${provider} — ${result.authz.reason}`);
  }
  if (result.delayMs > 0) lines.push(`  delayed ${result.delayMs} ms by fault injection`);
  if (result.timeoutMs !== null) lines.push(`  route timeout ${result.timeoutMs} ms`);
  if (result.retry !== null) lines.push(`  retries: ${result.retry.attempts} on ${result.retry.retryOn.join(',')}${result.retry.perTryTimeoutMs === null ? '' : `, ${result.retry.perTryTimeoutMs} ms per try`}`);
  for (const m of result.mirrors ?? []) {
    lines.push(`  mirrored to ${m.cluster} by ${m.proxy}: a shadow copy with Host ${m.upstream.authority}, fire-and-forget (its answer is ignored)`);
  }
  lines.push('');
  result.trace.forEach((hop, i) => {
    lines.push(`${i + 1}. ${hop.direction.padEnd(10)} ${hop.proxy}`);
    const rows: [string, string | null][] = [
      ['listener', hop.listener === null ? null : `${hop.listener}${hop.filterChain === null ? '' : ` (filter chain ${hop.filterChain})`}`],
      ['virtual host', hop.virtualHost],
      ['route', hop.route === null ? null : hop.route === '' ? '(unnamed)' : hop.route],
      ['cluster', hop.cluster],
      ['endpoint', hop.endpoint],
    ];
    for (const [label, value] of rows) if (value !== null) lines.push(`   ${label.padEnd(13)}${value}`);
    if (hop.flags.length > 0) lines.push(`   ${'flags'.padEnd(13)}${hop.flags.join(',')}`);
    lines.push(`   ${hop.reason}`);
  });
  return `${lines.join('\n')}\n`;
}

function describeJwt(jwt: ProbeJwt): string {
  switch (jwt.outcome) {
    case 'authenticated':
      return `authenticated as ${jwt.principal}${jwt.provider === null ? '' : ` by ${jwt.provider}`}`;
    case 'no-token':
      return 'no token (no request principal)';
    case 'bypassed':
      return 'bypassed (CORS preflight)';
    case 'rejected':
      return 'rejected';
  }
}
