import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { parseManifest } from './parse-manifests.ts';
import { KINDS, isKindName, splitApiVersion } from './kinds.ts';
import type { SchemaValidator } from './kinds.ts';
import { checkSchema, describeValue, fromPointer, toPointer } from './schema-check.ts';
import type { SchemaFinding } from './schema-check.ts';

/** The one document of a YAML string, as parse-manifests reads it. */
function documentOf(text: string): Record<string, unknown> {
  const { documents, diagnostics } = parseManifest({ path: 'test.yaml', text });
  if (diagnostics.length > 0 || documents.length !== 1) throw new Error(`fixture does not parse: ${JSON.stringify(diagnostics)}`);
  return documents[0]!.value as Record<string, unknown>;
}

function validatorFor(document: Readonly<Record<string, unknown>>): SchemaValidator {
  const kind = String(document['kind']);
  if (!isKindName(kind)) throw new Error(`not a kind meshsim reads: ${kind}`);
  const validate = KINDS[kind].versions[splitApiVersion(String(document['apiVersion'])).version];
  if (validate === undefined) throw new Error(`no validator for ${String(document['apiVersion'])}`);
  return validate;
}

function check(text: string): SchemaFinding[] {
  const document = documentOf(text);
  return checkSchema(validatorFor(document), document);
}

const brief = (findings: readonly SchemaFinding[]) => findings.map((f) => [f.kind, f.path.join('/'), f.message]);

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

// ---- unknown fields (kubectl apply's strict field validation rejects them) ----

test('unknown field: a misspelt top-level spec field is reported at its exact path', (t) => {
  const findings = check(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hostz: [reviews]
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews}
`);
  t.deepEqual(brief(findings), [['unknownField', 'spec/hostz', 'is not a field of this kind']]);
  t.deepEqual(findings[0]!.path, ['spec', 'hostz']);
});

test('unknown field: deep inside lists the path carries the indexes', (t) => {
  const findings = check(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
      weight: 90
    - destination: {host: reviews, subsett: v2}
      weight: 10
`);
  t.deepEqual(findings.map((f) => f.path), [['spec', 'http', 0, 'route', 1, 'destination', 'subsett']]);
  t.is(findings[0]!.kind, 'unknownField');
});

test('unknown field: in a Deployment pod template (container port and probe), each at its own path', (t) => {
  const findings = check(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: web:1
        ports: [{containerPort: 8080, protocl: TCP}]
        readinessProbe:
          httpGet: {path: /, port: 8080, shceme: HTTP}
`);
  t.deepEqual(findings.map((f) => [f.kind, f.path]), [
    ['unknownField', ['spec', 'template', 'spec', 'containers', 0, 'ports', 0, 'protocl']],
    ['unknownField', ['spec', 'template', 'spec', 'containers', 0, 'readinessProbe', 'httpGet', 'shceme']],
  ]);
});

test('unknown field: at the top level of the document and under metadata', (t) => {
  const findings = check(`apiVersion: v1
kind: Pod
metadata: {name: p, labelz: {app: p}}
specc: {}
`);
  t.deepEqual(findings.map((f) => f.path), [['specc'], ['metadata', 'labelz']]);
});

test('unknown field: an unknown key is not descended into, so one typo gives one finding', (t) => {
  const findings = check(`apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews}
spec:
  host: reviews
  trafficPolicyy:
    loadBalancer: {simple: ROUND_ROBIN, bogus: 1}
    alsoBogus: {deeper: true}
`);
  t.deepEqual(brief(findings), [['unknownField', 'spec/trafficPolicyy', 'is not a field of this kind']]);
});

test('status belongs to the cluster: unknown fields under status are not reported', (t) => {
  const findings = check(`apiVersion: v1
kind: Service
metadata: {name: s}
spec:
  ports: [{port: 80}]
status:
  loadBalancer: {ingress: [{ip: 1.2.3.4}]}
  madeUp: {anything: 1}
`);
  t.deepEqual(findings, []);
});

test('annotation and label keys with "/" (and "~") are map keys, not unknown fields (JSON pointer escaping)', (t) => {
  const findings = check(`apiVersion: v1
kind: Service
metadata:
  name: s
  labels: {app.kubernetes.io/name: s, example.com/tilde~key: x}
  annotations:
    networking.istio.io/exportTo: "."
    kubectl.kubernetes.io/last-applied-configuration: "{}"
    a~b/c~1d: "escaped both ways"
spec:
  selector: {app.kubernetes.io/name: s}
  ports: [{port: 80}]
`);
  t.deepEqual(findings, []);
});

test('a map with numeric keys (PeerAuthentication portLevelMtls) gives no unknown fields, but a typo inside does', (t) => {
  const good = check(`apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: p}
spec:
  selector: {matchLabels: {app: a}}
  mtls: {mode: STRICT}
  portLevelMtls:
    8080: {mode: PERMISSIVE}
    9090: {mode: DISABLE}
`);
  t.deepEqual(good, []);
  const bad = check(`apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: p}
