import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { isHttp2Protocol, isHttpProtocol, isTcpProtocol, parseProtocol, servicePortProtocol } from './protocol.ts';
import type { Protocol } from './protocol.ts';

// Rows: [port, name, kube protocol, appProtocol, expected, rule]. Source: istio/istio
// pkg/config/kube/conversion.go ConvertProtocol and pkg/config/protocol/instance.go Parse.
const ROWS: readonly [number, string, string, string | undefined, Protocol, string][] = [
  [80, 'http', 'TCP', undefined, 'HTTP', 'the port name decides when there is no appProtocol'],
  [80, 'http-web', 'TCP', undefined, 'HTTP', 'only the prefix before the first dash counts'],
  [80, 'http2-foo', 'TCP', undefined, 'HTTP2', 'http2-foo is HTTP2 (prefix http2, not http)'],
  [80, 'grpc', 'TCP', undefined, 'GRPC', 'grpc'],
  [80, 'grpc-web', 'TCP', undefined, 'GRPC-Web', 'grpc-web is checked before the dash split'],
  [80, 'grpc-web-api', 'TCP', undefined, 'GRPC-Web', 'a grpc-web prefix wins over the dash split (which would give grpc)'],
  [80, 'GRPC-Web-x', 'TCP', undefined, 'GRPC-Web', 'the grpc-web prefix is matched case-insensitively (strings.EqualFold)'],
  [80, 'grpc-api', 'TCP', undefined, 'GRPC', 'grpc-api splits to grpc'],
  [80, 'HTTP-Web', 'TCP', undefined, 'HTTP', 'the prefix is matched case-insensitively (protocol.Parse lower-cases)'],
  [443, 'https', 'TCP', undefined, 'HTTPS', 'https'],
  [443, 'tls-passthrough', 'TCP', undefined, 'TLS', 'tls'],
  [6379, 'redis', 'TCP', undefined, 'Redis', 'redis'],
  [27018, 'mongo-primary', 'TCP', undefined, 'Mongo', 'mongo'],
  [3307, 'mysql', 'TCP', undefined, 'MySQL', 'mysql'],
  [9000, 'tcp-data', 'TCP', undefined, 'TCP', 'tcp'],
  [8080, 'http_proxy', 'TCP', undefined, 'HTTP_PROXY', 'http_proxy (the underscore is no separator)'],
  [8080, 'web', 'TCP', undefined, 'auto', 'an unknown name is auto (protocol sniffing)'],
  [8080, '', 'TCP', undefined, 'auto', 'no name is auto'],
  [8080, 'httpx', 'TCP', undefined, 'auto', 'the prefix must be exactly a protocol name'],
  [8080, 'web-http', 'TCP', undefined, 'auto', 'only the first segment counts'],
  [53, 'http', 'UDP', undefined, 'UDP', 'UDP wins over any name'],
  [53, 'dns', 'UDP', 'http', 'UDP', 'UDP wins over appProtocol'],
  [80, 'tcp', 'TCP', 'http', 'HTTP', 'appProtocol wins over the name'],
  [80, 'http', 'TCP', 'tcp', 'TCP', 'appProtocol wins over the name (the other way round)'],
  [80, 'http', 'TCP', 'kubernetes.io/h2c', 'HTTP2', 'appProtocol kubernetes.io/h2c is HTTP2'],
  [80, 'tcp', 'TCP', 'kubernetes.io/ws', 'HTTP', 'appProtocol kubernetes.io/ws is HTTP'],
  [443, 'tcp', 'TCP', 'kubernetes.io/wss', 'HTTPS', 'appProtocol kubernetes.io/wss is HTTPS'],
  [80, 'kubernetes.io/h2c', 'TCP', undefined, 'auto', 'the kubernetes.io names count only as appProtocol'],
  [80, 'http', 'TCP', 'grpc-web', 'GRPC-Web', 'appProtocol grpc-web'],
  [80, 'http', 'TCP', 'HTTP2', 'HTTP2', 'appProtocol is matched case-insensitively'],
  [80, 'http', 'TCP', 'example.com/custom', 'auto', 'an unknown appProtocol is auto, the name is not consulted'],
  [3306, 'http', 'TCP', '', 'TCP', 'an empty appProtocol replaces the name; 3306 then defaults to TCP'],
  [25, '', 'TCP', undefined, 'TCP', 'well-known port 25 (SMTP) is TCP when the name gives nothing'],
  [53, 'dns', 'TCP', undefined, 'TCP', 'well-known port 53 (DNS) over TCP is TCP when the name gives nothing'],
  [3306, 'db', 'TCP', undefined, 'TCP', 'well-known port 3306 (MySQL) is TCP when the name gives nothing'],
  [27017, 'mongodb', 'TCP', undefined, 'TCP', 'well-known port 27017 (MongoDB) is TCP when the name gives nothing'],
  [3306, 'http', 'TCP', undefined, 'HTTP', 'a well-known port follows a recognised name'],
  [27017, 'mongo', 'TCP', undefined, 'Mongo', 'a well-known port follows a recognised name (mongo)'],
  [3306, 'web', 'TCP', 'example.com/x', 'TCP', 'a well-known port with an unrecognised appProtocol is TCP'],
  [8080, 'http', 'SCTP', undefined, 'HTTP', 'only UDP overrides the name; SCTP does not'],
];

