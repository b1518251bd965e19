/**
 * istiod's certificate authority as data: workload certificates carrying the SPIFFE identity of a
 * service account, signed by the mesh root, valid for a window of virtual time, and rotated before they
 * expire (Istio: security/pkg/pki/ca, the SDS agent's rotation).
 *
 * Rules:
 * - the root is istiod's self-signed root (`istio-ca-root`), unless a `cacerts` Secret in istiod's
 *   namespace plugs in the user's CA ("bring your own root"): then that root signs everything;
 * - a workload certificate has one SAN, `spiffe://<trust domain>/ns/<ns>/sa/<sa>`, and lives 24 h by
 *   default (Istio's DEFAULT_WORKLOAD_CERT_TTL);
 * - the agent asks for a new certificate once half of its lifetime has passed (SECRET_GRACE_PERIOD_RATIO
 *   0.5); a certificate past its notAfter fails every handshake;
 * - a peer is trusted when its certificate was signed by a root the verifier trusts and is within its
 *   validity window; its identity's trust domain may be the mesh's or one of its aliases.
 *
 * Invariants: pure data and pure functions; serial numbers come from a counter the caller owns, so the
 * same issuance order gives the same serials; times are integer microseconds of virtual time.
 *
 * Not modelled: key material and signatures, intermediate chains beyond the root's name, CSR
 * validation, CRLs, the root's own expiry and rotation (a root is trusted for the whole run).
 */
import { assert } from '../core/assert.ts';
import { hashString } from '../core/hash.ts';

export const WORKLOAD_CERT_TTL_DEFAULT_US = 24 * 3600 * 1_000_000;
export const ROTATION_RATIO = 0.5;

export interface CaRoot {
  /** `istio-ca-root`, or `cacerts:<fingerprint>` for a plugged-in CA. */
  readonly id: string;
  readonly plugged: boolean;
}

export interface WorkloadCertificate {
  readonly serial: number;
  readonly subjectAltName: string;
  readonly issuer: string;
  readonly notBeforeUs: number;
  readonly notAfterUs: number;
}

export interface CaSettings {
  readonly trustDomain: string;
  readonly trustDomainAliases: readonly string[];
  readonly workloadCertTtlUs: number;
}

/** The root that signs: the plugged-in `cacerts` CA when its data is given, else istiod's own. */
export function caRoot(cacertsData: Readonly<Record<string, string>> | null): CaRoot {
  if (cacertsData === null) return { id: 'istio-ca-root', plugged: false };
  const material = ['ca-cert.pem', 'root-cert.pem', 'cert-chain.pem'].map((k) => cacertsData[k] ?? '').join('\n');
  return { id: `cacerts:${hashString(material).slice(0, 12)}`, plugged: true };
}

export function issueCertificate(root: CaRoot, settings: CaSettings, identity: string, atUs: number, serial: number): WorkloadCertificate {
  assert(identity.startsWith(`spiffe://${settings.trustDomain}/`), () => `istiod signs only its own trust domain: ${identity}`);
  assert(Number.isSafeInteger(atUs) && atUs >= 0, 'issuance time is virtual µs');
  return { serial, subjectAltName: identity, issuer: root.id, notBeforeUs: atUs, notAfterUs: atUs + settings.workloadCertTtlUs };
}

/** When the agent asks for a new certificate: once ROTATION_RATIO of its lifetime has passed. */
export function rotationDueUs(certificate: WorkloadCertificate): number {
  const lifetime = certificate.notAfterUs - certificate.notBeforeUs;
  return certificate.notBeforeUs + Math.floor(lifetime * ROTATION_RATIO);
}

export type PeerVerdict = { readonly trusted: true; readonly principal: string } | { readonly trusted: false; readonly reason: string };

/** Does a verifier trusting `roots` accept this peer certificate at `atUs`? */
export function verifyPeer(certificate: WorkloadCertificate, roots: readonly CaRoot[], settings: CaSettings, atUs: number): PeerVerdict {
  if (!roots.some((r) => r.id === certificate.issuer)) {
    return { trusted: false, reason: `certificate ${certificate.serial} was signed by ${certificate.issuer}, which this proxy does not trust` };
  }
  if (atUs < certificate.notBeforeUs) return { trusted: false, reason: `certificate ${certificate.serial} is not valid yet` };
  if (atUs >= certificate.notAfterUs) return { trusted: false, reason: `certificate ${certificate.serial} expired` };
  const domain = certificate.subjectAltName.slice('spiffe://'.length).split('/')[0] ?? '';
  if (domain !== settings.trustDomain && !settings.trustDomainAliases.includes(domain)) {
    return { trusted: false, reason: `trust domain ${domain} is neither the mesh's (${settings.trustDomain}) nor an alias` };
  }
  return { trusted: true, principal: certificate.subjectAltName };
}