spec:
  selector: {matchLabels: {app: a}}
  portLevelMtls:
    8080: {mod: PERMISSIVE}
`);
  t.deepEqual(bad.map((f) => [f.kind, f.path]), [['unknownField', ['spec', 'portLevelMtls', '8080', 'mod']]]);
});

// ---- no false unknowns on realistic manifests ----

for (const [label, text] of realisticManifests()) {
  test(`no findings on a realistic, valid ${label}`, (t) => {
    t.deepEqual(brief(check(text)), []);
  });
}

test('Istio kinds: every served version (v1, v1beta1, v1alpha3) accepts the same realistic spec (one proto, several versions)', (t) => {
  let checked = 0;
  for (const [label, text] of realisticManifests()) {
    const document = documentOf(text);
    const kind = String(document['kind']);
    if (!isKindName(kind) || !KINDS[kind].group.endsWith('istio.io')) continue;
    for (const [version, validate] of Object.entries(KINDS[kind].versions)) {
      const versioned = { ...document, apiVersion: `${KINDS[kind].group}/${version}` };
      t.deepEqual(brief(checkSchema(validate, versioned)), [], `${label} as ${version}`);
      checked += 1;
    }
  }
  t.true(checked >= 25);
});

test('checkSchema never mutates the document (a deep-frozen document is checked without a throw)', (t) => {
  for (const [label, text] of realisticManifests()) {
    const document = documentOf(text);
    const before = JSON.stringify(document);
    const frozen = deepFreeze(structuredClone(document));
    t.notThrows(() => checkSchema(validatorFor(frozen), frozen), label);
    t.is(JSON.stringify(frozen), before, label);
  }
});

// ---- wrong type, enum, required, oneOf ----

test('wrong type: the message names the wanted type and describes the value given', (t) => {
  const findings = check(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: a}
spec:
  hosts: a
  http:
  - route:
    - destination: {host: a}
      weight: "80"
    timeout: 5
`);
  t.deepEqual(brief(findings), [
    ['wrongType', 'spec/hosts', 'must be an array, not the string "a"'],
    ['wrongType', 'spec/http/0/route/0/weight', 'must be an integer, not the string "80"'],
    ['wrongType', 'spec/http/0/timeout', 'must be a string, not the integer 5'],
  ]);
});

test('wrong type on an int-or-string field (Service targetPort) names both types the oneOf allows', (t) => {
  const findings = check(`apiVersion: v1
kind: Service
metadata: {name: s}
spec:
  ports:
  - {port: 80, targetPort: true}
  - {port: 81, targetPort: 1.5}
`);
  t.deepEqual(brief(findings), [
    ['wrongType', 'spec/ports/0/targetPort', 'must be a string or an integer, not the boolean true'],
    ['wrongType', 'spec/ports/1/targetPort', 'must be a string or an integer, not the number 1.5'],
  ]);
});

test('a mapping where a scalar is wanted gives only the wrong-type finding, no unknown fields inside it (one mistake, one finding)', (t) => {
  const findings = check(`apiVersion: v1
kind: Service
metadata: {name: s}
spec:
  ports:
  - {port: 80, targetPort: {a: 1}}
`);
  t.deepEqual(brief(findings), [['wrongType', 'spec/ports/0/targetPort', 'must be a string or an integer, not a mapping']]);
});