for (const [port, name, kubeProtocol, appProtocol, expected, rule] of ROWS) {
  const label = `${port}/${kubeProtocol} name=${JSON.stringify(name)}${appProtocol === undefined ? '' : ` appProtocol=${JSON.stringify(appProtocol)}`}`;
  test(`protocol: ${rule} (Istio ConvertProtocol) — ${label} → ${expected}`, (t) => {
    t.is(servicePortProtocol(port, name, kubeProtocol, appProtocol), expected);
  });
}

test('parseProtocol is Istio protocol.Parse: whole names, case-insensitive, unknown → auto', (t) => {
  t.is(parseProtocol('HTTP'), 'HTTP');
  t.is(parseProtocol('http'), 'HTTP');
  t.is(parseProtocol('Http2'), 'HTTP2');
  t.is(parseProtocol('GRPC-WEB'), 'GRPC-Web');
  t.is(parseProtocol('TLS'), 'TLS');
  t.is(parseProtocol('UDP'), 'UDP');
  t.is(parseProtocol('http-foo'), 'auto', 'Parse does not split on dashes; only ConvertProtocol does');
  t.is(parseProtocol(''), 'auto');
  t.is(parseProtocol('HBONE'), 'auto');
});

test('protocol classes: HTTP family, HTTP/2 transport, and opaque TCP (protocol.Instance IsHTTP / IsHTTP2 / IsTCP)', (t) => {
  const all: Protocol[] = ['HTTP', 'HTTP2', 'HTTP_PROXY', 'GRPC', 'GRPC-Web', 'HTTPS', 'TLS', 'TCP', 'UDP', 'Mongo', 'Redis', 'MySQL', 'auto'];
  t.deepEqual(all.filter(isHttpProtocol), ['HTTP', 'HTTP2', 'HTTP_PROXY', 'GRPC', 'GRPC-Web']);
  t.deepEqual(all.filter(isHttp2Protocol), ['HTTP2', 'GRPC', 'GRPC-Web']);
  t.deepEqual(all.filter(isTcpProtocol), ['HTTPS', 'TLS', 'TCP', 'Mongo', 'Redis', 'MySQL']);
  t.false(isHttpProtocol('auto') || isTcpProtocol('auto') || isHttpProtocol('UDP') || isTcpProtocol('UDP'));
});

const PREFIXES = ['http', 'http2', 'grpc', 'tcp', 'tls', 'https', 'mongo', 'redis', 'mysql', 'udp', 'http_proxy'];

testProp('a recognised prefix followed by "-anything" gives the prefix\'s protocol on any port (unless grpc-web)', [
  fc.constantFrom(...PREFIXES),
  fc.string({ maxLength: 8 }).filter((s) => !s.toLowerCase().startsWith('web')),
  fc.integer({ min: 1, max: 65535 }),
], (t, prefix, rest, port) => {
  t.is(servicePortProtocol(port, `${prefix}-${rest}`, 'TCP'), parseProtocol(prefix));
});

testProp('UDP always wins', [fc.string({ maxLength: 12 }), fc.option(fc.string({ maxLength: 12 }), { nil: undefined }), fc.integer({ min: 1, max: 65535 })], (t, name, appProtocol, port) => {
  t.is(servicePortProtocol(port, name, 'UDP', appProtocol), 'UDP');
});
