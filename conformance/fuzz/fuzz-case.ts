// The fuzz campaign's cases and their judge. A case is a valid mesh (every kind meshsim reads, in the
// shapes users write) with a few mutations at random paths — a null, a value of another type, a huge or
// negative number, unicode, a deep structure, a `__proto__` key, a field removed, a broken or cyclic
// reference — and a probe, plus `probe --batch` lines with fields of any type. `runCase` runs
// `meshsim validate`, `meshsim probe` and `meshsim probe --batch` (each twice) in-process on it and returns what went wrong, if anything: an internal error (exit 4), an exit code outside the
// contract, or two probes of the same input answering differently.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseAllDocuments, stringify } from 'yaml';
import { main } from '../../cli/main.ts';
import { allPaths, anyPath, anyValue, inKind, mutate, SWEEP_VALUES } from './mutate.ts';

const BASE = `apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web-v1, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web, version: v1}}
  template:
    metadata: {labels: {app: web, version: v1}}
    spec: {containers: [{name: web, image: web, ports: [{containerPort: 8080}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: client, namespace: shop}
spec:
  selector: {matchLabels: {app: client}}
  template:
    metadata: {labels: {app: client}}
    spec: {containers: [{name: c, image: c}]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: shop}
spec:
  hosts: [web]
  http:
  - match: [{headers: {x-canary: {exact: "yes"}}, uri: {prefix: /api}}]
    route: [{destination: {host: web, subset: v1, port: {number: 80}}, weight: 100}]
    retries: {attempts: 2, perTryTimeout: 1s, retryOn: 5xx}
    timeout: 3s
    fault: {delay: {percentage: {value: 10}, fixedDelay: 1s}}
  - delegate: {name: web-delegate, namespace: shop}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web-delegate, namespace: shop}
spec:
  http:
  - route: [{destination: {host: web, subset: v1}}]
    mirror: {host: web}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: web, namespace: shop}
spec:
  host: web
  trafficPolicy:
    connectionPool: {tcp: {maxConnections: 10}, http: {http1MaxPendingRequests: 5}}
    outlierDetection: {consecutive5xxErrors: 3, interval: 1s, baseEjectionTime: 30s}
    loadBalancer: {consistentHash: {httpHeaderName: x-user}}
    tls: {mode: ISTIO_MUTUAL}
  subsets: [{name: v1, labels: {version: v1}, trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}}]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: shop}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: ["shop.example.com"]
    tls: {mode: SIMPLE, credentialName: shop-cert}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ext, namespace: shop}
spec:
  hosts: [api.example.com]
  ports: [{number: 443, name: tls, protocol: TLS}]
  resolution: DNS
  location: MESH_EXTERNAL
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: shop}
spec:
  egress: [{hosts: ["./*", "istio-system/*"]}]
  outboundTrafficPolicy: {mode: ALLOW_ANY}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  mtls: {mode: STRICT}
  portLevelMtls: {8080: {mode: PERMISSIVE}}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  action: ALLOW
  rules:
  - from: [{source: {principals: ["cluster.local/ns/shop/sa/default"], namespaces: [shop]}}]
    to: [{operation: {methods: [GET], paths: ["/api/*"]}}]
    when: [{key: "request.headers[x-user]", values: ["*"]}]
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  jwtRules: [{issuer: "https://issuer.example", jwksUri: "https://issuer.example/jwks"}]
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: db, namespace: shop}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}, annotations: {sidecar.istio.io/inject: "true"}}
    spec: {serviceAccountName: db, containers: [{name: db, image: db, ports: [{containerPort: 5432, name: pg}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop}
spec:
  selector: {app: db}
  ports: [{name: tcp-pg, port: 5432, targetPort: pg, appProtocol: tcp}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: shop}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: a, image: a}]}
---
apiVersion: v1
kind: Pod
metadata: {name: debug, namespace: shop, labels: {app: debug}}
spec: {containers: [{name: d, image: d}]}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm, namespace: shop}
spec: {address: 10.9.0.7, labels: {app: web, version: vm}, serviceAccount: default, ports: {http: 8080}}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: static, namespace: shop}
spec:
  hosts: [legacy.shop.internal]
  addresses: [10.8.0.0/24]
  ports: [{number: 8080, name: http, protocol: HTTP, targetPort: 80}]
  resolution: STATIC
  location: MESH_INTERNAL
  endpoints: [{address: 10.8.0.9, labels: {v: a}, weight: 3}, {address: 10.9.0.7}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: db, namespace: shop}
spec:
  hosts: [db]
  tcp: [{match: [{port: 5432, sourceLabels: {app: web}}], route: [{destination: {host: db, port: {number: 5432}}}]}]
  tls: [{match: [{port: 443, sniHosts: [api.example.com]}], route: [{destination: {host: api.example.com}}]}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: db, namespace: shop}
spec:
  host: db
  exportTo: ["."]
  trafficPolicy:
    portLevelSettings: [{port: {number: 5432}, connectionPool: {tcp: {maxConnections: 1, connectTimeout: 1s}}}]
    loadBalancer: {localityLbSetting: {enabled: true, failover: [{from: r1, to: r2}]}, simple: LEAST_REQUEST}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-db, namespace: shop}
spec:
  selector: {matchLabels: {app: db}}
  action: DENY
  rules: [{from: [{source: {notNamespaces: [shop], ipBlocks: [10.0.0.0/8], notPrincipals: ["*/sa/db"]}}], to: [{operation: {ports: ["5432"], notPaths: ["/x"]}}]}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ext, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  action: CUSTOM
  provider: {name: ext-authz}
  rules: [{to: [{operation: {paths: ["/admin/*"]}}], when: [{key: "request.headers[x-team]", values: [admin]}]}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    outboundTrafficPolicy: {mode: REGISTRY_ONLY}
    extensionProviders:
    - name: ext-authz
      envoyExtAuthzHttp: {service: web.shop.svc.cluster.local, port: 80}
---
apiVersion: v1
kind: Secret
metadata: {name: shop-cert, namespace: istio-system}
type: kubernetes.io/tls
data: {tls.crt: eA==, tls.key: eA==}
`;