test('invalid enum: the message quotes the value and lists the allowed values (case-sensitive)', (t) => {
  const findings = check(`apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: a}
spec:
  host: a
  trafficPolicy:
    tls: {mode: istio_mutual}
`);
  t.deepEqual(brief(findings), [
    ['invalidEnum', 'spec/trafficPolicy/tls/mode', 'is the string "istio_mutual"; allowed values are DISABLE, SIMPLE, MUTUAL, ISTIO_MUTUAL'],
  ]);
  const pa = check(`apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: p}
spec: {mtls: {mode: strict}}
`);
  t.deepEqual(pa.map((f) => [f.kind, f.path.join('/')]), [['invalidEnum', 'spec/mtls/mode']]);
  t.regex(pa[0]!.message, /allowed values are UNSET, DISABLE, PERMISSIVE, STRICT$/);
});

test('invalid enum on a Kubernetes field (Service type)', (t) => {
  const findings = check(`apiVersion: v1
kind: Service
metadata: {name: s}
spec:
  type: Headless
  ports: [{port: 80}]
`);
  t.deepEqual(brief(findings), [['invalidEnum', 'spec/type', 'is the string "Headless"; allowed values are ClusterIP, ExternalName, LoadBalancer, NodePort']]);
});

test('missing required field: reported on the object that lacks it, naming the field', (t) => {
  const dr = check(`apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: b}
spec:
  trafficPolicy: {}
`);
  t.deepEqual(brief(dr), [['missingField', 'spec', 'is missing the required field "host"']]);
  const service = check(`apiVersion: v1
kind: Service
metadata: {name: s}
spec:
  ports:
  - {name: http, port: 80}
  - {name: metrics}
`);
  t.deepEqual(brief(service), [['missingField', 'spec/ports/1', 'is missing the required field "port"']]);
  const gateway = check(`apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: g}
spec:
  servers:
  - port: {number: 80, protocol: HTTP}
    hosts: ["*"]
`);
  t.deepEqual(brief(gateway), [['missingField', 'spec/servers/0/port', 'is missing the required field "name"']]);
});

