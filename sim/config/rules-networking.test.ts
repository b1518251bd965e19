// Istio's webhook rules for VirtualService, DestinationRule and Gateway (pkg/config/validation),
// checked through loadManifests so each case is a real manifest with real line numbers.
import test from 'ava';
import { loadManifests } from './load-resources.ts';

function findings(yaml: string) {
  return loadManifests([{ path: 't.yaml', text: yaml }]).diagnostics.map((d) => ({
    severity: d.severity, code: d.code, field: d.field, message: d.message,
  }));
}

const vs = (spec: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec:
${spec}`;

const dr = (spec: string) => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
${spec}`;

const gw = (spec: string, name = 'ingress') => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: default}
spec:
${spec}`;

type Case = { rule: string; yaml: string; severity: string; code: string; field: string; message: string };

const failing: Case[] = [
  { rule: 'ValidateVirtualService: http, tcp or tls must be provided', yaml: vs('  hosts: [reviews]'),
    severity: 'error', code: 'MS0106', field: 'spec', message: 'http, tcp or tls must be provided in virtual service' },
  { rule: 'validateHost: * is not allowed for mesh-bound VirtualServices', yaml: vs('  hosts: ["*"]\n  http:\n  - route:\n    - destination: {host: reviews}'),
    severity: 'error', code: 'MS0106', field: 'spec.hosts[0]', message: 'wildcard host * is not allowed for virtual services bound to the mesh gateway' },
  { rule: 'duplicate hosts, wildcard-aware', yaml: vs('  hosts: ["*.example.com", "a.example.com"]\n  http:\n  - route:\n    - destination: {host: reviews}'),
    severity: 'error', code: 'MS0106', field: 'spec.hosts[1]', message: 'duplicate hosts in virtual service: *.example.com & a.example.com' },
  { rule: 'delegate VirtualServices cannot bind gateways', yaml: vs('  gateways: [gw]\n  http:\n  - route:\n    - destination: {host: reviews}'),
    severity: 'error', code: 'MS0106', field: 'spec.gateways', message: 'delegate virtual service must have no gateways specified' },
  { rule: 'validateHTTPRouteConflict: route and redirect', yaml: vs('  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews}\n    redirect: {uri: /x}'),
    severity: 'error', code: 'MS0106', field: 'spec.http[0]', message: 'HTTP route cannot contain both route and redirect' },
  { rule: 'validateHTTPRouteConflict: an action is required', yaml: vs('  hosts: [reviews]\n  http:\n  - match:\n    - uri: {prefix: /a}'),
    severity: 'error', code: 'MS0106', field: 'spec.http[0]', message: 'HTTP route, redirect or direct_response is required' },
  { rule: 'weights: negative', yaml: vs('  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews, subset: v1}\n      weight: -10\n    - destination: {host: reviews, subset: v2}\n      weight: 110'),
    severity: 'error', code: 'MS0106', field: 'spec.http[0].route[0].weight', message: 'weight -10 < 0' },
  { rule: 'weights: all zero with several destinations', yaml: vs('  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews, subset: v1}\n    - destination: {host: reviews, subset: v2}'),
    severity: 'error', code: 'MS0106', field: 'spec.http[0].route', message: 'total destination weight = 0' },
  { rule: 'destination host * is invalid', yaml: vs('  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: "*"}'),
    severity: 'error', code: 'MS0106', field: 'spec.http[0].route[0].destination.host', message: 'invalid destination host *' },
  { rule: 'subset names are DNS-1123 labels', yaml: vs('  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews, subset: V1}'),
    severity: 'error', code: 'MS0106', field: 'spec.http[0].route[0].destination.subset', message: 'subset name is invalid: V1' },
  { rule: 'RE2: lookahead is not supported', yaml: vs('  hosts: [reviews]\n  http:\n  - match:\n    - uri: {regex: "/a(?=b)"}\n    route:\n    - destination: {host: reviews}'),
    severity: 'error', code: 'MS0106', field: 'spec.http[0].match[0].uri.regex',
    message: '"uri": error parsing regexp: invalid or unsupported Perl syntax: lookahead/lookbehind `(?=`, `(?!`, `(?<=`, `(?<!`: `/a(?=b)`; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)' },
  { rule: 'header prefix match must not be empty', yaml: vs('  hosts: [reviews]\n  http:\n  - match:\n    - headers:\n        end-user: {prefix: ""}\n    route:\n    - destination: {host: reviews}'),
    severity: 'error', code: 'MS0106', field: 'spec.http[0].match[0].headers.end-user.prefix', message: '"end-user": prefix string match should not be empty' },
  { rule: 'header names are tokens', yaml: vs('  hosts: [reviews]\n  http:\n  - match:\n    - headers:\n        "end user": {exact: jason}\n    route:\n    - destination: {host: reviews}'),
    severity: 'error', code: 'MS0106', field: 'spec.http[0].match[0].headers.end user', message: 'header name end user is not a valid header name' },
  { rule: 'CEL: durations are at least 1ms', yaml: vs('  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews}\n    timeout: 500us'),
    severity: 'error', code: 'MS0106', field: 'spec.http[0].timeout', message: 'must be a valid duration greater than 1ms' },
  { rule: 'ValidateHTTPRetry: retryOn policies', yaml: vs('  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews}\n    retries: {attempts: 2, retryOn: "5xx,bogus"}'),
    severity: 'error', code: 'MS0106', field: 'spec.http[0].retries.retryOn', message: '"bogus" is not a valid retryOn policy' },
  { rule: 'redirect codes are 3xx', yaml: vs('  hosts: [reviews]\n  http:\n  - redirect: {uri: /v2, redirectCode: 200}'),
    severity: 'error', code: 'MS0106', field: 'spec.http[0].redirect.redirectCode', message: '200 is not a valid redirect code, must be 3xx' },
  { rule: 'response headers cannot set Host', yaml: vs('  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews}\n    headers:\n      response:\n        set: {host: x}'),
    severity: 'error', code: 'MS0106', field: 'spec.http[0].headers.response.set.host', message: 'invalid header "host": cannot set Host header' },
  { rule: 'IST0130: a rule after a catch-all is unreachable', yaml: vs('  hosts: [reviews]\n  http:\n  - route:\n    - destination: {host: reviews}\n  - route:\n    - destination: {host: ratings}'),
    severity: 'warning', code: 'IST0130', field: 'spec.http[1]', message: 'VirtualService rule #1 not used (only the last rule can have no matches).' },
  { rule: 'IST0131: an exact duplicate match is unused', yaml: vs('  hosts: [reviews]\n  http:\n  - match:\n    - uri: {prefix: /a}\n    route:\n    - destination: {host: reviews}\n  - match:\n    - uri: {prefix: /a}\n    - uri: {prefix: /b}\n    route:\n    - destination: {host: ratings}'),
    severity: 'info', code: 'IST0131', field: 'spec.http[1].match[0]', message: 'VirtualService rule #1 match #0 is not used (duplicate/overlapping match in rule #0).' },
  { rule: 'legacy gateway name.namespace form warns', yaml: vs('  hosts: [reviews.example.com]\n  gateways: [gw.istio-system]\n  http:\n  - route:\n    - destination: {host: reviews}'),
    severity: 'warning', code: 'MS0107', field: 'spec.gateways[0]', message: 'using legacy gatewayName format "gw.istio-system"; prefer the <namespace>/<name> format: "istio-system/gw"' },
  { rule: 'DestinationRule: duplicate subset names', yaml: dr('  host: reviews\n  subsets:\n  - {name: v1, labels: {version: v1}}\n  - {name: v1, labels: {version: v2}}'),
    severity: 'error', code: 'MS0106', field: 'spec.subsets[1].name', message: 'duplicate subset names: v1' },
  { rule: 'DestinationRule: empty traffic policy', yaml: dr('  host: reviews\n  trafficPolicy: {}'),
    severity: 'error', code: 'MS0106', field: 'spec.trafficPolicy', message: 'traffic policy must have at least one field' },
  { rule: 'DestinationRule: MUTUAL needs a client certificate', yaml: dr('  host: reviews\n  trafficPolicy:\n    tls: {mode: MUTUAL, privateKey: /k.pem}'),
    severity: 'error', code: 'MS0106', field: 'spec.trafficPolicy.tls', message: 'client certificate required for mutual tls' },
  { rule: 'DestinationRule: outlier percentages', yaml: dr('  host: reviews\n  trafficPolicy:\n    outlierDetection: {maxEjectionPercent: 150}'),
    severity: 'error', code: 'MS0106', field: 'spec.trafficPolicy.outlierDetection.maxEjectionPercent', message: 'percentage 150 is not in range 0..100' },
  { rule: 'DestinationRule: locality weights add up to 100', yaml: dr('  host: reviews\n  trafficPolicy:\n    loadBalancer:\n      localityLbSetting:\n        distribute:\n        - from: us-west/zone1/*\n          to: {"us-west/zone1/*": 80, "us-west/zone2/*": 10}'),
    severity: 'error', code: 'MS0106', field: 'spec.trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to', message: 'total locality weight 90 != 100' },
  { rule: 'DestinationRule: a port-level policy needs a port', yaml: dr('  host: reviews\n  trafficPolicy:\n    portLevelSettings:\n    - tls: {mode: ISTIO_MUTUAL}'),
    severity: 'error', code: 'MS0106', field: 'spec.trafficPolicy.portLevelSettings[0].port', message: 'portTrafficPolicy must have valid port' },
  { rule: 'Gateway: names are DNS-1123 labels (no dots)', yaml: gw('  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["*"]', 'my.gateway'),
    severity: 'error', code: 'MS0106', field: 'metadata.name', message: 'invalid gateway name: "my.gateway"' },
  { rule: 'Gateway: hosts must be FQDNs', yaml: gw('  servers:\n  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: [bookinfo]'),
    severity: 'error', code: 'MS0106', field: 'spec.servers[0].hosts[0]', message: 'short names (non FQDN) are not allowed' },
  { rule: 'Gateway: HTTPS needs TLS settings', yaml: gw('  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["*.example.com"]'),
    severity: 'error', code: 'MS0106', field: 'spec.servers[0].tls', message: 'server must have TLS settings for HTTPS/TLS protocols' },
  { rule: 'Gateway: port names are unique', yaml: gw('  servers:\n  - port: {number: 80, name: web, protocol: HTTP}\n    hosts: ["*"]\n  - port: {number: 8080, name: web, protocol: HTTP}\n    hosts: ["*"]'),
    severity: 'error', code: 'MS0106', field: 'spec.servers[1].port.name', message: 'port names in servers must be unique: duplicate name web' },
  { rule: 'Gateway: SIMPLE TLS needs a certificate', yaml: gw('  servers:\n  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["*.example.com"]\n    tls: {mode: SIMPLE, privateKey: /k.pem}'),
    severity: 'error', code: 'MS0106', field: 'spec.servers[0].tls', message: 'SIMPLE TLS requires a server certificate' },
];

for (const c of failing) {
  test(`rule fires: ${c.rule}`, (t) => {
    const got = findings(c.yaml);
    t.deepEqual(got.filter((d) => d.message === c.message), [{ severity: c.severity, code: c.code, field: c.field, message: c.message }], JSON.stringify(got, null, 1));
  });
}

const valid: [string, string][] = [
  ['a canary VirtualService with match, weights, retries and timeout', vs(`  hosts: [reviews]
  http:
  - name: jason
    match:
    - headers:
        end-user: {exact: jason}
      uri: {regex: "^/reviews/[0-9]+$"}
    route:
    - destination: {host: reviews, subset: v2}
  - route:
    - destination: {host: reviews, subset: v1}
      weight: 90
    - destination: {host: reviews, subset: v3}
      weight: 10
    retries: {attempts: 3, perTryTimeout: 2s, retryOn: "gateway-error,connect-failure,refused-stream,503"}
    timeout: 10s`)],
  ['a gateway VirtualService with rewrite, redirect and direct response', vs(`  hosts: [bookinfo.example.com]
  gateways: [istio-system/ingress]
  http:
  - match:
    - uri: {exact: /old}
    redirect: {uri: /new, redirectCode: 308}
  - match:
    - uri: {prefix: /health}
    directResponse: {status: 200, body: {string: ok}}
  - match:
    - uri: {prefix: /api/}
    rewrite: {uri: /}
    route:
    - destination: {host: productpage, port: {number: 9080}}`)],
  ['a DestinationRule with subsets, pools, outlier detection, locality and mTLS', dr(`  host: reviews.default.svc.cluster.local
  trafficPolicy:
    connectionPool:
      tcp: {maxConnections: 100, connectTimeout: 30ms}
      http: {http1MaxPendingRequests: 10, maxRequestsPerConnection: 1}
    outlierDetection: {consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 50}
    loadBalancer:
      simple: LEAST_REQUEST
    tls: {mode: ISTIO_MUTUAL}
    portLevelSettings:
    - port: {number: 9080}
      loadBalancer: {simple: ROUND_ROBIN}
  subsets:
  - name: v1
    labels: {version: v1}
  - name: v2
    labels: {version: v2}
    trafficPolicy:
      loadBalancer:
        consistentHash: {httpHeaderName: x-user}`)],
  ['an ingress Gateway with HTTP redirect and SIMPLE TLS from a credential', gw(`  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["bookinfo.example.com"]
    tls: {httpsRedirect: true}
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: ["bookinfo.example.com", "./*.example.org"]
    tls: {mode: SIMPLE, credentialName: bookinfo-cert}
  - port: {number: 15443, name: tls, protocol: TLS}
    hosts: ["*"]
    tls: {mode: AUTO_PASSTHROUGH}`)],
];

for (const [name, yaml] of valid) {
  test(`valid: ${name} has no finding`, (t) => {
    t.deepEqual(findings(yaml), []);
  });
}
