// The trust-domain bundle against the cases of Istio's trustdomain/bundle_test.go
// (TestReplaceTrustDomainAliases), one row each, plus ExpandTrustDomainAliases.
import test from 'ava';
import { expandTrustDomainAliases, replaceTrustDomainAliases, trustDomainBundle } from './trust-domain-bundle.ts';

type Row = readonly [name: string, trustDomain: string, aliases: readonly string[], principals: readonly string[], expected: readonly string[]];

const rows: readonly Row[] = [
  ['no aliases: cluster.local stays cluster.local', 'cluster.local', [], ['cluster.local/ns/foo/sa/bar'], ['cluster.local/ns/foo/sa/bar']],
  ['`*` is not a SPIFFE identity: kept', 'cluster.local', [], ['*'], ['*']],
  ['`*` as trust domain is not enforced: kept', 'cluster.local', [], ['*/ns/foo/sa/bar'], ['*/ns/foo/sa/bar']],
  ['an alias in the policy widens to the trust domain and the alias', 'td2', ['td1'], ['td1/ns/foo/sa/bar'], ['td2/ns/foo/sa/bar', 'td1/ns/foo/sa/bar']],
  ['cluster.local as alias, two principals', 'td1', ['cluster.local'], ['cluster.local/ns/foo/sa/bar', 'cluster.local/ns/yyy/sa/zzz'],
    ['td1/ns/foo/sa/bar', 'cluster.local/ns/foo/sa/bar', 'td1/ns/yyy/sa/zzz', 'cluster.local/ns/yyy/sa/zzz']],
  ['wildcards are kept as written', 'td1', ['cluster.local'], ['*/ns/foo/sa/bar', '*sa/zzz', '*'], ['*/ns/foo/sa/bar', '*sa/zzz', '*']],
  ['two aliases, two principals', 'td2', ['td1', 'cluster.local'], ['cluster.local/ns/foo/sa/bar', 'td1/ns/yyy/sa/zzz'],
    ['td2/ns/foo/sa/bar', 'td1/ns/foo/sa/bar', 'cluster.local/ns/foo/sa/bar', 'td2/ns/yyy/sa/zzz', 'td1/ns/yyy/sa/zzz', 'cluster.local/ns/yyy/sa/zzz']],
  ['a `*suffix` trust domain is kept for the entry it matches, replaced for the others', 'td2', ['foo-td1', 'cluster.local'], ['*-td1/ns/foo/sa/bar'],
    ['td2/ns/foo/sa/bar', '*-td1/ns/foo/sa/bar', 'cluster.local/ns/foo/sa/bar']],
  ['a foreign trust domain is kept unchanged', 'td1', ['td2'], ['some-td/ns/foo/sa/bar'], ['some-td/ns/foo/sa/bar']],
  ['a principal in an alias widens to every entry', 'td1', ['td2', 'some-td'], ['some-td/ns/foo/sa/bar'], ['td1/ns/foo/sa/bar', 'td2/ns/foo/sa/bar', 'some-td/ns/foo/sa/bar']],
  ['only the principal in the bundle widens', 'new-td', ['td2', 'td3'], ['td1/ns/some-ns/sa/some-sa', 'td2/ns/foo/sa/bar'],
    ['td1/ns/some-ns/sa/some-sa', 'new-td/ns/foo/sa/bar', 'td2/ns/foo/sa/bar', 'td3/ns/foo/sa/bar']],
  ['an empty trust domain is not in the bundle', 'new-td', ['td2', 'td3'], ['/ns/some-ns/sa/some-sa'], ['/ns/some-ns/sa/some-sa']],
  ['no duplicates for a prefix pattern matching every entry', 'new-td', ['old-td'], ['*-td/ns/some-ns/sa/some-sa'], ['*-td/ns/some-ns/sa/some-sa']],
  ['cluster.local always stands for the local trust domain', 'td1', [], ['cluster.local/ns/foo/sa/bar'], ['td1/ns/foo/sa/bar']],
  ['a spiffe:// principal is not in authorization form: kept', 'td1', ['td2'], ['spiffe://td2/ns/foo/sa/bar'], ['spiffe://td2/ns/foo/sa/bar']],
];

for (const [name, trustDomain, aliases, principals, expected] of rows) {
  test(`bundle.go ReplaceTrustDomainAliases: ${name}`, (t) => {
    t.deepEqual(replaceTrustDomainAliases(principals, trustDomainBundle(trustDomain, aliases)), expected);
  });
}

test('bundle.go ExpandTrustDomainAliases: a bundle entry stands for the whole bundle, others are kept', (t) => {
  const bundle = trustDomainBundle('new-td', ['old-td']);
  t.deepEqual(expandTrustDomainAliases(['old-td', 'other', 'new-td'], bundle), ['new-td', 'old-td', 'other']);
  t.deepEqual(expandTrustDomainAliases(['*'], bundle), ['*']);
});