test('oneOf: two members of a proto oneof set together is one constraint finding naming both', (t) => {
  const uri = check(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: a}
spec:
  hosts: [a]
  http:
  - match:
    - uri: {prefix: /a, exact: /b}
    route:
    - destination: {host: a}
`);
  t.deepEqual(brief(uri), [['constraint', 'spec/http/0/match/0/uri', 'sets fields that exclude each other (prefix, exact); set only one of them']]);
  const lb = check(`apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: lb}
spec:
  host: a
  trafficPolicy:
    loadBalancer: {simple: ROUND_ROBIN, consistentHash: {httpHeaderName: x}}
`);
  t.deepEqual(brief(lb), [['constraint', 'spec/trafficPolicy/loadBalancer', 'sets fields that exclude each other (simple, consistentHash); set only one of them']]);
});

test('several problems in one document are all reported', (t) => {
  const findings = check(`apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  replicas: two
  selector: {matchLabels: {app: d}}
  template:
    metadata: {labels: {app: d}}
    spec:
      containers:
      - {name: c, image: i, imagePullPolicy: Sometimes, portz: []}
`);
  t.deepEqual(findings.map((f) => f.kind).sort(), ['invalidEnum', 'unknownField', 'wrongType']);
});


// ---- helpers ----

test('describeValue names each JSON type the way messages use it', (t) => {
  t.is(describeValue('x'), 'the string "x"');
  t.is(describeValue(3), 'the integer 3');
  t.is(describeValue(0.5), 'the number 0.5');
  t.is(describeValue(false), 'the boolean false');
  t.is(describeValue(null), 'empty (null)');
  t.is(describeValue([]), 'a list');
  t.is(describeValue({}), 'a mapping');
});

test('toPointer escapes "~" as ~0 and "/" as ~1 (RFC 6901)', (t) => {
  t.is(toPointer(['metadata', 'annotations', 'a/b~c']), '/metadata/annotations/a~1b~0c');
  t.is(toPointer(['spec', 'http', 0, 'route']), '/spec/http/0/route');
  t.is(toPointer([]), '');
});

test('fromPointer turns array indexes into numbers only inside arrays (a map key "0" stays a string)', (t) => {
  const document = { spec: { http: [{ route: [] }], portLevelMtls: { '0': {} } } };
  t.deepEqual(fromPointer('/spec/http/0/route', document), ['spec', 'http', 0, 'route']);
  t.deepEqual(fromPointer('/spec/portLevelMtls/0', document), ['spec', 'portLevelMtls', '0']);
  t.deepEqual(fromPointer('', document), []);
});

const segment = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('a/b', '~', '~1', '/', '0'));

testProp('fromPointer inverts toPointer over map keys with any characters', [fc.array(segment, { maxLength: 5 })], (t, keys) => {
  const document: Record<string, unknown> = {};
  let node = document;
  for (const key of keys) {
    const child: Record<string, unknown> = {};
    node[key] = child;
    node = child;
  }
  t.deepEqual(fromPointer(toPointer(keys), document), keys);
});

// ---- fixtures ----

/**
 * Realistic manifests, one or more per kind, written the way users and tools write them (bookinfo-like,
 * with the fields real charts set). They catch false positives of the unknown-field probe.
 */
function realisticManifests(): readonly (readonly [string, string])[] {
  return [
    ['VirtualService reviews', `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
  namespace: bookinfo
  labels: {app: reviews}
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: "{}"
    meta.helm.sh/release-name: bookinfo
spec:
  hosts: [reviews, reviews.example.com]
  gateways: [mesh, istio-system/bookinfo-gateway]
  exportTo: ["."]
  http:
  - name: canary
    match:
    - uri: {prefix: /api/v1}
      headers:
        end-user: {exact: jason}
        x-debug: {regex: "^on$"}
      queryParams:
        test: {exact: "1"}
      method: {exact: GET}
      ignoreUriCase: true
      withoutHeaders:
        x-skip: {exact: "yes"}
      sourceLabels: {app: productpage}
      port: 9080
    - uri: {exact: /healthz}
    rewrite: {uri: /v1}
    route:
    - destination:
        host: reviews
        subset: v2
        port: {number: 9080}
      weight: 80
      headers:
        request:
          set: {x-version: v2}
        response:
          remove: [x-internal]
    - destination: {host: reviews, subset: v1}
      weight: 20
    timeout: 5s
    retries:
      attempts: 3
      perTryTimeout: 2s
      retryOn: gateway-error,connect-failure,refused-stream
      retryRemoteLocalities: true
    fault:
      delay: {percentage: {value: 10}, fixedDelay: 5s}
      abort: {percentage: {value: 1.5}, httpStatus: 503}
    mirror: {host: reviews, subset: v3}
    mirrorPercentage: {value: 5}
    corsPolicy:
      allowOrigins: [{exact: "https://example.com"}]
      allowMethods: [GET, POST]
      allowHeaders: [authorization]
      exposeHeaders: [x-request-id]
      maxAge: 24h
      allowCredentials: true
    headers:
      request:
        add: {x-b3: "1"}
  - match:
    - uri: {prefix: /old}
    redirect: {uri: /new, authority: example.com, redirectCode: 301}
  - directResponse:
      status: 503
      body: {string: "unavailable"}
  - route:
    - destination: {host: reviews, subset: v1}
  tcp:
  - match:
    - port: 3306
    route:
    - destination: {host: mysql, port: {number: 3306}}
  tls:
  - match:
    - port: 443
      sniHosts: [reviews.example.com]
    route:
    - destination: {host: reviews, port: {number: 443}}
`],
    ['DestinationRule reviews', `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
  namespace: bookinfo
spec:
  host: reviews.bookinfo.svc.cluster.local
  exportTo: ["*"]
  trafficPolicy:
    loadBalancer:
      simple: LEAST_REQUEST
    connectionPool:
      tcp: {maxConnections: 100, connectTimeout: 30ms, tcpKeepalive: {time: 7200s, interval: 75s}}
      http: {http1MaxPendingRequests: 10, http2MaxRequests: 1000, maxRequestsPerConnection: 10, maxRetries: 3, idleTimeout: 1h, h2UpgradePolicy: UPGRADE}
    outlierDetection:
      consecutive5xxErrors: 7
      consecutiveGatewayErrors: 5
      interval: 5m
      baseEjectionTime: 15m
      maxEjectionPercent: 50
    tls: {mode: ISTIO_MUTUAL}
    portLevelSettings:
    - port: {number: 9080}
      loadBalancer:
        consistentHash:
          httpHeaderName: x-user
  subsets:
  - name: v1
    labels: {version: v1}
  - name: v2
    labels: {version: v2}
    trafficPolicy:
      loadBalancer: {simple: ROUND_ROBIN}
  - name: v3
    labels: {version: v3}
    trafficPolicy:
      tls:
        mode: SIMPLE
        sni: reviews.example.com
        credentialName: reviews-cert
`],
    ['Gateway bookinfo-gateway', `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: bookinfo-gateway
  namespace: istio-system
spec:
  selector:
    istio: ingressgateway
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
    tls: {httpsRedirect: true}
  - port: {number: 443, name: https-443, protocol: HTTPS}
    hosts: ["bookinfo/*.example.com"]
    tls:
      mode: SIMPLE
      credentialName: bookinfo-cert
      minProtocolVersion: TLSV1_2
  - port: {number: 15443, name: tls, protocol: TLS}
    hosts: ["*.local"]
    tls: {mode: AUTO_PASSTHROUGH}
`],
    ['ServiceEntry external-api', `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: external-api
  namespace: bookinfo
spec:
  hosts: [api.example.com]
  addresses: [240.0.0.1]
  location: MESH_EXTERNAL
  resolution: STATIC
  exportTo: [".", istio-system]
  ports:
  - number: 443
    name: https
    protocol: TLS
  - number: 80
    name: http
    protocol: HTTP
    targetPort: 8080
  endpoints:
  - address: 1.2.3.4
    ports: {https: 8443}
    labels: {zone: a}
    locality: us-east1/us-east1-b
    weight: 10
  - address: 1.2.3.5
  subjectAltNames: ["spiffe://cluster.local/ns/bookinfo/sa/api"]
`],
    ['ServiceEntry vm', `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: vm
  namespace: bookinfo
spec:
  hosts: [vm.bookinfo.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 9080, name: http, protocol: HTTP}]
  workloadSelector:
    labels: {app: vm}
