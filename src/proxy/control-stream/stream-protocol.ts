/**
 * The messages of a proxy's subscription stream to the control plane's distributor: one HTTP/2
 * stream over mTLS (POST `subscribePath`), one JSON object per line each way. Declared here, in the
 * proxy's layer, because both sides speak it and the proxy never imports the control plane.
 *
 * Proxy → control plane: `hello` (first: the instance it runs for), `ack`/`nack` per snapshot
 * version, `ready` (its application's readiness), `certificate` (the certificate in force, after
 * each rotation: `weft check` shows how long it stays valid), `bye` (clean shutdown: deregister now).
 * Control plane → proxy: `snapshot` (a full ProxySnapshot), `patch` (the sections that changed since
 * the version the proxy is on: endpoint changes travel as per-service upserts), `error` (then the
 * stream ends).
 *
 * A `patch` applies only on top of its `base` version; a proxy on any other version NACKs it
 * (reason starting with `base mismatch`) and the control plane answers with a full snapshot.
 */
import type { ErrorCode } from '../../core/errors.js';
import type { InboundConfig, MeshSettings, OutboundService, ProxySnapshot, WorkloadIdentity } from '../snapshot/proxy-snapshot.js';

export type ProxyMessage =
  | { readonly type: 'hello'; readonly registration: unknown }
  | { readonly type: 'ack'; readonly version: string }
  | { readonly type: 'nack'; readonly version: string; readonly reason: string }
  | { readonly type: 'ready'; readonly ready: boolean }
  | { readonly type: 'certificate'; readonly spiffeId: string; readonly notAfter: number; readonly fingerprint: string }
  | { readonly type: 'bye' };

/** Names one outbound service entry: the same service name may appear once per port. */
export interface OutboundServiceKey {
  readonly namespace: string;
  readonly name: string;
  readonly port: number;
}

/**
 * The difference between two snapshots of one proxy. Sections absent are unchanged. Outbound
 * services are replaced whole (endpoints included) or removed, by (namespace, name, port); the
 * result keeps the compiler's order (namespace, then name, then port), so applying the patch to the
 * base gives exactly the new snapshot.
 */
export interface SnapshotPatch {
  /** The version the proxy must be on. */
  readonly base: string;
  /** The version after the patch. */
  readonly version: string;
  readonly workload?: WorkloadIdentity;
  readonly mesh?: MeshSettings;
  readonly inbound?: InboundConfig;
  readonly outboundAccessLog?: boolean;
  readonly upsert?: readonly OutboundService[];
  readonly remove?: readonly OutboundServiceKey[];
}

export type ControlMessage =
  | { readonly type: 'snapshot'; readonly snapshot: ProxySnapshot }
  | ({ readonly type: 'patch' } & SnapshotPatch)
  | { readonly type: 'error'; readonly code: ErrorCode; readonly message: string };

/** The subscription path on the distributor's HTTP/2 server. */
export const subscribePath = '/weft.distributor.v1/subscribe';

/** NACK reasons that start with this ask the control plane for a full snapshot. */
export const baseMismatchReason = 'base mismatch';