const BASE_DOCS: readonly Record<string, unknown>[] = parseAllDocuments(BASE).map((d) => d.toJS() as Record<string, unknown>);

export interface FuzzCase {
  readonly manifests: string;
  readonly probe: readonly string[];
  /** Lines for `probe --batch`: JSON requests, some with fields of other types or names. */
  readonly batch: string;
}

const anyJson: fc.Arbitrary<unknown> = fc.oneof(fc.constant(null), fc.integer(), fc.string({ maxLength: 8 }), fc.constant({}), fc.constant([]), fc.constant(true), fc.constant(2 ** 60));
const batchLine: fc.Arbitrary<string> = fc.oneof(
  fc.record({
    from: fc.oneof(fc.constantFrom('shop/client', 'external', 'shop/web-v1'), anyJson),
    url: fc.oneof(fc.constantFrom('http://web/', 'http://web:80/api/x', 'tcp://web:80'), anyJson),
  }, { requiredKeys: [] }).chain((base) => fc.record({
    extra: fc.dictionary(fc.constantFrom('method', 'headers', 'sni', 'tls', 'jwt', 'jwtClaims', 'extAuthz', 'count', 'header', '__proto__'), fc.oneof(anyJson, fc.constantFrom('GET', 'mtls', 1, 3)), { maxKeys: 3 }),
  }).map(({ extra }) => JSON.stringify({ ...base, ...extra }))),
  fc.constantFrom('', '{', '[]', 'null', '"x"', '{"from":"shop/client","url":"http://web/"}'),
);

const oneMutation = fc.tuple(fc.nat(BASE_DOCS.length - 1), anyPath, fc.oneof({ arbitrary: anyValue, weight: 2 }, { arbitrary: inKind, weight: 1 }));

export const fuzzCase: fc.Arbitrary<FuzzCase> = fc.record({
  mutations: fc.array(oneMutation, { minLength: 1, maxLength: 3 }),
  url: fc.constantFrom('http://web/', 'http://web:80/api/x', 'http://web.shop.svc.cluster.local/', 'https://api.example.com/', 'tcp://web:80', 'http://web:abc/', 'http://nowhere/'),
  header: fc.constantFrom([], ['-H', 'x-canary: yes'], ['-H', 'x-user: 1'], ['-H', 'bad header']),
  from: fc.constantFrom('shop/client', 'shop/web-v1', 'external', 'nope/x'),
  batch: fc.array(batchLine, { minLength: 1, maxLength: 3 }).map((lines) => `${lines.join('\n')}\n`),
}).map(({ mutations, url, header, from, batch }) => {
  const docs: unknown[] = [...BASE_DOCS];
  for (const [index, choices, value] of mutations) docs[index] = mutate(docs[index], choices, value);
  const manifests = docs.filter((d) => d !== undefined).map((d) => stringify(d)).join('---\n');
  return { manifests, probe: ['--from', from, '--url', url, ...header, '--json'], batch };
});