`],
    ['Sidecar default', `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: default
  namespace: bookinfo
spec:
  workloadSelector:
    labels: {app: reviews}
  ingress:
  - port: {number: 9080, protocol: HTTP, name: http}
    defaultEndpoint: 127.0.0.1:9080
  egress:
  - port: {number: 80, protocol: HTTP, name: egress-http}
    hosts: ["./*", "istio-system/*"]
  - hosts: ["~/*"]
  outboundTrafficPolicy:
    mode: REGISTRY_ONLY
`],
    ['PeerAuthentication default', `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: default
  namespace: bookinfo
spec:
  selector:
    matchLabels: {app: reviews}
  mtls:
    mode: STRICT
  portLevelMtls:
    9080:
      mode: PERMISSIVE
`],
    ['AuthorizationPolicy reviews-viewer', `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: reviews-viewer
  namespace: bookinfo
spec:
  selector:
    matchLabels: {app: reviews}
  action: ALLOW
  rules:
  - from:
    - source:
        principals: ["cluster.local/ns/bookinfo/sa/bookinfo-productpage"]
        namespaces: [bookinfo]
        ipBlocks: [10.0.0.0/8]
        notRequestPrincipals: ["*"]
    to:
    - operation:
        methods: [GET]
        paths: ["/reviews/*"]
        ports: ["9080"]
        hosts: [reviews]
        notPaths: [/admin]
    when:
    - key: request.headers[x-token]
      values: [abc]
    - key: source.ip
      notValues: [10.1.2.3]
`],
    ['AuthorizationPolicy ext-authz', `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: ext-authz
  namespace: bookinfo
spec:
  action: CUSTOM
  provider:
    name: my-ext-authz
  rules:
  - to:
    - operation: {paths: ["/admin/*"]}
