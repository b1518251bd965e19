/**
 * Compiled security config, as Envoy receives it from istiod: the inbound mTLS mode per port (what the
 * `virtualInbound` filter chains accept), the upstream TLS a client uses per cluster, the JWT providers
 * (RequestAuthentication → the jwt_authn filter), the RBAC policies (AuthorizationPolicy) and the
 * ext_authz providers (MeshConfig extensionProviders named by CUSTOM policies) a sidecar or gateway
 * enforces.
 *
 * Invariants: data only; principals are SPIFFE URIs without the `spiffe://` scheme when Istio matches
 * them that way (`cluster.local/ns/default/sa/sleep`), already widened to the trust-domain aliases
 * (trustdomain.Bundle); RBAC policies are in Istio's evaluation order (CUSTOM, DENY, ALLOW; AUDIT only
 * marks); JWT providers are in the filter's requirement order (by issuer) with Envoy's default token
 * locations already filled in, header names lower case; ext_authz providers are sorted by name.
 *
 * Not modelled: certificate contents (with the CA), SDS, TLS versions and ciphers; the JWKS fetch
 * (`jwksUri` is carried as written, the edge verifier reads the keys), JWT cache and timeouts; the
 * ext_authz request itself (headers sent, path prefix, timeout: the caller decides the answer).
 */

export type InboundMtlsMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';

export interface InboundMtls {
  /** The mode for ports without a port-level setting. */
  readonly mode: InboundMtlsMode;
  /** Target port → mode (PeerAuthentication portLevelMtls). */
  readonly ports: Readonly<Record<string, InboundMtlsMode>>;
  /** `ns/name` of the PeerAuthentication that decided, or null (mesh default PERMISSIVE). */
  readonly source: string | null;
}

export type UpstreamTlsMode = 'DISABLE' | 'ISTIO_MUTUAL' | 'SIMPLE' | 'MUTUAL';

export interface UpstreamTls {
  /** From the DestinationRule, or null when auto-mTLS decides per endpoint. */
  readonly mode: UpstreamTlsMode | null;
  /** Auto mTLS: use Istio mTLS to endpoints that run a sidecar (and whose port is not DISABLE). */
  readonly autoMtls: boolean;
  /** `ns/name` of the DestinationRule that set the mode. */
  readonly source: string | null;
  /**
   * The SNI the client sends when it originates TLS here: the DestinationRule's `tls.sni`, else for
   * Istio mTLS (ISTIO_MUTUAL or auto) `outbound_.<port>_.<subset>_.<host>`; absent: none.
   */
  readonly sni?: string;
}

export type RbacAction = 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM';

/** A value matcher with Istio's string forms: exact, `prefix*`, `*suffix`, `*` (any non-empty). */
export type ValueMatcher = string;

export interface RbacSource {
  readonly principals?: readonly ValueMatcher[];
  readonly notPrincipals?: readonly ValueMatcher[];
  readonly requestPrincipals?: readonly ValueMatcher[];
  readonly notRequestPrincipals?: readonly ValueMatcher[];
  readonly namespaces?: readonly ValueMatcher[];
  readonly notNamespaces?: readonly ValueMatcher[];
  /** `ns/sa`, or a bare `sa` meaning the policy's own namespace (exact; Istio matches by regex). */
  readonly serviceAccounts?: readonly string[];
  readonly notServiceAccounts?: readonly string[];
  readonly ipBlocks?: readonly string[];
  readonly notIpBlocks?: readonly string[];
  readonly remoteIpBlocks?: readonly string[];
  readonly notRemoteIpBlocks?: readonly string[];
  /** Trust domains of the peer's SPIFFE identity (`*`, exact, `prefix*`, `*suffix`), expanded to the bundle. */
  readonly trustDomains?: readonly string[];
  readonly notTrustDomains?: readonly string[];
}

export interface RbacOperation {
  readonly hosts?: readonly ValueMatcher[];
  readonly notHosts?: readonly ValueMatcher[];
  readonly ports?: readonly string[];
  readonly notPorts?: readonly string[];
  readonly methods?: readonly ValueMatcher[];
  readonly notMethods?: readonly ValueMatcher[];
  readonly paths?: readonly ValueMatcher[];
  readonly notPaths?: readonly ValueMatcher[];
}

export interface RbacCondition {
  readonly key: string;
  readonly values?: readonly ValueMatcher[];
  readonly notValues?: readonly ValueMatcher[];
}

export interface RbacRule {
  /** Absent: any source. Otherwise at least one must match. */
  readonly from?: readonly RbacSource[];
  readonly to?: readonly RbacOperation[];
  readonly when?: readonly RbacCondition[];
}

