// Authorization evaluation: one HTTP request against a workload's compiled policies (the RBAC
// filters Istio builds from AuthorizationPolicies), with about 10 and about 100 policies.
//
// Job: build a policy set the way sim/proxy/authz.test.ts does (RbacPolicy values as the control
// plane compiles them): one DENY policy (admin paths; DELETE from outside the team namespaces) and
// n-1 ALLOW policies, each allowing one client principal to GET/POST its own API prefix, or one
// namespace with a tenant header; then time `evaluateAuthorization` for a request the last ALLOW
// policy allows and for one that no policy allows (denied: every rule is tried).
//
// Invariants: each decision is checked once before timing (allowed / denied as named); requests
// and policies are built once, so the timed loop allocates only what the evaluator allocates.
//
// Not modelled: CUSTOM (ext_authz) and AUDIT policies, dry-run policies, JWT claims, TCP chains,
// path normalisation (the request path is taken as already normalised).
import { evaluateAuthorization } from '../../sim/index.ts';
import type { AuthzRequest, RbacPolicy } from '../../sim/index.ts';
import type { MicroGroup, MicroSuite, MicroTask } from './micro-suite.ts';

/** Policy evaluations per timed call: about 2,000 policies' worth, a few ms. */
const POLICY_EVALUATIONS_PER_CALL = 2000;
export const POLICY_COUNTS: readonly number[] = [10, 100];

export function policySet(count: number): RbacPolicy[] {
  const policies: RbacPolicy[] = [{
    name: 'shop/deny-admin', action: 'DENY', dryRun: false,
    rules: [
      { to: [{ paths: ['/admin*', '/debug/*'] }] },
      { from: [{ notNamespaces: ['shop', 'team-*'] }], to: [{ methods: ['DELETE'] }] },
    ],
  }];
  for (let i = 1; i < count; i += 1) {
    policies.push({
      name: `shop/allow-${i}`, action: 'ALLOW', dryRun: false,
      rules: [
        { from: [{ principals: [`cluster.local/ns/team-${i}/sa/client-${i}`] }], to: [{ methods: ['GET', 'POST'], paths: [`/api/v${i}/*`] }] },
        { from: [{ namespaces: [`partner-${i}`] }], when: [{ key: 'request.headers[x-tenant]', values: [`tenant-${i}`] }] },
      ],
    });
  }
  return policies;
}

export function requestFrom(team: number, path: string): AuthzRequest {
  return {
    sourcePrincipal: `spiffe://cluster.local/ns/team-${team}/sa/client-${team}`, sourceIp: '10.244.1.7', requestPrincipal: null,
    destinationIp: '10.244.2.9', destinationPort: 8080,
    http: { method: 'GET', host: 'catalog.shop:8080', path, headers: { 'x-tenant': 'nobody', 'user-agent': 'perf' } },
  };
}

function authzGroup(count: number): MicroGroup {
  return {
    name: `authz/${count}-policies`,
    taskNames: ['allow-last', 'deny-none'],
    prepare(): MicroTask[] {
      const policies = policySet(count);
      const last = count - 1;
      const cases = [
        { name: 'allow-last', request: requestFrom(last, `/api/v${last}/items?page=2`), allowed: true,
          note: `${count} policies; allowed by shop/allow-${last}` },
        { name: 'deny-none', request: requestFrom(count + 7, '/api/v1/items'), allowed: false,
          note: `${count} policies; no ALLOW rule matches: denied` },
      ];
      const options = { tcp: false };
      const perCall = Math.max(1, Math.round(POLICY_EVALUATIONS_PER_CALL / count));
      return cases.map(({ name, request, allowed, note }): MicroTask => {
        const decision = evaluateAuthorization(policies, request, options);
        if (decision.allowed !== allowed) throw new Error(`authz/${count}/${name}: expected ${allowed ? 'allowed' : 'denied'}, got ${decision.reason}`);
        return {
          name, ops: perCall, report: { kind: 'time', unit: 'µs/op' }, note,
          run: () => {
            let allowedCount = 0;
            for (let i = 0; i < perCall; i += 1) if (evaluateAuthorization(policies, request, options).allowed) allowedCount += 1;
            return allowedCount;
          },
        };
      });
    },
  };
}

export const authorizationSuite: MicroSuite = {
  name: 'authz',
  groups: () => POLICY_COUNTS.map(authzGroup),
};
