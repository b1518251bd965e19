import test from 'ava';
import type { KindName } from './kinds.ts';
import { checkNames } from './names.ts';
import type { AnyResource } from './resource.ts';

function resource(kind: KindName, name: string, namespace = kind === 'Namespace' ? '' : 'default'): AnyResource {
  return {
    kind,
    apiVersion: 'v1',
    namespace,
    name,
    labels: {},
    annotations: {},
    creationTimestamp: null,
    spec: {} as never,
    body: {},
    origin: { file: 'test.yaml', line: 1, column: 1 },
  } as AnyResource;
}

const valid = (kind: KindName, name: string, namespace?: string) => checkNames(resource(kind, name, namespace)).length === 0;

// Rows: [kind, name, valid?, rule]. Kubernetes apimachinery validation: Services are DNS-1035 labels
// (ValidateServiceName), Namespaces DNS-1123 labels (ValidateNamespaceName), most other kinds and CRDs
// DNS-1123 subdomains (NameIsDNSSubdomain).
const ROWS: readonly [KindName, string, boolean, string][] = [
  ['Service', 'reviews', true, 'DNS-1035: lower-case letters'],
  ['Service', 'reviews-v2', true, 'DNS-1035: digits and dashes inside'],
  ['Service', '1reviews', false, 'DNS-1035: a Service name must start with a letter'],
  ['Service', 'reviews-', false, 'DNS-1035: must end with a letter or digit'],
  ['Service', 'reviews.v2', false, 'DNS-1035: no dots in a label'],
  ['Service', 'Reviews', false, 'DNS-1035: no upper case'],
  ['Service', 'a'.repeat(63), true, 'DNS-1035: 63 characters is the limit'],
  ['Service', 'a'.repeat(64), false, 'DNS-1035: 64 characters is too long'],
  ['Namespace', 'bookinfo', true, 'DNS-1123 label'],
  ['Namespace', '1bookinfo', true, 'DNS-1123 label: may start with a digit'],
  ['Namespace', '-bookinfo', false, 'DNS-1123 label: may not start with a dash'],
  ['Namespace', 'book.info', false, 'DNS-1123 label: no dots'],
  ['Namespace', 'b'.repeat(63), true, 'DNS-1123 label: 63 characters is the limit'],
  ['Namespace', 'b'.repeat(64), false, 'DNS-1123 label: 64 characters is too long'],
  ['Deployment', 'reviews-v1', true, 'DNS-1123 subdomain'],
  ['Deployment', '1reviews', true, 'DNS-1123 subdomain: may start with a digit'],
  ['Deployment', 'reviews.v1', true, 'DNS-1123 subdomain: dots separate labels'],
  ['Deployment', 'reviews..v1', false, 'DNS-1123 subdomain: no empty label'],
  ['Deployment', 'reviews_v1', false, 'DNS-1123 subdomain: no underscore'],
  ['Deployment', '.reviews', false, 'DNS-1123 subdomain: no leading dot'],
  ['VirtualService', 'reviews.route', true, 'CRDs (Istio kinds) are DNS-1123 subdomains'],
  ['VirtualService', 'Reviews', false, 'CRDs: no upper case'],
  ['ServiceAccount', 'bookinfo-reviews', true, 'ServiceAccount: DNS-1123 subdomain'],
  ['Pod', `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`, true, 'DNS-1123 subdomain: 253 characters is the limit'],
  ['Pod', `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`, false, 'DNS-1123 subdomain: 254 characters is too long'],
];

for (const [kind, name, expected, rule] of ROWS) {
  test(`${kind} name ${name.length > 20 ? `of ${name.length} characters` : JSON.stringify(name)} is ${expected ? 'valid' : 'invalid'}: ${rule}`, (t) => {
    t.is(valid(kind, name), expected);
  });
}

test('the same name can be valid for a Deployment and invalid for its Service (1035 vs 1123)', (t) => {
  t.true(valid('Deployment', '2048-game'));
  t.false(valid('Service', '2048-game'));
});

test('an invalid name is reported at metadata.name with the rule and an example in the hint', (t) => {
  const [finding, ...rest] = checkNames(resource('Service', '1reviews'));
  t.deepEqual(rest, []);
  t.deepEqual(finding!.path, ['metadata', 'name']);
  t.is(finding!.message, 'The name "1reviews" is not valid for a Service: it must be a DNS-1035 label (lower-case letters, digits and "-", starting with a letter, at most 63 characters).');
  t.regex(finding!.hint, /e\.g\. "my-service"/);
});

test('a name over the limit says how long it is', (t) => {
  const [finding] = checkNames(resource('Service', 'a'.repeat(64)));
  t.regex(finding!.message, /it is 64 characters long, more than 63/);
});

test('the namespace of a namespaced resource must be a DNS-1123 label, reported at metadata.namespace', (t) => {
  t.deepEqual(checkNames(resource('Service', 'reviews', 'Book_Info')).map((f) => f.path), [['metadata', 'namespace']]);
  t.deepEqual(checkNames(resource('Service', 'reviews', 'n'.repeat(64))).map((f) => f.path), [['metadata', 'namespace']]);
  t.deepEqual(checkNames(resource('Service', 'reviews', '1-ns')), []);
});

test('a bad name and a bad namespace are both reported, name first', (t) => {
  t.deepEqual(checkNames(resource('Deployment', 'Web', 'Shop')).map((f) => f.path.join('.')), ['metadata.name', 'metadata.namespace']);
});

test('an empty name is left to the missing-name check (no name finding), and a cluster-scoped kind has no namespace check', (t) => {
  t.deepEqual(checkNames(resource('Service', '')), []);
  t.deepEqual(checkNames(resource('Namespace', 'ok')), []);
});
