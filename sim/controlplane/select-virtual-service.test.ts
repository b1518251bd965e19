// The VirtualService a sidecar uses for a host: the indexed lookup against a plain scan of Istio's rule
// (an exact host beats any wildcard whatever their ages, then the longest wildcard, then the oldest).
import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import type { Resource } from '../config/resource.ts';
import { hostCovers } from './push-context.ts';
import { virtualServiceForHost, virtualServiceHosts } from './select-virtual-service.ts';

const SUFFIX = 'cluster.local';

function virtualService(name: string, namespace: string, hosts: readonly string[]): Resource<'VirtualService'> {
  return {
    kind: 'VirtualService', apiVersion: 'networking.istio.io/v1', namespace, name, labels: {}, annotations: {},
    creationTimestamp: null, spec: { hosts: [...hosts] }, body: {}, origin: { file: 'x.yaml', line: 1, column: 1, document: 0 },
  } as unknown as Resource<'VirtualService'>;
}

/** The rule walked over every candidate and host, as written. */
function scan(candidates: readonly Resource<'VirtualService'>[], host: string): Resource<'VirtualService'> | null {
  let wildcard: Resource<'VirtualService'> | null = null;
  let wildcardLength = -1;
  for (const vs of candidates) {
    for (const pattern of virtualServiceHosts(vs, SUFFIX)) {
      if (pattern === host) return vs;
      if (pattern.startsWith('*') && hostCovers(pattern, host) && pattern.length > wildcardLength) {
        wildcard = vs;
        wildcardLength = pattern.length;
      }
    }
  }
  return wildcard;
}

const label = fc.constantFrom('a', 'b', 'web', 'api');
const namespace = fc.constantFrom('n0', 'n1');
const pattern = fc.oneof(
  label,
  fc.tuple(label, namespace).map(([l, n]) => `${l}.${n}.svc.${SUFFIX}`),
  fc.constantFrom('*', `*.n0.svc.${SUFFIX}`, `*.svc.${SUFFIX}`, '*.example.com', 'x.example.com', '*.x.example.com'),
);
const candidates = fc.array(fc.tuple(namespace, fc.array(pattern, { minLength: 1, maxLength: 3 })), { maxLength: 6 })
  .map((list) => list.map(([ns, hosts], i) => virtualService(`vs${i}`, ns, hosts)));
const host = fc.oneof(
  fc.tuple(label, namespace).map(([l, n]) => `${l}.${n}.svc.${SUFFIX}`),
  fc.constantFrom('x.example.com', 'y.x.example.com', '*.example.com', `*.n0.svc.${SUFFIX}`, 'elsewhere.org'),
);

testProp('the indexed lookup picks what the scan of every host picks', [candidates, fc.array(host, { minLength: 1, maxLength: 8 })], (t, list, hosts) => {
  for (const h of hosts) t.is(virtualServiceForHost(list, h, SUFFIX), scan(list, h), h);
});

test('an exact host beats an older wildcard; the longer wildcard beats the older one', (t) => {
  const wild = virtualService('wild', 'n0', ['*.example.com']);
  const longer = virtualService('longer', 'n0', ['*.x.example.com']);
  const exact = virtualService('exact', 'n1', ['y.x.example.com']);
  t.is(virtualServiceForHost([wild, longer, exact], 'y.x.example.com', SUFFIX), exact);
  t.is(virtualServiceForHost([wild, longer], 'y.x.example.com', SUFFIX), longer);
  t.is(virtualServiceForHost([wild, longer], 'z.example.com', SUFFIX), wild);
  t.is(virtualServiceForHost([wild], 'example.org', SUFFIX), null);
});
