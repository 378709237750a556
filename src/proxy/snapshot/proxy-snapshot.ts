/**
 * The proxy snapshot: a versioned, self-contained document that tells one proxy everything it needs
 * (its inbound ports and policies; the services it may call, with their endpoints and identities).
 * The control plane's compiler produces it; `weft proxy --snapshot FILE` reads it from a file.
 * Values of these types are validated once at the boundary (`parse-proxy-snapshot.ts`) and frozen.
 */
import type { AuthorizationPolicySpec } from '../../api/kinds/authorization-policy.js';

export type MtlsMode = 'STRICT' | 'PERMISSIVE';
/** How a port's traffic is handled: by `appProtocol`, or `detect` from the first bytes. */
export type PortProtocol = 'http' | 'http2' | 'grpc' | 'tcp' | 'detect';

export interface ProxySnapshot {
  /** Changes whenever the content changes; reported by /config and ACKs. */
  readonly version: string;
  readonly workload: WorkloadIdentity;
  readonly mesh: MeshSettings;
  readonly inbound: InboundConfig;
  readonly outbound: OutboundConfig;
}

export interface WorkloadIdentity {
  readonly name: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  /** The SPIFFE ID this proxy's certificate must carry: spiffe://<td>/ns/<ns>/sa/<sa>. */
  readonly spiffeId: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly zone?: string;
}

export interface MeshSettings {
  readonly trustDomain: string;
  readonly mtlsMode: MtlsMode;
  readonly defaultAction: 'ALLOW' | 'DENY';
}

export interface InboundConfig {
  readonly ports: readonly InboundPort[];
  /** The AuthorizationPolicies that apply to this workload, already selected by the control plane. */
  readonly policies: readonly InboundPolicy[];
  readonly accessLog: boolean;
}

export interface InboundPort {
  /** The application's port (the original destination port of captured traffic). */
  readonly port: number;
  readonly protocol: PortProtocol;
  /** Where the application listens; default 127.0.0.1. */
  readonly appAddress?: string;
  /** An explicit inbound listener for this port (no capture needed), e.g. in loopback tests. */
  readonly listenPort?: number;
  readonly listenAddress?: string;
}

export interface InboundPolicy {
  readonly name: string;
  readonly namespace: string;
  readonly spec: AuthorizationPolicySpec;
}

export interface OutboundConfig {
  readonly services: readonly OutboundService[];
  readonly accessLog: boolean;
}

export interface OutboundService {
  readonly name: string;
  readonly namespace: string;
  /** The service's port as callers use it. */
  readonly port: number;
  readonly protocol: PortProtocol;
  /** The service's virtual IP (universal mode), matched against the original destination on 15001. */
  readonly vip?: string;
  /** Host names callers use (`redis.d`, `redis.d.svc.cluster.local`), for Host-based matching. */
  readonly hosts: readonly string[];
  /** An explicit outbound listener on 127.0.0.1 for this service (no capture needed). */
  readonly listenPort?: number;
  readonly listenAddress?: string;
  /** SPIFFE IDs a server for this service may present; anything else fails the request (503). */
  readonly identities: readonly string[];
  readonly endpoints: readonly Endpoint[];
}

export interface Endpoint {
  /** Where to dial: the peer proxy's inbound address (pod IP, or 127.0.0.1 in loopback tests). */
  readonly address: string;
  readonly port: number;
  /** The SPIFFE ID the endpoint's proxy presents. */
  readonly identity: string;
  readonly zone?: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** False when the endpoint failed readiness; such endpoints get no traffic. */
  readonly ready: boolean;
}
