// Fields of Istio's current CRDs (manifests/charts/base/files/crd-all.gen.yaml) that the bundled schemas
// predate are accepted (kinds.ts NEWER_FIELDS), at every place the CRD has them; a misspelt one is still
// an unknown field.
import test from 'ava';
import { loadManifests } from './load-resources.ts';

const unknownFields = (text: string) => loadManifests([{ path: 'x.yaml', text }]).diagnostics.filter((d) => d.code === 'MS0103').map((d) => d.message);

test('DestinationRule: HTTP/2 keepalive, backend utilization, zone-aware LB, outlier HTTP error codes and the retry budget interval, top level, per subset and per port', (t) => {
  const policy = `{connectionPool: {http: {http2KeepAlive: {time: 10s}}}, loadBalancer: {simple: ROUND_ROBIN, zoneAwareLbSetting: {}}, outlierDetection: {outlierDetectionHttpErrorCodes: [503]}}`;
  t.deepEqual(unknownFields(`apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: r, namespace: default}
spec:
  host: web
  trafficPolicy: ${policy.slice(0, -1)}, portLevelSettings: [{port: {number: 80}, loadBalancer: {backendUtilization: {}}}]}
  subsets: [{name: v1, labels: {v: "1"}, trafficPolicy: ${policy}}]
`), []);
  t.deepEqual(unknownFields('apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: r, namespace: default}\nspec:\n  host: web\n  trafficPolicy: {connectionPool: {http: {http2KeepAlives: {}}}}\n'),
    ['spec.trafficPolicy.connectionPool.http.http2KeepAlives is not a DestinationRule field.']);
});

test('Gateway and Sidecar: server TLS ecdhCurves and insecureSkipVerify; Sidecar inbound HTTP/2 keepalive', (t) => {
  t.deepEqual(unknownFields('apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g, namespace: default}\nspec:\n  selector: {istio: ingressgateway}\n  servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: ["*"], tls: {mode: SIMPLE, credentialName: c, ecdhCurves: [P-256], insecureSkipVerify: false}}]\n'), []);
  t.deepEqual(unknownFields('apiVersion: networking.istio.io/v1\nkind: Sidecar\nmetadata: {name: s, namespace: default}\nspec:\n  inboundConnectionPool: {http: {http2KeepAlive: {time: 5s}}}\n'), []);
});