/**
 * The exhaustive sweep: every path of every document with every SWEEP_VALUES value, one mutation per
 * case, each probed as a client request to web. Deterministic, in document and path order.
 */
export function meshSweep(): FuzzCase[] {
  const out: FuzzCase[] = [];
  BASE_DOCS.forEach((doc, index) => {
    for (const path of allPaths(doc)) {
      for (const value of SWEEP_VALUES) {
        const docs: unknown[] = [...BASE_DOCS];
        docs[index] = mutate(doc, path, value);
        const manifests = docs.filter((d) => d !== undefined).map((d) => stringify(d)).join('---\n');
        out.push({ manifests, probe: ['--from', 'shop/client', '--url', 'http://web:80/api/x', '-H', 'x-canary: yes', '--json'], batch: '{"from":"shop/client","url":"http://web/"}\n' });
      }
    }
  });
  return out;
}

/**
 * An internal error (exit 4, or its message) or an exit code outside `allowed`, as a failure whose
 * signature names the command and the place (digits masked, so one place groups); null when the exit is fine.
 */
export function judgeExit(command: string, code: number, err: string, allowed: readonly number[]): FuzzFailure | null {
  if (code === 4 || /internal error/.test(err)) {
    const line = err.split('\n').find((l) => /internal error/.test(l)) ?? err;
    return { signature: `${command}: ${line.replace(/^meshsim: internal error: /, '').split('. This is a bug')[0]!.replace(/\d+/g, 'N').slice(0, 160)}`, detail: err };
  }
  return allowed.includes(code) ? null : { signature: `${command}: exit ${code}`, detail: err };
}

/** What went wrong on one case (null: nothing): the signature names the place, for grouping. */
export interface FuzzFailure {
  readonly signature: string;
  readonly detail: string;
}

export function runCase(c: FuzzCase): FuzzFailure | null {
  const dir = mkdtempSync(join(tmpdir(), 'meshsim-fuzz-'));
  try {
    const file = join(dir, 'mesh.yaml');
    writeFileSync(file, c.manifests);
    const batch = join(dir, 'batch.jsonl');
    writeFileSync(batch, c.batch);
    const run = (args: readonly string[]) => {
      let out = '';
      let err = '';
      const code = main([...args], { out: (t) => { out += t; }, err: (t) => { err += t; } });
      return { code, out, err };
    };
    for (const args of [['validate', file], ['probe', file, ...c.probe], ['probe', file, '--batch', batch]]) {
      const first = run(args);
      const wrong = judgeExit(args[0]!, first.code, first.err, [0, 1, 2]);
      if (wrong !== null) return wrong;
      const second = run(args);
      if (second.code !== first.code || second.out !== first.out || second.err !== first.err) {
        return { signature: `${args[0]}: not deterministic`, detail: `${first.out}\n---\n${second.out}` };
      }
    }
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One step smaller: without one manifest document, one batch line, or the probe's header. */
export function shrinkMeshCase(c: FuzzCase): FuzzCase[] {
  const out: FuzzCase[] = [];
  const documents = c.manifests.split(/^---\n/m);
  for (let i = 0; i < documents.length && documents.length > 1; i += 1) out.push({ ...c, manifests: documents.filter((_, j) => j !== i).join('---\n') });
  const lines = c.batch.split('\n').filter((l) => l !== '');
  for (let i = 0; i < lines.length && lines.length > 1; i += 1) out.push({ ...c, batch: `${lines.filter((_, j) => j !== i).join('\n')}\n` });
  const header = c.probe.indexOf('-H');
  if (header >= 0) out.push({ ...c, probe: c.probe.filter((_, j) => j !== header && j !== header + 1) });
  return out;
}
