// Virtual-host and route selection in a sidecar's outbound RouteConfiguration, as the control plane
// builds it for a mesh of 100 and of 1,000 services.
//
// Job: take the `8080` RouteConfiguration of a sidecar of the generated mesh (one virtual host per
// service plus the `*` allow_any host) and time `selectVirtualHost(config, authority)` and then
// `selectRoute(virtualHost.routes, request)` for a host at the start, the middle and the end of the
// table, and for a miss (a host no service has: it falls to `*`).
//
// Invariants: the authorities are written as a client in another namespace writes them
// (`svc-0500.ns-00:8080`); every call is checked once before timing (the expected virtual host is
// found, a route is selected), so a change that breaks matching fails the run instead of timing
// the wrong path. 10,000 (virtual host) or 40,000 (route) lookups per timed call: a few ms, well
// above the CPU clock's 1 µs.
//
// Not modelled: tables with wildcard domains or many routes per virtual host (generated services
// have one default route), header and query matching cost, regex paths.
import { selectRoute, selectVirtualHost } from '../../sim/index.ts';
import type { HttpRequest, RouteConfiguration } from '../../sim/index.ts';
import { generatedMesh, sidecarPod, SERVICE_PORT } from './generated-mesh.ts';
import type { MicroGroup, MicroSuite, MicroTask } from './micro-suite.ts';

/** Lookups per timed call: a few ms each (a virtual-host lookup costs about 4x a route match). */
const VHOST_LOOKUPS_PER_CALL = 10_000;
const ROUTE_LOOKUPS_PER_CALL = 40_000;
export const ROUTE_SERVICE_COUNTS: readonly number[] = [100, 1000];
const POSITIONS = ['start', 'middle', 'end', 'miss'] as const;

function requestFor(authority: string): HttpRequest {
  return { method: 'GET', scheme: 'http', authority, path: '/api/items?page=2', headers: { 'user-agent': 'perf' } };
}

/** `svc-0500.ns-00.svc.cluster.local:8080` → `svc-0500.ns-00:8080`. */
function shortAuthority(virtualHostName: string): string {
  const [host = ''] = virtualHostName.split(':');
  return `${host.split('.').slice(0, 2).join('.')}:${SERVICE_PORT}`;
}

function routeConfigOf(services: number): RouteConfiguration {
  const mesh = generatedMesh(services);
  const config = mesh.proxyConfig(sidecarPod(mesh))?.routes[String(SERVICE_PORT)];
  if (config === undefined) throw new Error(`no ${SERVICE_PORT} RouteConfiguration in the sidecar of the ${services}-service mesh`);
  return config;
}

function routeGroup(services: number): MicroGroup {
  return {
    name: `route-select/${services}-svc`,
    taskNames: [...POSITIONS.map((p) => `vhost-${p}`), ...POSITIONS.map((p) => `route-${p}`)],
    prepare(): MicroTask[] {
      const config = routeConfigOf(services);
      const serviceHosts = config.virtualHosts.filter((vh) => !vh.domains.includes('*'));
      const at = { start: 0, middle: serviceHosts.length >> 1, end: serviceHosts.length - 1 };
      const targets = POSITIONS.map((position) => {
        const expected = position === 'miss' ? config.virtualHosts.find((vh) => vh.domains.includes('*')) : serviceHosts[at[position]];
        if (expected === undefined) throw new Error(`route-select/${services}: no virtual host for ${position}`);
        const authority = position === 'miss' ? `not-a-service.example.com:${SERVICE_PORT}` : shortAuthority(expected.name);
        const request = requestFor(authority);
        const found = selectVirtualHost(config, authority);
        if (found !== expected) throw new Error(`route-select/${services}: ${authority} selected ${found?.name ?? 'nothing'}, expected ${expected.name}`);
        if (selectRoute(found.routes, request) === null) throw new Error(`route-select/${services}: no route for ${authority}`);
        return { position, authority, request, routes: found.routes };
      });
      const note = (what: string, authority: string): string => `${what} in ${config.virtualHosts.length} virtual hosts, ${authority}`;
      const unit = { kind: 'time', unit: 'ns/op' } as const;
      return [
        ...targets.map(({ position, authority }): MicroTask => ({
          name: `vhost-${position}`, ops: VHOST_LOOKUPS_PER_CALL, report: unit, note: note('selectVirtualHost', authority),
          run: () => {
            let hits = 0;
            for (let i = 0; i < VHOST_LOOKUPS_PER_CALL; i += 1) if (selectVirtualHost(config, authority) !== null) hits += 1;
            return hits;
          },
        })),
        ...targets.map(({ position, authority, request, routes }): MicroTask => ({
          name: `route-${position}`, ops: ROUTE_LOOKUPS_PER_CALL, report: unit, note: note('selectRoute in the selected host', authority),
          run: () => {
            let hits = 0;
            for (let i = 0; i < ROUTE_LOOKUPS_PER_CALL; i += 1) if (selectRoute(routes, request) !== null) hits += 1;
            return hits;
          },
        })),
      ];
    },
  };
}

export const routeSelectionSuite: MicroSuite = {
  name: 'route-select',
  groups: () => ROUTE_SERVICE_COUNTS.map(routeGroup),
};
