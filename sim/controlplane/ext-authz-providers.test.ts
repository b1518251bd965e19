// Resolving MeshConfig extensionProviders for CUSTOM policies as istiod does (builder/extauthz.go
// processExtensionProvider, getExtAuthz; model.LookupCluster), one rule per test.
import test from 'ava';
import type { ExtAuthzProviderConfig, ExtensionProvider } from '../config/mesh-config.ts';
import type { ServiceInfo } from '../topology/model.ts';
import { resolveExtAuthzProviders } from './ext-authz-providers.ts';

const service = (name: string, namespace: string): ServiceInfo => ({
  hostname: `${name}.${namespace}.svc.cluster.local`, namespace, name, kind: 'ClusterIP', address: '10.96.0.9', ports: [], selector: {}, externalName: null,
  resolution: 'STATIC', location: 'MESH_INTERNAL', exportTo: [], source: { kind: 'Service', namespace, name },
});
const SERVICES = [service('ext-authz', 'foo'), service('dup', 'a'), service('dup', 'b')];
const http = (name: string, extra: Partial<ExtAuthzProviderConfig> = {}): ExtAuthzProviderConfig => ({
  name, kind: 'envoyExtAuthzHttp', service: 'ext-authz.foo.svc.cluster.local', port: 8000, failOpen: false, statusOnError: '', pathPrefix: '', headerLists: {}, ...extra,
});
const grpc = (name: string, extra: Partial<ExtAuthzProviderConfig> = {}): ExtAuthzProviderConfig => ({ ...http(name), kind: 'envoyExtAuthzGrpc', port: 9000, ...extra });
const error = (name: string, providers: readonly ExtensionProvider[]): string => {
  const [resolved] = resolveExtAuthzProviders([name], providers, SERVICES);
  return resolved !== undefined && !resolved.resolved ? resolved.error : '<resolved>';
};

test('buildExtAuthzHTTP/GRPC: a valid provider resolves to its cluster, protocol, failOpen and statusOnError', (t) => {
  t.deepEqual(resolveExtAuthzProviders(['h', 'g'], [http('h', { failOpen: true }), grpc('g', { statusOnError: '503' })], SERVICES), [
    { name: 'g', resolved: true, protocol: 'grpc', service: 'ext-authz.foo.svc.cluster.local', cluster: 'outbound|9000||ext-authz.foo.svc.cluster.local', failOpen: false, statusOnError: 503 },
    { name: 'h', resolved: true, protocol: 'http', service: 'ext-authz.foo.svc.cluster.local', cluster: 'outbound|8000||ext-authz.foo.svc.cluster.local', failOpen: true, statusOnError: null },
  ]);
});

test('getExtAuthz: a name no ext_authz entry has lists the available providers; other kinds are not providers', (t) => {
  const tracing: ExtensionProvider = { name: 'zipkin', kind: 'other', type: 'zipkin' };
  t.is(error('opa', [http('b'), http('a'), tracing]), 'available providers are [a b] but found "opa"');
  t.is(error('zipkin', [http('a'), tracing]), 'available providers are [a] but found "zipkin"');
});

test('LookupCluster: the service must be in the registry, unique, or named ns/host', (t) => {
  t.regex(error('h', [http('h', { service: 'missing.foo.svc.cluster.local' })]), /could not find service missing\.foo\.svc\.cluster\.local in Istio service registry/);
  t.regex(error('h', [http('h', { service: 'dup.a.svc.cluster.local' })]), /^<resolved>$/);
  t.regex(error('h', [http('h', { service: 'b/dup.b.svc.cluster.local' })]), /^<resolved>$/);
  t.regex(error('h', [http('h', { service: 'a/dup.b.svc.cluster.local' })]), /could not find service/);
  t.regex(error('h', [http('h', { service: '' })]), /service must not be empty/);
});

test('processExtensionProvider: names must be set, unique and DNS-1123 labels', (t) => {
  t.regex(error('h', [http('h'), http('h')]), /must be unique, found duplicate: h/);
  t.regex(error('Ext', [http('Ext')]), /uppercase letters not allowed/);
  t.regex(error('-x', [http('-x')]), /cannot start or end with hyphen/);
  t.regex(error('a_b', [http('a_b')]), /invalid character '_'/);
  t.regex(error('', [http('')]), /must not be empty, found empty at index: 0/);
  t.regex(error('x'.repeat(64), [http('x'.repeat(64))]), /too long/);
});

test('parsePort, parseStatusOnError, pathPrefix and header wildcards', (t) => {
  t.regex(error('h', [http('h', { port: 0 })]), /port must be in the range \[1, 65535\], found: 0/);
  t.regex(error('h', [http('h', { statusOnError: '999' })]), /unsupported statusOnError 999/);
  t.regex(error('h', [http('h', { statusOnError: 'abc' })]), /invalid statusOnError/);
  t.regex(error('h', [http('h', { pathPrefix: 'check' })]), /pathPrefix must begin with `\/`/);
  t.regex(error('h', [http('h', { headerLists: { headersToUpstreamOnAllow: ['*'] } })]), /single wildcard .* headersToUpstreamOnAllow/);
  t.regex(error('h', [http('h', { headerLists: { headersToUpstreamOnAllow: ['x-*'] } })]), /^<resolved>$/);
});

test('the result holds the names asked for, each once, sorted', (t) => {
  t.deepEqual(resolveExtAuthzProviders(['b', 'a', 'b'], [http('a'), http('b'), http('c')], SERVICES).map((p) => p.name), ['a', 'b']);
  t.deepEqual(resolveExtAuthzProviders([], [http('a')], SERVICES), []);
});