`],
    ['RequestAuthentication jwt', `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata:
  name: jwt
  namespace: bookinfo
spec:
  selector:
    matchLabels: {app: reviews}
  jwtRules:
  - issuer: "https://accounts.example.com"
    jwksUri: "https://accounts.example.com/.well-known/jwks.json"
    audiences: [reviews]
    forwardOriginalToken: true
    outputPayloadToHeader: x-jwt-payload
    fromHeaders:
    - name: x-jwt
      prefix: "Bearer "
    fromParams: [access_token]
    outputClaimToHeaders:
    - header: x-sub
      claim: sub
`],
    ['Deployment reviews-v1', `apiVersion: apps/v1
kind: Deployment
metadata:
  name: reviews-v1
  namespace: bookinfo
  labels: {app: reviews, version: v1}
  annotations:
    deployment.kubernetes.io/revision: "1"
spec:
  replicas: 2
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 25%, maxUnavailable: 0}
  selector:
    matchLabels: {app: reviews, version: v1}
  template:
    metadata:
      labels: {app: reviews, version: v1}
      annotations:
        sidecar.istio.io/inject: "true"
        proxy.istio.io/config: |
          holdApplicationUntilProxyStarts: true
        prometheus.io/scrape: "true"
    spec:
      serviceAccountName: bookinfo-reviews
      terminationGracePeriodSeconds: 30
      securityContext: {runAsUser: 1000, runAsNonRoot: true, fsGroup: 2000}
      nodeSelector: {kubernetes.io/os: linux}
      tolerations:
      - {key: dedicated, operator: Equal, value: mesh, effect: NoSchedule}
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            podAffinityTerm:
              labelSelector:
                matchExpressions:
                - {key: app, operator: In, values: [reviews]}
              topologyKey: kubernetes.io/hostname
      initContainers:
      - name: init
        image: busybox:1.36
        command: [sh, -c, "echo init"]
      containers:
      - name: reviews
        image: docker.io/istio/examples-bookinfo-reviews-v1:1.20.1
        imagePullPolicy: IfNotPresent
        args: ["--port", "9080"]
        env:
        - name: LOG_DIR
          value: /tmp/logs
        - name: POD_NAME
          valueFrom:
            fieldRef: {fieldPath: metadata.name}
        - name: PASSWORD
          valueFrom:
            secretKeyRef: {name: db, key: password, optional: true}
        - name: MEM
          valueFrom:
            resourceFieldRef: {resource: limits.memory, divisor: 1Mi}
        envFrom:
        - configMapRef: {name: reviews-config}
        ports:
        - name: http
          containerPort: 9080
          protocol: TCP
        resources:
          requests: {cpu: 100m, memory: 128Mi}
          limits: {cpu: "1", memory: 1Gi}
        readinessProbe:
          httpGet: {path: /health, port: http, scheme: HTTP, httpHeaders: [{name: X-Probe, value: "1"}]}
          initialDelaySeconds: 5
          periodSeconds: 10
          timeoutSeconds: 1
          successThreshold: 1
          failureThreshold: 3
        livenessProbe:
          tcpSocket: {port: 9080}
          periodSeconds: 20
        startupProbe:
          exec: {command: [cat, /tmp/ready]}
          failureThreshold: 30
        lifecycle:
          preStop:
            exec: {command: [sleep, "5"]}
        volumeMounts:
        - name: tmp
          mountPath: /tmp
        - name: config
          mountPath: /etc/config
          readOnly: true
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities: {drop: [ALL]}
      volumes:
      - name: tmp
        emptyDir: {medium: Memory, sizeLimit: 64Mi}
      - name: config
        configMap:
          name: reviews-config
          items: [{key: app.yaml, path: app.yaml}]
          defaultMode: 420
      - name: secret
        secret: {secretName: reviews-tls}
      - name: data
        persistentVolumeClaim: {claimName: reviews-data}
      - name: projected
        projected:
          sources:
          - serviceAccountToken: {path: token, expirationSeconds: 3600, audience: istio-ca}
`],
    ['Deployment from kubectl create --dry-run=client -o yaml (null timestamps, empty strategy and resources)', `apiVersion: apps/v1
