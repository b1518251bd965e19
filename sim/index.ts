/**
 * The simulator's public surface: everything outside sim/ imports from here and nowhere else in sim/.
 */
export type { Diagnostic, ResourceRef, Severity, SourceLocation } from './config/diagnostic.ts';
export { editDistance } from './core/edit-distance.ts';
export { CODES, countBySeverity, formatResourceRef, sortDiagnostics } from './config/diagnostic.ts';
export type { ManifestSource } from './config/parse-manifests.ts';
export { nestingDiagnostic, yamlSyntaxDiagnostic } from './config/parse-manifests.ts';
export { tooDeep } from './config/yaml-depth.ts';
export type { AnyResource, Resource } from './config/resource.ts';
export type { KindName } from './config/kinds.ts';
export { KIND_NAMES } from './config/kinds.ts';
export { loadManifests } from './config/load-resources.ts';
export type { LoadOptions, LoadResult } from './config/load-resources.ts';
export { ConfigStore } from './config/store.ts';
export type { ConfigEvent } from './config/store.ts';
export { validateManifests } from './analysis/validate-manifests.ts';
export type { ValidateOptions, ValidateResult } from './analysis/validate-manifests.ts';
export type { Topology, MeshSettings, ServiceInfo, WorkloadInfo, PodInfo, EndpointInfo, NamespaceInfo, NodeInfo } from './topology/model.ts';
export { MESH_SETTINGS_DEFAULT } from './topology/model.ts';
export { buildTopology } from './topology/build-topology.ts';
export { placePod, podLocality, spreadOrder } from './topology/placement.ts';
export { INSTALL_PROFILES } from './config/install-profile.ts';
export type { InstallProfile } from './config/install-profile.ts';
export { installManifests } from './config/install-profile.ts';
export { buildMesh } from './world/mesh.ts';
export type { Mesh, MeshOptions } from './world/mesh.ts';
export { ProbeSession } from './world/probe.ts';
export type { MeshView } from './world/probe.ts';
export type { ProbeOptions } from './world/probe.ts';
export type { ProbeRequest, ProbeResult, ProbeError, ProbeHop, ProbeDestination, ProbeJwt } from './world/probe-types.ts';
export { Simulation } from './world/simulation.ts';
export type { SimulationOptions } from './world/simulation.ts';
export type { JwtVerifier } from './proxy/jwt.ts';
export type { JwtProvider } from './xds/security.ts';
export { Rng } from './core/prng.ts';
export type { ProxyConfig } from './xds/proxy-config.ts';
export type { RunRecord, RequestCount, LatencyHistogram, PushRecord, ProxyConvergence, ProxySnapshot, TimelineMark, AssertionVerdict, XdsType } from './trace/run-record.ts';
export { REQUEST_DURATION_BUCKETS_MS, CONVERGENCE_BUCKETS_S, DEBOUNCE_BUCKETS_S, pushUpdates } from './trace/run-record.ts';
// Scenarios: the data a run is built from (scenarios/load-scenario.ts reads the YAML into it).
export type { Scenario, PilotSettings, NetworkSettings, DurationTable, TrafficSpec, AppSpec, ResourceKey, FaultSpec, TimelineAction, TimelineStep, AssertionMetric, AssertionSpec } from './world/scenario.ts';
export { PILOT_SETTINGS_DEFAULT, NETWORK_SETTINGS_DEFAULT } from './world/scenario.ts';
export { TERMINATION_DRAIN_US } from './faults/fault-plan.ts';
export { formatPpm } from './world/assertions.ts';
export { formatFieldPath } from './config/diagnostic.ts';
export { MESH_CONFIG_DEFAULT, readMeshConfig } from './config/mesh-config.ts';
export type { MeshConfig } from './config/mesh-config.ts';
export { parseDuration, formatDuration } from './core/time.ts';
// The pieces the benchmarks in perf/ time on their own (the event loop, routing and authorization
// matchers, config generation); the simulator's public surface for measuring, not for building worlds.
export { EventLoop, StalledRunError, STALL_EVENTS } from './core/loop.ts';
export { describeStall } from './world/stalled-run.ts';
export { selectVirtualHost } from './proxy/match/virtual-host.ts';
export { selectRoute } from './proxy/match/route.ts';
export type { HttpRequest } from './proxy/request.ts';
export { evaluateAuthorization } from './proxy/authz.ts';
export type { AuthzRequest } from './proxy/authz.ts';
export type { RbacPolicy } from './xds/security.ts';
export type { RouteConfiguration } from './xds/route.ts';
export { generateProxyConfig, proxyIdentityOf } from './controlplane/generate-proxy-config.ts';
export { pushContextFromStore } from './controlplane/push-context.ts';
