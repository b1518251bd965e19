/**
 * What `istioctl install --set profile=<name>` puts in the cluster, as manifests, so a mesh built from a
 * user's files alone looks like a cluster with Istio installed: the root namespace, istiod, and the
 * gateways the profile deploys (the bookinfo Gateway's `istio: ingressgateway` selector finds its pods).
 *
 * Profiles: `default` (istiod + ingress gateway), `demo` (+ egress gateway), `minimal` (istiod only),
 * `none` (nothing: the user's files describe the control plane themselves).
 *
 * Not modelled: HPA, PDB, RBAC, webhooks and ConfigMaps of the install; gateway resource requests.
 */
import type { ManifestSource } from './parse-manifests.ts';

export const INSTALL_PROFILES = ['default', 'demo', 'minimal', 'none'] as const;
export type InstallProfile = (typeof INSTALL_PROFILES)[number];

export function installManifests(profile: InstallProfile, rootNamespace: string): ManifestSource | null {
  if (profile === 'none') return null;
  const parts = [namespace(rootNamespace), istiod(rootNamespace)];
  if (profile === 'default' || profile === 'demo') {
    parts.push(gateway(rootNamespace, 'istio-ingressgateway', 'ingressgateway', 'LoadBalancer', true));
  }
  if (profile === 'demo') parts.push(gateway(rootNamespace, 'istio-egressgateway', 'egressgateway', 'ClusterIP', false));
  return { path: `<istio ${profile} profile>`, text: parts.join('---\n') };
}

function namespace(ns: string): string {
  return `apiVersion: v1
kind: Namespace
metadata:
  name: ${ns}
`;
}

function istiod(ns: string): string {
  return `apiVersion: v1
kind: ServiceAccount
metadata: {name: istiod, namespace: ${ns}}
---
apiVersion: v1
kind: Service
metadata: {name: istiod, namespace: ${ns}, labels: {app: istiod, istio: pilot}}
spec:
  selector: {app: istiod, istio: pilot}
  ports:
  - {name: grpc-xds, port: 15010, targetPort: 15010}
  - {name: https-dns, port: 15012, targetPort: 15012}
  - {name: https-webhook, port: 443, targetPort: 15017}
  - {name: http-monitoring, port: 15014, targetPort: 15014}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: istiod, namespace: ${ns}, labels: {app: istiod, istio: pilot}}
spec:
  selector: {matchLabels: {istio: pilot}}
  template:
    metadata:
      labels: {app: istiod, istio: pilot}
      annotations: {sidecar.istio.io/inject: "false"}
    spec:
      serviceAccountName: istiod
      containers:
      - name: discovery
        image: docker.io/istio/pilot
        ports:
        - {containerPort: 8080}
        - {containerPort: 15010}
        - {containerPort: 15017}
`;
}

function gateway(ns: string, name: string, istioLabel: string, type: string, ingress: boolean): string {
  const status = ingress ? '  - {name: status-port, port: 15021, targetPort: 15021}\n' : '';
  return `apiVersion: v1
kind: ServiceAccount
metadata: {name: ${name}-service-account, namespace: ${ns}}
---
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${ns}, labels: {app: ${name}, istio: ${istioLabel}}}
spec:
  type: ${type}
  selector: {app: ${name}, istio: ${istioLabel}}
  ports:
${status}  - {name: http2, port: 80, targetPort: 8080}
  - {name: https, port: 443, targetPort: 8443}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}, labels: {app: ${name}, istio: ${istioLabel}}}
spec:
  selector: {matchLabels: {app: ${name}, istio: ${istioLabel}}}
  template:
    metadata:
      labels: {app: ${name}, istio: ${istioLabel}, sidecar.istio.io/inject: "false", service.istio.io/canonical-name: ${name}}
    spec:
      serviceAccountName: ${name}-service-account
      containers:
      - name: istio-proxy
        image: auto
        args: [proxy, router]
        ports:
        - {containerPort: 15021, protocol: TCP}
        - {containerPort: 8080, protocol: TCP}
        - {containerPort: 8443, protocol: TCP}
`;
}
