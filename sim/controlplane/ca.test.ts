import test from 'ava';
import { WORKLOAD_CERT_TTL_DEFAULT_US, caRoot, issueCertificate, rotationDueUs, verifyPeer } from './ca.ts';

const settings = { trustDomain: 'cluster.local', trustDomainAliases: ['old.example'], workloadCertTtlUs: WORKLOAD_CERT_TTL_DEFAULT_US };
const id = 'spiffe://cluster.local/ns/foo/sa/curl';

test('istiod signs with its own root unless cacerts plugs in a CA', (t) => {
  t.deepEqual(caRoot(null), { id: 'istio-ca-root', plugged: false });
  const plugged = caRoot({ 'ca-cert.pem': 'A', 'root-cert.pem': 'R', 'cert-chain.pem': 'C' });
  t.true(plugged.plugged);
  t.regex(plugged.id, /^cacerts:[0-9a-f]{12}$/);
  t.not(plugged.id, caRoot({ 'ca-cert.pem': 'B', 'root-cert.pem': 'R', 'cert-chain.pem': 'C' }).id, 'another CA is another root');
});

test('a workload certificate carries one SPIFFE SAN and lives 24 hours by default (DEFAULT_WORKLOAD_CERT_TTL)', (t) => {
  const cert = issueCertificate(caRoot(null), settings, id, 5_000_000, 1);
  t.deepEqual(cert, { serial: 1, subjectAltName: id, issuer: 'istio-ca-root', notBeforeUs: 5_000_000, notAfterUs: 5_000_000 + 86_400_000_000 });
});

test('istiod refuses to sign another trust domain', (t) => {
  t.throws(() => issueCertificate(caRoot(null), settings, 'spiffe://other/ns/foo/sa/x', 0, 1));
});

test('rotation is due at half the lifetime (SECRET_GRACE_PERIOD_RATIO 0.5)', (t) => {
  const cert = issueCertificate(caRoot(null), settings, id, 0, 1);
  t.is(rotationDueUs(cert), 43_200_000_000);
});

test('a peer is trusted within its validity, by a trusted root, in the mesh trust domain or an alias', (t) => {
  const root = caRoot(null);
  const cert = issueCertificate(root, settings, id, 0, 7);
  t.deepEqual(verifyPeer(cert, [root], settings, 1), { trusted: true, principal: id });
  t.like(verifyPeer(cert, [root], settings, cert.notAfterUs), { trusted: false });
  t.like(verifyPeer(cert, [caRoot({ 'ca-cert.pem': 'X' })], settings, 1), { trusted: false });
  const aliasCert = { ...cert, subjectAltName: 'spiffe://old.example/ns/foo/sa/curl' };
  t.like(verifyPeer(aliasCert, [root], settings, 1), { trusted: true });
  t.like(verifyPeer({ ...cert, subjectAltName: 'spiffe://elsewhere/ns/foo/sa/curl' }, [root], settings, 1), { trusted: false });
});

test('after switching to a plugged-in root, certificates of the old root are no longer trusted', (t) => {
  const old = caRoot(null);
  const plugged = caRoot({ 'ca-cert.pem': 'A' });
  const before = issueCertificate(old, settings, id, 0, 1);
  const after = issueCertificate(plugged, settings, id, 10, 2);
  t.like(verifyPeer(before, [plugged], settings, 20), { trusted: false });
  t.like(verifyPeer(after, [plugged], settings, 20), { trusted: true });
});
