// Per-proxy config generation, istiod's hot path: a PushContext from the ConfigStore, then one
// sidecar's complete config from it, in meshes of 100 and 1,000 services.
//
// Job: time `pushContextFromStore(store, topology, mesh)` alone, and `generateProxyConfig(push,
// proxy)` for one sidecar from a fresh PushContext (a new snapshot has an empty memo, so nothing is
// shared from an earlier proxy: the cost of the first proxy after a full push). Print Istio's own
// route-generation figure beside ours for 100 services.
//
// Invariants: the fresh PushContext is built untimed before every timed generation, on a collected
// heap (a generation allocates megabytes; a major GC owed by an earlier one would land in it); the config is
// checked once before timing (it has listeners and the 8080 RouteConfiguration with every service).
//
// Not modelled: the steady state where the memo is warm (proxies of one namespace after the first
// share their outbound config); serialisation to xDS bytes (Istio's figures include marshalling);
// gateways.
import { generateProxyConfig, proxyIdentityOf, pushContextFromStore } from '../../sim/index.ts';
import { generatedMesh, sidecarPod, SERVICE_PORT } from './generated-mesh.ts';
import type { MicroGroup, MicroSuite, MicroTask, Reference } from './micro-suite.ts';

export const CONFIG_SERVICE_COUNTS: readonly number[] = [100, 1000];
/** PushContexts per timed call: about 4,000 services' worth, a few ms. */
const PUSH_CONTEXT_SERVICES_PER_CALL = 4000;

/** Istio's figure, from its own benchmark on other hardware: printed, never compared. */
export const ISTIO_ROUTE_GENERATION_100: Reference = {
  value: 330,
  unit: 'µs/op',
  text: 'Istio BenchmarkRouteGeneration/http (100 services, RDS only) ≈330 µs/op: Istio\'s figure from its own Go ' +
    'benchmark (pilot/pkg/xds/bench_test.go) on other hardware (16 cores, Dec 2024, istio/istio#54425); ours is the ' +
    'whole sidecar config (listeners, routes, clusters, endpoints, security) from a cold PushContext. Not comparable in absolute terms.',
};

function configGroup(services: number): MicroGroup {
  return {
    name: `config-gen/${services}-svc`,
    taskNames: ['push-context', 'sidecar-config'],
    prepare(): MicroTask[] {
      const mesh = generatedMesh(services);
      const proxy = proxyIdentityOf(sidecarPod(mesh));
      const fresh = () => pushContextFromStore(mesh.store, mesh.topology, mesh.push.mesh);
      const check = generateProxyConfig(fresh(), proxy);
      const vhosts = check.routes[String(SERVICE_PORT)]?.virtualHosts.length ?? 0;
      if (check.listeners.length === 0 || vhosts < services) {
        throw new Error(`config-gen/${services}: ${check.listeners.length} listeners, ${vhosts} virtual hosts on ${SERVICE_PORT}`);
      }
      let push = fresh();
      const perCall = Math.max(1, Math.round(PUSH_CONTEXT_SERVICES_PER_CALL / services));
      return [
        {
          name: 'push-context', ops: perCall, report: { kind: 'time', unit: 'µs/op' },
          note: `pushContextFromStore, ${services} services, ${mesh.topology.pods.length} pods`,
          run: () => {
            let n = 0;
            for (let i = 0; i < perCall; i += 1) n += fresh().servicesByHost.size;
            return n;
          },
        },
        {
          name: 'sidecar-config', ops: 1, report: { kind: 'time', unit: 'ms/op' },
          note: `generateProxyConfig for ${proxy.id} from a fresh PushContext (${vhosts} virtual hosts on ${SERVICE_PORT})`,
          before: () => { push = fresh(); },
          collectBefore: true,
          run: () => generateProxyConfig(push, proxy).listeners.length,
          ...(services === 100 ? { reference: ISTIO_ROUTE_GENERATION_100 } : {}),
        },
      ];
    },
  };
}

export const configGenerationSuite: MicroSuite = {
  name: 'config-gen',
  groups: () => CONFIG_SERVICE_COUNTS.map(configGroup),
};
