/**
 * A small injected mesh for run-side tests: `httpbin` (Service port 8000 → 8080) behind a Deployment,
 * a `fortio` client Deployment, and a DestinationRule for httpbin whose `trafficPolicy` body the
 * caller gives (indented four spaces, under `trafficPolicy:`).
 *
 * Invariants: pure; the same arguments give the same text.
 *
 * Not modelled: anything beyond one namespace (`default`, labelled for injection).
 */

export function httpbinManifests(trafficPolicy: string, replicas: { httpbin?: number; fortio?: number } = {}): string {
  return `apiVersion: v1
kind: Namespace
metadata: {name: default, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Service
metadata: {name: httpbin, namespace: default}
spec:
  selector: {app: httpbin}
  ports: [{name: http, port: 8000, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: httpbin, namespace: default}
spec:
  replicas: ${replicas.httpbin ?? 1}
  selector: {matchLabels: {app: httpbin}}
  template:
    metadata: {labels: {app: httpbin}}
    spec: {containers: [{name: h, image: httpbin, ports: [{containerPort: 8080}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: fortio, namespace: default}
spec:
  replicas: ${replicas.fortio ?? 1}
  selector: {matchLabels: {app: fortio}}
  template:
    metadata: {labels: {app: fortio}}
    spec: {containers: [{name: f, image: fortio}]}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: httpbin, namespace: default}
spec:
  host: httpbin
  trafficPolicy:
${trafficPolicy}
`;
}