export interface RbacPolicy {
  /** `ns/name` of the AuthorizationPolicy. */
  readonly name: string;
  readonly action: RbacAction;
  /** Empty: the policy matches nothing (an ALLOW policy without rules denies everything). */
  readonly rules: readonly RbacRule[];
  /** CUSTOM: the extension provider's name (resolved in WorkloadSecurity.extAuthzProviders). */
  readonly provider?: string;
  /** `istio.io/dry-run`: evaluated and reported, never enforced. */
  readonly dryRun: boolean;
}

/** A header that carries a token, and the text before the token in its value (`Bearer `). */
export interface JwtHeaderLocation {
  /** Lower case (Envoy's LowerCaseString). */
  readonly name: string;
  /** '' when the whole value is the token. */
  readonly prefix: string;
}

export interface JwtClaimHeader {
  /** Lower case. */
  readonly header: string;
  /** A claim name; `a.b` reads a nested claim. */
  readonly claim: string;
}

/** One RequestAuthentication `jwtRules` entry as a jwt_authn provider (policy_applier.go convertToEnvoyJwtConfig). */
export interface JwtProvider {
  /** The `iss` a token must carry ('' accepts any issuer, as Envoy's issuer checker does). */
  readonly issuer: string;
  /** Empty: audiences are not checked. */
  readonly audiences: readonly string[];
  /** Inline JWKS (JSON text), or null. */
  readonly jwks: string | null;
  /** Where the keys live, or null; read by the edge verifier, never fetched by the simulator. */
  readonly jwksUri: string | null;
  /** Where tokens are looked for. When the rule names none, Envoy's defaults: `authorization` with `Bearer ` and `?access_token`. */
  readonly fromHeaders: readonly JwtHeaderLocation[];
  readonly fromParams: readonly string[];
  readonly fromCookies: readonly string[];
  /** Keep the token in the request sent upstream (Envoy `forward`). */
  readonly forwardOriginalToken: boolean;
  /** Header that receives the verified payload, base64url (Envoy `forward_payload_header`), or null. */
  readonly outputPayloadToHeader: string | null;
  readonly outputClaimToHeaders: readonly JwtClaimHeader[];
  /** Top-level claims turned from space-delimited strings into lists for authorization (`scope`, `permission` and the rule's own). */
  readonly spaceDelimitedClaims: readonly string[];
  /** `ns/name` of the RequestAuthentication. */
  readonly source: string;
}

/**
 * A MeshConfig `extensionProviders` entry as istiod resolved it for a CUSTOM policy
 * (builder/extauthz.go processExtensionProvider): an ext_authz filter config, or why there is none
 * (unknown name, invalid settings, a service not in the registry), in which case the policies naming
 * it deny what their rules match (getBadCustomDenyRules).
 */
export type ExtAuthzProvider =
  | {
      readonly name: string;
      readonly resolved: true;
      /** envoyExtAuthzHttp: an HTTP ext_authz filter only (none on TCP chains); envoyExtAuthzGrpc: HTTP and TCP. */
      readonly protocol: 'http' | 'grpc';
      /** The service's hostname and the cluster the filter calls (`outbound|<port>||<host>`). */
      readonly service: string;
      readonly cluster: string;
      /** `failOpen` (Envoy failure_mode_allow): a provider that errors lets the request through. */
      readonly failOpen: boolean;
      /** `statusOnError`: the status when the provider errors and does not fail open; null: Envoy's 403. */
      readonly statusOnError: number | null;
    }
  | { readonly name: string; readonly resolved: false; readonly error: string };

export interface WorkloadSecurity {
  /**
   * The PeerAuthentication mode of a sidecar's inbound ports; null for gateways, whose server TLS comes
   * from their Gateway servers (PeerAuthentication does not apply to gateway listeners).
   */
  readonly inboundMtls: InboundMtls | null;
  /** Policies that apply to this workload, oldest first within each action. */
  readonly authorization: readonly RbacPolicy[];
  /** The jwt_authn providers of the RequestAuthentications that select this workload, by issuer; empty: no JWT filter. */
  readonly jwtProviders: readonly JwtProvider[];
  /** The extension providers the CUSTOM policies name, resolved, by name; empty without CUSTOM policies. */
  readonly extAuthzProviders: readonly ExtAuthzProvider[];
  /** The HTTP connection manager's path normalization (MeshConfig pathNormalization); absent: BASE. */
  readonly pathNormalization?: 'NONE' | 'BASE' | 'MERGE_SLASHES' | 'DECODE_AND_MERGE_SLASHES';
  /**
   * How the connection manager finds the downstream remote address: a gateway's `use_remote_address`
   * with `xff_num_trusted_hops` (gatewayTopology.numTrustedProxies, gateway.go); null or absent: a
   * sidecar's inbound, `use_remote_address: false` (listener_inbound.go buildSidecarInboundHTTPOpts).
   */
  readonly xffNumTrustedHops?: number | null;
}