kind: Deployment
metadata:
  creationTimestamp: null
  labels:
    app: x
  name: x
spec:
  replicas: 1
  selector:
    matchLabels:
      app: x
  strategy: {}
  template:
    metadata:
      creationTimestamp: null
      labels:
        app: x
    spec:
      containers:
      - image: nginx
        name: nginx
        resources: {}
status: {}
`],
    ['Service reviews', `apiVersion: v1
kind: Service
metadata:
  name: reviews
  namespace: bookinfo
  labels: {app: reviews, service: reviews}
  annotations:
    networking.istio.io/exportTo: "."
    service.beta.kubernetes.io/aws-load-balancer-type: nlb
spec:
  type: ClusterIP
  selector: {app: reviews}
  sessionAffinity: None
  ipFamilyPolicy: SingleStack
  ipFamilies: [IPv4]
  internalTrafficPolicy: Cluster
  ports:
  - name: http
    port: 9080
    targetPort: http
    protocol: TCP
    appProtocol: http
  - name: grpc-web
    port: 9090
    targetPort: 9090
`],
    ['Service ingress', `apiVersion: v1
kind: Service
metadata: {name: ingress, namespace: istio-system}
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  loadBalancerSourceRanges: [10.0.0.0/8]
  selector: {istio: ingressgateway}
  ports:
  - {name: http2, port: 80, targetPort: 8080, nodePort: 31380}
status:
  loadBalancer:
    ingress: [{ip: 172.18.0.100}]
`],
    ['Service db', `apiVersion: v1
kind: Service
metadata: {name: db, namespace: bookinfo}
spec:
  type: ExternalName
  externalName: db.example.com
`],
    ['Pod sleep', `apiVersion: v1
kind: Pod
metadata:
  name: sleep
  namespace: bookinfo
  labels: {app: sleep}
  annotations: {sidecar.istio.io/inject: "false"}
  creationTimestamp: "2024-01-01T00:00:00Z"
  uid: 0b5a4b1c-0000-4000-8000-000000000000
  ownerReferences:
  - {apiVersion: apps/v1, kind: ReplicaSet, name: sleep-7d9c, uid: 1b5a4b1c-0000-4000-8000-000000000000, controller: true}
spec:
  hostNetwork: false
  dnsPolicy: ClusterFirst
  restartPolicy: Always
  containers:
  - name: sleep
    image: curlimages/curl
    command: [/bin/sleep, infinity]
status:
  phase: Running
  podIP: 10.244.1.7
  podIPs: [{ip: 10.244.1.7}]
  conditions:
  - {type: Ready, status: "True"}
`],
    ['Namespace bookinfo', `apiVersion: v1
kind: Namespace
metadata:
  name: bookinfo
  labels:
    istio-injection: enabled
    kubernetes.io/metadata.name: bookinfo
  annotations:
    scheduler.alpha.kubernetes.io/node-selector: env=test
spec:
  finalizers: [kubernetes]
`],
    ['ServiceAccount bookinfo-reviews', `apiVersion: v1
kind: ServiceAccount
metadata:
  name: bookinfo-reviews
  namespace: bookinfo
  labels: {account: reviews}
  annotations:
    eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/reviews
automountServiceAccountToken: false
imagePullSecrets: [{name: regcred}]
secrets: [{name: token}]
`],
    ['StatefulSet db', `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: bookinfo}
spec:
  serviceName: db
  replicas: 3
  podManagementPolicy: Parallel
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
      - name: db
        image: mysql:8
        ports: [{name: mysql, containerPort: 3306}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
`],
    ['DaemonSet agent', `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: kube-system}
spec:
  selector: {matchLabels: {app: agent}}
  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 1}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      hostNetwork: true
      containers:
      - {name: agent, image: agent:1}
`],
    ['WorkloadEntry vm-1', `apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm-1, namespace: bookinfo}
spec:
  address: 10.0.0.50
  labels: {app: vm, version: v1}
  serviceAccount: vm
  network: vm-net
  locality: us-east1/us-east1-b
  weight: 5
  ports: {http: 8080}
`],
  ];
}
