/**
 * Security analyzers: mutual TLS and authorization configurations that the API server accepts but that
 * refuse traffic, or never match, once applied. One entry point; the checks live in
 * - security-tls.ts: DestinationRule TLS DISABLE towards STRICT workloads (MS0203), ISTIO_MUTUAL towards
 *   pods without a sidecar (MS0205);
 * - security-peer-authentication.ts: STRICT while workloads without a sidecar run in the mesh (MS0204),
 *   portLevelMtls keyed by a port that is not the workload's (MS0207), a selector in the root namespace
 *   (MS0208);
 * - security-authz.ts: principals that can never match (MS0206), namespaces that do not exist (IST0101).
 * The effective PeerAuthentication mode of each workload and port comes from security-peer-mode.ts, built
 * once per run. Selectors that select nothing are selectors.ts's (IST0127, MS0202); AuthorizationPolicy
 * `when` keys Istio does not know are errors at load (MS0106).
 *
 * Invariants: pure function of the context; every diagnostic is a warning about a user resource and
 * carries a hint.
 *
 * Not modelled: see each file; RequestAuthentication (JWT) checks; the auto-mTLS corner case of a
 * namespace- or mesh-level DISABLE with a workload-level STRICT (clients send plaintext).
 */
import type { Diagnostic } from '../config/diagnostic.ts';
import type { AnalysisContext } from './context.ts';
import { analyzeAuthorizationReferences } from './security-authz.ts';
import { analyzePortLevelMtlsKeys, analyzeRootSelectors, analyzeStrictWithPlaintextClients } from './security-peer-authentication.ts';
import { PeerModes } from './security-peer-mode.ts';
import { analyzeDestinationRuleTls } from './security-tls.ts';

export function analyzeSecurity(context: AnalysisContext): Diagnostic[] {
  const modes = new PeerModes(context);
  return [
    ...analyzeDestinationRuleTls(context, modes),
    ...analyzeStrictWithPlaintextClients(context, modes),
    ...analyzePortLevelMtlsKeys(context, modes),
    ...analyzeRootSelectors(context),
    ...analyzeAuthorizationReferences(context),
  ];
}
