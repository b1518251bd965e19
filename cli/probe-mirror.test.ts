// `meshsim probe` on a mirrored route: the answer and the hops are the original request's; one line
// (and, with --json, the `mirrors` field) says where the shadow copy goes.
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from './main.ts';
import type { Io } from './main.ts';

const MIRROR = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec:
  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews, subset: v1}}]
    mirror: {host: reviews, subset: v2}
`;

function probe(args: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'meshsim-'));
  try {
    const file = join(dir, 'mirror.yaml');
    writeFileSync(file, MIRROR);
    let out = '';
    const io: Io = { out: (t) => { out += t; }, err: () => {} };
    const code = main(['probe', 'scenarios/meshes/bookinfo', file, '--from', 'default/productpage-v1', '--url', 'http://reviews:9080/reviews/1', ...args], io);
    if (code !== 0) throw new Error(`exit ${code}`);
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('probe prints one line per shadow copy: the mirror cluster, the proxy and the -shadow Host', (t) => {
  const text = probe([]);
  t.regex(text, /^= 200 {2}→ default\/reviews-v1 /m);
  t.regex(text, /^ {2}mirrored to outbound\|9080\|v2\|reviews\.default\.svc\.cluster\.local by productpage-v1-\S+\.default: a shadow copy with Host reviews-shadow:9080, fire-and-forget \(its answer is ignored\)$/m);
});

test('probe --json carries the copies in `mirrors`', (t) => {
  const result = JSON.parse(probe(['--json']));
  t.is(result.status, 200);
  t.like(result.mirrors?.[0], { cluster: 'outbound|9080|v2|reviews.default.svc.cluster.local', upstream: { authority: 'reviews-shadow:9080', path: '/reviews/1' } });
});
